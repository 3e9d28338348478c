import { useEffect, useMemo, useState } from "react";
import { useT } from "../../i18n/index.js";
import { appStore, useApp } from "../../app/store.js";
import { navigate } from "../../app/router.js";
import type { Conversation, Page, Presence, User } from "../../app/model.js";
import type { Agency } from "../../api/index.js";
import { Avatar } from "../../ui/Avatar.js";
import { errorMessage } from "../../ui/errors.js";
import { buildTree, pathTo, type Department, type DepartmentNode } from "./tree.js";
import { directoryMessages } from "./messages.js";
import { CallButtons } from "../../calls/CallButtons.js";
import "./directory.css";

const DEBOUNCE_MS = 300;

/** Every page of a list (agencies, departments: short lists, paged by the API all the same). */
async function allPages<T>(path: string): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const url: string = `${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const { data }: { data: Page<T> } = await appStore().client.request<Page<T>>("GET", url);
    all.push(...data.results);
    cursor = data.next;
  } while (cursor);
  return all;
}

/** The staff directory: agencies, their department trees, people, search and profiles. */
export function DirectoryScreen({ userId }: { userId: string | null }) {
  const t = useT(directoryMessages);
  const me = useApp((s) => s.me);
  const [agencies, setAgencies] = useState<Agency[] | null>(null);
  const [agencyId, setAgencyId] = useState<string | null>(null);
  const [departments, setDepartments] = useState<Department[] | null>(null);
  const [departmentId, setDepartmentId] = useState<string | null>(null);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [subdepartments, setSubdepartments] = useState(true);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    allPages<Agency>("/api/v1/agencies")
      .then((list) => {
        setAgencies(list);
        // Start where the reader works.
        const own = me?.agency?.id;
        setAgencyId((current) => current ?? (own && list.some((a) => a.id === own) ? own : (list[0]?.id ?? null)));
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [me?.agency?.id]);

  useEffect(() => {
    if (!agencyId) return;
    setDepartments(null);
    allPages<Department>(`/api/v1/agencies/${encodeURIComponent(agencyId)}/departments`)
      .then((list) => {
        setDepartments(list);
        const own = me?.department?.id;
        if (own && list.some((d) => d.id === own)) {
          setOpen(new Set(pathTo(list, own).slice(0, -1)));
          setDepartmentId((current) => current ?? own);
        }
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [agencyId, me?.department?.id]);

  const tree = useMemo(() => (departments ? buildTree(departments) : []), [departments]);
  const query = text.trim();

  return (
    <div className={userId ? "directory with-profile" : "directory"} data-testid="directory">
      <div className="directory-browse">
        <h1>{t("title")}</h1>
        <label>
          {t("search")}
          <input type="search" name="q" value={text} onChange={(e) => setText(e.target.value)} aria-describedby="directory-search-hint" maxLength={200} />
        </label>
        <p id="directory-search-hint" className="muted small-print">
          {t("searchHint")}
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {agencies && agencies.length > 1 && (
          <label>
            {t("agency")}
            <select
              name="agency"
              value={agencyId ?? ""}
              onChange={(e) => {
                setAgencyId(e.target.value);
                setDepartmentId(null);
                setOpen(new Set());
              }}
            >
              {agencies.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {agencies && agencies.length === 1 && <p className="agency-name">{agencies[0]!.name}</p>}
        <nav aria-label={t("departments")} className="department-tree">
          {departments && tree.length === 0 && <p className="muted">{t("noDepartments")}</p>}
          {departments && (
            <DepartmentList
              nodes={tree}
              selected={departmentId}
              open={open}
              onToggle={(id) =>
                setOpen((current) => {
                  const next = new Set(current);
                  if (!next.delete(id)) next.add(id);
                  return next;
                })
              }
              onSelect={(id) => {
                setDepartmentId(id);
                setText("");
              }}
            />
          )}
        </nav>
      </div>
      <People query={query} departmentId={departmentId} subdepartments={subdepartments} onSubdepartments={setSubdepartments} selectedUser={userId} />
      {userId && <ProfileCard key={userId} userId={userId} />}
    </div>
  );
}

function DepartmentList({
  nodes,
  selected,
  open,
  onToggle,
  onSelect,
  depth = 0,
}: {
  nodes: DepartmentNode[];
  selected: string | null;
  open: ReadonlySet<string>;
  onToggle: (id: string) => void;
  onSelect: (id: string) => void;
  depth?: number;
}) {
  const t = useT(directoryMessages);
  return (
    <ul className={depth === 0 ? "tree-level root" : "tree-level"}>
      {nodes.map(({ department, children }) => {
        const expanded = open.has(department.id);
        return (
          <li key={department.id}>
            <div className="tree-row">
              {children.length > 0 ? (
                <button
                  type="button"
                  className="icon tree-toggle"
                  aria-expanded={expanded}
                  aria-label={t(expanded ? "collapse" : "expand", { name: department.name })}
                  onClick={() => onToggle(department.id)}
                >
                  <span aria-hidden="true">{expanded ? "▾" : "▸"}</span>
                </button>
              ) : (
                <span className="tree-spacer" aria-hidden="true" />
              )}
              <button
                type="button"
                className={department.id === selected ? "tree-item active" : "tree-item"}
                aria-current={department.id === selected ? "true" : undefined}
                data-testid="department"
                onClick={() => onSelect(department.id)}
              >
                {department.name}
              </button>
            </div>
            {expanded && children.length > 0 && (
              <DepartmentList nodes={children} selected={selected} open={open} onToggle={onToggle} onSelect={onSelect} depth={depth + 1} />
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** People of the chosen department, or those matching the search box. */
function People({
  query,
  departmentId,
  subdepartments,
  onSubdepartments,
  selectedUser,
}: {
  query: string;
  departmentId: string | null;
  subdepartments: boolean;
  onSubdepartments: (value: boolean) => void;
  selectedUser: string | null;
}) {
  const t = useT(directoryMessages);
  const [people, setPeople] = useState<User[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const params = useMemo(() => {
    if (query) return new URLSearchParams({ q: query });
    if (departmentId) return new URLSearchParams({ department: departmentId, subdepartments: String(subdepartments) });
    return null;
  }, [query, departmentId, subdepartments]);

  async function load(cursor: string | null, base: URLSearchParams, live: () => boolean = () => true) {
    setLoading(true);
    setError(null);
    const search = new URLSearchParams(base);
    search.set("limit", "50");
    if (cursor) search.set("cursor", cursor);
    try {
      const { data } = await appStore().client.request<Page<User>>("GET", `/api/v1/users?${search}`);
      if (!live()) return;
      setPeople((current) => (cursor ? [...(current ?? []), ...data.results] : data.results));
      setNext(data.next);
    } catch (e) {
      if (live()) setError(errorMessage(e));
    } finally {
      if (live()) setLoading(false);
    }
  }

  useEffect(() => {
    setPeople(null);
    setNext(null);
    if (!params) return;
    let live = true;
    const timer = setTimeout(() => void load(null, params, () => live), query ? DEBOUNCE_MS : 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [params]); // a new search or department starts from the first page

  return (
    <section className="directory-people" aria-labelledby="people-title" aria-busy={loading}>
      <h2 id="people-title">{t("people")}</h2>
      {!query && departmentId && (
        <label className="checkbox">
          <input type="checkbox" checked={subdepartments} onChange={(e) => onSubdepartments(e.target.checked)} />
          {t("subdepartments")}
        </label>
      )}
      {!params && <p className="empty-note">{t("pickDepartment")}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {people && people.length === 0 && (
        <p className="empty-note" role="status">
          {t("nobody")}
        </p>
      )}
      {people && people.length > 0 && !next && (
        <p className="muted" role="status">
          {t("found", { count: people.length })}
        </p>
      )}
      <ul className="people-list">
        {people?.map((person) => (
          <li key={person.id}>
            <a
              href={`/directory/${person.id}`}
              className={person.id === selectedUser ? "person active" : "person"}
              aria-current={person.id === selectedUser ? "true" : undefined}
              data-testid="person"
              onClick={(e) => {
                e.preventDefault();
                navigate({ name: "directory", userId: person.id });
              }}
            >
              <Avatar user={person} size={36} />
              <span className="person-text">
                <span className="person-name">{person.full_name || person.login}</span>
                <span className="person-position muted">{[person.position, person.department?.name].filter(Boolean).join(" · ")}</span>
              </span>
            </a>
          </li>
        ))}
      </ul>
      {next && params && (
        <button type="button" className="secondary more" disabled={loading} onClick={() => void load(next, params)}>
          {t("more")}
        </button>
      )}
    </section>
  );
}

/** One person: name, position, where they work, contacts, presence and "write a message". */
function ProfileCard({ userId }: { userId: string }) {
  const t = useT(directoryMessages);
  const me = useApp((s) => s.me);
  const knownPresence = useApp((s) => s.presence[userId]);
  const [user, setUser] = useState<User | null>(null);
  const [missing, setMissing] = useState(false);
  const [presence, setPresence] = useState<Presence | null>(null);
  const [writing, setWriting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const client = appStore().client;
    let live = true;
    client
      .request<User>("GET", `/api/v1/users/${encodeURIComponent(userId)}`)
      .then(({ data }) => live && setUser(data))
      .catch((e: unknown) => {
        if (!live) return;
        if (e && typeof e === "object" && "status" in e && e.status === 404) setMissing(true);
        else setError(errorMessage(e));
      });
    client
      .request<{ presence: Record<string, Presence> }>("GET", `/api/v1/presence?user_ids=${encodeURIComponent(userId)}`)
      .then(({ data }) => live && setPresence(data.presence[userId] ?? "offline"))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [userId]);

  async function write() {
    setWriting(true);
    setError(null);
    try {
      const { data } = await appStore().client.request<Conversation>("POST", "/api/v1/conversations/direct", { user_id: userId });
      await appStore().loadConversation(data.id);
      navigate({ name: "conversation", id: data.id, message: null, thread: null });
    } catch (e) {
      setError(errorMessage(e));
      setWriting(false);
    }
  }

  const state = knownPresence ?? presence;
  return (
    <section className="profile-card" aria-labelledby="profile-title" data-testid="profile-card">
      <div className="profile-card-close">
        <button type="button" className="icon" aria-label={t("closeProfile")} onClick={() => navigate({ name: "directory", userId: null })}>
          <span aria-hidden="true">✕</span>
        </button>
      </div>
      {missing && <p className="empty-note">{t("notFound")}</p>}
      {!user && !missing && !error && <p className="muted" role="status">…</p>}
      {user && (
        <>
          <div className="profile-head">
            <Avatar user={user} size={96} presence={state ?? undefined} />
            <div>
              <h2 id="profile-title">{user.full_name || user.login}</h2>
              {user.position && <p className="profile-position">{user.position}</p>}
              {user.is_bot && <span className="chip-label">{t("bot")}</span>}
            </div>
          </div>
          <dl className="profile-fields">
            {user.agency && (
              <>
                <dt>{t("agency")}</dt>
                <dd>{user.agency.name}</dd>
              </>
            )}
            {user.department && (
              <>
                <dt>{t("department")}</dt>
                <dd>{user.department.name}</dd>
              </>
            )}
            {user.email && (
              <>
                <dt>{t("email")}</dt>
                <dd>
                  <a href={`mailto:${user.email}`}>{user.email}</a>
                </dd>
              </>
            )}
            {user.phone && (
              <>
                <dt>{t("phone")}</dt>
                <dd>
                  <a href={`tel:${user.phone.replace(/[^\d+]/g, "")}`}>{user.phone}</a>
                </dd>
              </>
            )}
            <dt>{t("login")}</dt>
            <dd>{user.login}</dd>
            {state && (
              <>
                <dt>{t("presence")}</dt>
                <dd data-testid="presence" data-state={state}>
                  {t(`presence_${state}`)}
                </dd>
              </>
            )}
          </dl>
          {user.id === me?.id ? (
            <p className="muted">{t("itsYou")}</p>
          ) : (
            <div className="profile-actions">
              <button type="button" className="primary" onClick={() => void write()} disabled={writing} data-testid="write-message">
                {writing ? t("writing") : t("write")}
              </button>
              {!user.is_bot && <CallButtons target={{ calleeId: user.id }} peerId={user.id} name={user.full_name || user.login} labelled />}
            </div>
          )}
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
