import { useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import { navigate } from "../../app/router.js";
import { appStore } from "../../app/store.js";
import type { User } from "../../app/model.js";
import { ApiError } from "../../realtime/index.js";
import { Dialog } from "../../ui/Dialog.js";
import { errorMessage } from "../../ui/errors.js";
import { UserSearch } from "../members/UserPicker.js";
import { dialogMessages } from "./messages.js";

type Kind = "direct" | "group" | "channel";
type Visibility = "private" | "agency" | "server";

/** Open a conversation the server just created or returned, once the list knows it. */
export async function openNew(conversationId: string): Promise<void> {
  const store = appStore();
  if (!store.getState().conversations[conversationId]) await store.loadConversation(conversationId);
  navigate({ name: "conversation", id: conversationId, message: null, thread: null });
}

/** "Новый чат": a direct chat with someone from the directory, or a group or channel. */
export function NewChatDialog({ onClose }: { onClose: () => void }) {
  const t = useT(dialogMessages);
  const [kind, setKind] = useState<Kind>("direct");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function direct(user: User) {
    setBusy(true);
    setError(null);
    try {
      const { data } = await appStore().client.request<{ id: string }>("POST", "/api/v1/conversations/direct", { user_id: user.id });
      await openNew(data.id);
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <Dialog title={t("newChatTitle")} onClose={onClose} wide>
      <div className="segmented" role="radiogroup" aria-label={t("kindLabel")}>
        {(["direct", "group", "channel"] as const).map((k) => (
          <button key={k} type="button" role="radio" aria-checked={kind === k} className={kind === k ? "chip active" : "chip"} onClick={() => setKind(k)} data-testid={`new-chat-kind-${k}`}>
            {t(`kind_${k}`)}
          </button>
        ))}
      </div>
      {kind === "direct" ? (
        <div data-testid="new-direct">
          <UserSearch label={t("findPerson")} onPick={(u) => void (busy ? undefined : direct(u))} actionLabel={t("write")} autoFocus testId="direct-search" />
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      ) : (
        <GroupForm key={kind} kind={kind} onDone={onClose} />
      )}
    </Dialog>
  );
}

function GroupForm({ kind, onDone }: { kind: "group" | "channel"; onDone: () => void }) {
  const t = useT(dialogMessages);
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [members, setMembers] = useState<User[]>([]);
  const [visibility, setVisibility] = useState<Visibility>("private");
  const [comments, setComments] = useState(kind === "channel");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = title.trim();
    const invalid: Record<string, string> = {};
    if (!trimmed) invalid["title"] = t("titleRequired");
    else if (trimmed.length > 200) invalid["title"] = t("titleTooLong");
    setErrors(invalid);
    if (Object.keys(invalid).length) {
      document.getElementById("new-title")?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { kind, title: trimmed, description: description.trim(), member_ids: members.map((m) => m.id), visibility, comments_enabled: kind === "channel" && comments };
      const { data } = await appStore().client.request<{ id: string }>("POST", "/api/v1/conversations", body);
      await openNew(data.id);
      onDone();
    } catch (e) {
      setBusy(false);
      setError(errorMessage(e));
      if (e instanceof ApiError && e.details && typeof e.details === "object") {
        const fields: Record<string, string> = {};
        for (const [field, value] of Object.entries(e.details as Record<string, unknown>)) fields[field] = Array.isArray(value) ? value.join(" ") : String(value);
        setErrors(fields);
      }
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate data-testid="new-group-form">
      <label htmlFor="new-title">
        {t("title")}
        <input
          id="new-title"
          value={title}
          maxLength={250}
          required
          autoFocus
          aria-invalid={errors["title"] ? true : undefined}
          aria-describedby={errors["title"] ? "new-title-error" : undefined}
          onChange={(e) => {
            setTitle(e.target.value);
            if (errors["title"]) setErrors(({ title: _, ...rest }) => rest);
          }}
          data-testid="new-title"
        />
      </label>
      {errors["title"] && (
        <p className="error field-error" id="new-title-error">
          {errors["title"]}
        </p>
      )}
      <label htmlFor="new-description">
        {t("description")}
        <textarea id="new-description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="new-description" />
      </label>
      <fieldset className="members-picker">
        <legend>{t("members")}</legend>
        {members.length === 0 ? (
          <p className="muted">{t("noMembers")}</p>
        ) : (
          <ul className="chips" data-testid="picked-members">
            {members.map((m) => (
              <li key={m.id}>
                <span className="chip-static">
                  {m.full_name || m.login}
                  <button type="button" className="icon" aria-label={t("removeMember", { name: m.full_name || m.login })} onClick={() => setMembers((list) => list.filter((x) => x.id !== m.id))}>
                    ✕
                  </button>
                </span>
              </li>
            ))}
          </ul>
        )}
        <UserSearch label={t("addMember")} exclude={members.map((m) => m.id)} onPick={(u) => setMembers((list) => [...list, u])} actionLabel="+" testId="member-search" />
        {errors["member_ids"] && <p className="error field-error">{errors["member_ids"]}</p>}
      </fieldset>
      <label htmlFor="new-visibility">
        {t("visibility")}
        <select id="new-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)} data-testid="new-visibility">
          {(["private", "agency", "server"] as const).map((v) => (
            <option key={v} value={v}>
              {t(`visibility_${v}`)}
            </option>
          ))}
        </select>
      </label>
      {kind === "channel" && (
        <label className="checkbox">
          <input type="checkbox" checked={comments} onChange={(e) => setComments(e.target.checked)} data-testid="new-comments" />
          {t("commentsEnabled")}
        </label>
      )}
      {error && (
        <p className="error" role="alert" data-testid="new-chat-error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy} data-testid="new-chat-submit">
          {busy ? t("creating") : t("create")}
        </button>
      </div>
    </form>
  );
}
