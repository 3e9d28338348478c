import { useEffect, useMemo, useRef, useState } from "react";
import { useT } from "../../i18n/index.js";
import { formatDateTime, formatListTime } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import { navigate } from "../../app/router.js";
import type { Page } from "../../app/model.js";
import type { SearchResult } from "../../api/index.js";
import { ApiError } from "../../realtime/index.js";
import { SafeHtml } from "../../ui/SafeHtml.js";
import { errorMessage } from "../../ui/errors.js";
import { conversationTitle, sortConversations } from "../sidebar/Sidebar.js";
import { NO_FILTERS, SEARCH_LIMIT, profileOffset, searchQuery, type SearchFilters } from "./query.js";
import { searchMessages } from "./messages.js";
import "./search.css";

const DEBOUNCE_MS = 300;

type Outcome =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "done"; results: SearchResult[] }
  | { status: "error"; message: string; fields: string[] };

/** Messages across the reader's conversations, with filters and highlighted snippets. */
export function SearchScreen({ query }: { query: string }) {
  const t = useT(searchMessages);
  const [text, setText] = useState(query);
  const [filters, setFilters] = useState<SearchFilters>(NO_FILTERS);
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });
  const latest = useRef(0);
  const conversations = useApp((s) => s.conversations);
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me);

  // The address bar changed from outside (the sidebar's search box, back button).
  useEffect(() => setText((current) => (current.trim() === query.trim() ? current : query)), [query]);

  // Days in the profile's time zone, as every date the app shows.
  const request = searchQuery(text, filters, profileOffset(me?.time_zone));
  useEffect(() => {
    const id = ++latest.current;
    if (request === null) {
      setOutcome({ status: "idle" });
      return;
    }
    const timer = setTimeout(() => {
      navigate({ name: "search", query: text.trim() }, { replace: true });
      setOutcome({ status: "loading" });
      appStore()
        .client.request<Page<SearchResult>>("GET", `/api/v1/search/messages?${request}`)
        .then(({ data }) => id === latest.current && setOutcome({ status: "done", results: data.results }))
        .catch((error: unknown) => {
          if (id !== latest.current) return;
          const fields = error instanceof ApiError && error.code === "validation_failed" ? fieldErrors(error.details, fieldLabel) : [];
          setOutcome({ status: "error", message: errorMessage(error), fields });
        });
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [request]); // `text` matters only through `request`

  const conversationOptions = useMemo(
    () => sortConversations(Object.values(conversations)).map((c) => ({ id: c.id, title: conversationTitle(c, users) })),
    [conversations, users],
  );
  const authorOptions = useMemo(
    () =>
      Object.values(users)
        .filter((u) => u.id !== me?.id && !u.is_bot)
        .map((u) => ({ id: u.id, name: u.full_name || u.login }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    [users, me],
  );
  const fieldLabel = (name: string): string => {
    const labels: Record<string, string> = {
      q: t("query"), conversation: t("conversation"), author: t("author"), since: t("since"), until: t("until"), has_file: t("hasFile"), mentions_me: t("mentionsMe"),
    };
    return labels[name] ?? name;
  };
  const set = <K extends keyof SearchFilters>(key: K, value: SearchFilters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);

  return (
    <div className="page search-page" data-testid="search">
      <h1 id="search-title">{t("title")}</h1>
      <form role="search" aria-labelledby="search-title" className="search-form" onSubmit={(e) => e.preventDefault()}>
        <label className="search-query">
          {t("query")}
          <input type="search" name="q" value={text} onChange={(e) => setText(e.target.value)} autoFocus maxLength={200} aria-describedby="search-hint" />
        </label>
        <p id="search-hint" className="muted small-print">
          {t("queryHint")}
        </p>
        <fieldset className="search-filters">
          <legend>{t("filters")}</legend>
          <label>
            {t("conversation")}
            <select name="conversation" value={filters.conversation} onChange={(e) => set("conversation", e.target.value)}>
              <option value="">{t("anyConversation")}</option>
              {conversationOptions.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("author")}
            <select name="author" value={filters.author} onChange={(e) => set("author", e.target.value)}>
              <option value="">{t("anyAuthor")}</option>
              {me && <option value={me.id}>{t("me")}</option>}
              {authorOptions.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("since")}
            <input type="date" name="since" value={filters.since} max={filters.until || undefined} onChange={(e) => set("since", e.target.value)} />
          </label>
          <label>
            {t("until")}
            <input type="date" name="until" value={filters.until} min={filters.since || undefined} onChange={(e) => set("until", e.target.value)} />
          </label>
          <label className="checkbox">
            <input type="checkbox" name="has_file" checked={filters.hasFile} onChange={(e) => set("hasFile", e.target.checked)} />
            {t("hasFile")}
          </label>
          <label className="checkbox">
            <input type="checkbox" name="mentions_me" checked={filters.mentionsMe} onChange={(e) => set("mentionsMe", e.target.checked)} />
            {t("mentionsMe")}
          </label>
          {filtered && (
            <button type="button" className="link" onClick={() => setFilters(NO_FILTERS)}>
              {t("reset")}
            </button>
          )}
        </fieldset>
      </form>
      <Results outcome={outcome} />
    </div>
  );
}

function Results({ outcome }: { outcome: Outcome }) {
  const t = useT(searchMessages);
  const users = useApp((s) => s.users);
  const conversations = useApp((s) => s.conversations);
  if (outcome.status === "idle") return <p className="empty-note">{t("prompt")}</p>;
  if (outcome.status === "loading")
    return (
      <p className="empty-note" role="status">
        {t("searching")}
      </p>
    );
  if (outcome.status === "error") {
    return (
      <div className="error" role="alert" data-testid="search-error">
        <p>{outcome.message}</p>
        {outcome.fields.length > 0 && (
          <ul>
            {outcome.fields.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  if (outcome.results.length === 0)
    return (
      <p className="empty-note" role="status" data-testid="search-empty">
        {t("nothing")}
      </p>
    );
  return (
    <section aria-label={t("results")}>
      <p role="status" className="muted">
        {outcome.results.length >= SEARCH_LIMIT ? t("foundMore", { count: outcome.results.length }) : t("found", { count: outcome.results.length })}
      </p>
      <ol className="search-results">
        {outcome.results.map(({ message, conversation, snippet }) => {
          const known = conversations[conversation.id];
          const author = message.author_id ? users[message.author_id] : undefined;
          const where = known ? conversationTitle(known, users) : conversation.title;
          return (
            <li key={message.id} data-testid="search-result">
              <a
                href={`/c/${conversation.id}?m=${message.id}`}
                className="search-result"
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ name: "conversation", id: conversation.id, message: message.id, thread: message.thread_root });
                }}
              >
                <span className="search-result-top">
                  <span className="where">{where}</span>
                  <span className="who">{message.author_id ? author?.full_name || author?.login || <AuthorName id={message.author_id} /> : t("system")}</span>
                  <time dateTime={message.created_at} title={formatDateTime(message.created_at)}>
                    {formatListTime(message.created_at)}
                  </time>
                </span>
                <SafeHtml as="span" className="snippet" html={snippet} />
              </a>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** An author the app has not loaded yet: asked for once, shown when known. */
function AuthorName({ id }: { id: string }) {
  const t = useT(searchMessages);
  const user = useApp((s) => s.users[id]);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    void appStore()
      .user(id)
      .then((u) => setMissing(u === null));
  }, [id]);
  return <>{user?.full_name || user?.login || (missing ? t("someone") : "…")}</>;
}

/** "<field's label>: <the server's message>" lines from `details.fields` of a 400. */
function fieldErrors(details: Record<string, unknown>, label: (name: string) => string): string[] {
  const fields = details["fields"];
  if (!fields || typeof fields !== "object") return [];
  return Object.entries(fields as Record<string, unknown>).map(([name, messages]) => `${label(name)}: ${Array.isArray(messages) ? messages.join(" ") : String(messages)}`);
}

