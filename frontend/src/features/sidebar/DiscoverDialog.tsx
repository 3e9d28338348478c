import { useEffect, useState } from "react";
import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import type { ConversationPayload, Page } from "../../app/model.js";
import { Dialog } from "../../ui/Dialog.js";
import { errorMessage } from "../../ui/errors.js";
import { Avatar } from "../../ui/Avatar.js";
import { openNew } from "./NewChatDialog.js";
import { dialogMessages } from "./messages.js";

/** "Найти группы и каналы": open ones the caller is not in, by title; join opens it. */
export function DiscoverDialog({ onClose }: { onClose: () => void }) {
  const t = useT(dialogMessages);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<{ results: ConversationPayload[]; next: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState<string | null>(null);

  async function load(q: string, cursor: string | null) {
    const params = new URLSearchParams({ limit: "30" });
    if (q) params.set("q", q);
    if (cursor) params.set("cursor", cursor);
    const { data } = await appStore().client.request<Page<ConversationPayload>>("GET", `/api/v1/conversations/discover?${params}`);
    return data;
  }

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      load(query.trim(), null)
        .then((data) => {
          if (cancelled) return;
          setError(null);
          setFound({ results: data.results, next: data.next });
        })
        .catch((e) => !cancelled && setError(errorMessage(e)));
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);

  async function more() {
    if (!found?.next) return;
    try {
      const data = await load(query.trim(), found.next);
      setFound({ results: [...found.results, ...data.results], next: data.next });
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function join(id: string) {
    setJoining(id);
    setError(null);
    try {
      await appStore().client.request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/join`);
      await openNew(id);
      onClose();
    } catch (e) {
      setJoining(null);
      setError(errorMessage(e));
    }
  }

  return (
    <Dialog title={t("discoverTitle")} onClose={onClose} wide>
      <label htmlFor="discover-search">
        {t("discoverSearch")}
        <input id="discover-search" type="search" autoFocus value={query} placeholder={t("discoverPlaceholder")} onChange={(e) => setQuery(e.target.value)} data-testid="discover-search" />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {found && found.results.length === 0 && (
        <p className="muted" role="status" data-testid="discover-empty">
          {t("discoverEmpty")}
        </p>
      )}
      {found && found.results.length > 0 && (
        <ul className="discover-list" data-testid="discover-list">
          {found.results.map((c) => (
            <li key={c.id} className="discover-item" data-testid="discover-item" data-title={c.title}>
              <Avatar name={c.title} id={c.id} size={40} />
              <div className="discover-text">
                <span className="discover-name">{c.title}</span>
                <span className="muted">
                  {t(`kind_${c.kind}`)}
                  {c.description ? ` · ${c.description}` : ""}
                </span>
              </div>
              <button type="button" className="secondary" disabled={joining !== null} onClick={() => void join(c.id)} data-testid="discover-join" aria-label={`${t("join")}: ${c.title}`}>
                {t("join")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {found?.next && (
        <div className="row">
          <button type="button" className="secondary" onClick={() => void more()}>
            {t("more")}
          </button>
        </div>
      )}
    </Dialog>
  );
}
