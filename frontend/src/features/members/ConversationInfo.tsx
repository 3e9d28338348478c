import { useEffect, useState, type FormEvent } from "react";
import { useT, type Translate } from "../../i18n/index.js";
import { formatDateTime } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import { navigate } from "../../app/router.js";
import type { Conversation, Member, Role, User } from "../../app/model.js";
import { ApiError } from "../../realtime/index.js";
import { Avatar } from "../../ui/Avatar.js";
import { common } from "../../ui/messages.js";
import { errorMessage } from "../../ui/errors.js";
import { conversationTitle, isMuted, muteUntil, MUTED_FOREVER, type MuteChoice } from "../sidebar/list.js";
import { leaveConversation, updateMemberSettings } from "../sidebar/actions.js";
import { Menu, type MenuItem } from "../sidebar/Menu.js";
import { Icon } from "../sidebar/icons.js";
import { UserSearch } from "./UserPicker.js";
import { assignableRoles, byRole, canChangeSettings, canLeave, canManageMembers, canRemove } from "./permissions.js";
import { membersMessages } from "./messages.js";
import "../sidebar/sidebar.css";
import "./members.css";

type T = Translate<keyof (typeof membersMessages)["ru"] & string>;

const base = (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}`;

/** The side panel of one conversation: what it is, its members, its settings, and the
 * caller's own notifications, pin and archive. Live through membership.* and
 * conversation.update events (app/events.ts). */
export function ConversationInfo({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const t = useT(membersMessages);
  const tc = useT(common);
  const conversation = useApp((s) => s.conversations[conversationId]);
  const users = useApp((s) => s.users);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !document.querySelector("dialog[open]") && !(event.target as HTMLElement | null)?.closest?.(".menu")) onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  if (!conversation) {
    return (
      <aside className="info-panel" aria-label={t("panelTitle")} data-testid="conversation-info">
        <header className="info-header">
          <h2>{t("panelTitle")}</h2>
          <button type="button" className="icon" aria-label={tc("close")} onClick={onClose} data-testid="info-close">
            ✕
          </button>
        </header>
        <p>{t("notFound")}</p>
      </aside>
    );
  }
  const title = conversationTitle(conversation, users);
  const peer = conversation.kind === "direct" && conversation.peer_id ? users[conversation.peer_id] : undefined;

  async function act(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <aside className="info-panel" aria-labelledby="info-title" data-testid="conversation-info">
      <header className="info-header">
        <h2 id="info-title">{t("panelTitle")}</h2>
        <button type="button" className="icon" aria-label={tc("close")} onClick={onClose} data-testid="info-close">
          ✕
        </button>
      </header>
      <section className="info-about">
        <Avatar user={peer ?? null} name={title} id={conversation.id} size={56} />
        <div>
          <h3 className="info-name" data-testid="info-name">
            {title}
          </h3>
          <p className="muted info-kind">{peer?.position || t(`kind_${conversation.kind}`)}</p>
        </div>
      </section>
      {conversation.kind !== "direct" && (
        <p className="info-description" data-testid="info-description">
          {conversation.description || <span className="muted">{t("noDescription")}</span>}
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="info-error">
          {error}
        </p>
      )}
      <PersonalSettings conversation={conversation} t={t} act={act} />
      {canChangeSettings(conversation.kind, conversation.role) && <SettingsForm key={`${conversation.id}`} conversation={conversation} t={t} />}
      {conversation.kind !== "direct" && <MembersSection conversation={conversation} users={users} t={t} act={act} />}
      {canLeave(conversation.kind, conversation.role) && (
        <div className="info-section">
          <button
            type="button"
            className="secondary danger-text"
            data-testid="info-leave"
            onClick={() => {
              if (!window.confirm(t("leaveConfirm", { title }))) return;
              void act(async () => {
                await leaveConversation(conversation.id);
                navigate({ name: "home" });
              });
            }}
          >
            {t("leave")}
          </button>
        </div>
      )}
    </aside>
  );
}

function PersonalSettings({ conversation, t, act }: { conversation: Conversation; t: T; act: (action: () => Promise<void>) => Promise<void> }) {
  const muted = isMuted(conversation);
  const status = !muted ? t("notMuted") : conversation.muted_until === MUTED_FOREVER || Date.parse(conversation.muted_until!) > Date.now() + 365 * 86400_000 ? t("mutedForever") : t("mutedUntil", { time: formatDateTime(conversation.muted_until!) });
  const mute = (choice: MuteChoice) => () => void act(() => updateMemberSettings(conversation.id, { muted_until: muteUntil(choice) }));
  return (
    <section className="info-section" aria-labelledby="info-notifications">
      <h3 id="info-notifications">{t("notifications")}</h3>
      <p className="muted" data-testid="info-mute-status">
        {status}
      </p>
      <div className="info-buttons">
        {muted ? (
          <button type="button" className="secondary" data-testid="info-unmute" onClick={() => void act(() => updateMemberSettings(conversation.id, { muted_until: null }))}>
            {t("unmute")}
          </button>
        ) : (
          (["1h", "8h", "1d", "forever"] as const).map((choice) => (
            <button key={choice} type="button" className="chip" data-testid={`info-mute-${choice}`} onClick={mute(choice)}>
              {t(choice === "forever" ? "muteForever" : (`mute${choice}` as "mute1h" | "mute8h" | "mute1d"))}
            </button>
          ))
        )}
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={conversation.pinned} data-testid="info-pin" onChange={(e) => void act(() => updateMemberSettings(conversation.id, { pinned: e.target.checked }))} />
        {t("pin")}
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={conversation.archived} data-testid="info-archive" onChange={(e) => void act(() => updateMemberSettings(conversation.id, { archived: e.target.checked }))} />
        {t("archive")}
      </label>
    </section>
  );
}

const EDIT_WINDOWS = [0, 900, 3600, 86400, 172800, 604800] as const;

function SettingsForm({ conversation, t }: { conversation: Conversation; t: T }) {
  const [title, setTitle] = useState(conversation.title);
  const [description, setDescription] = useState(conversation.description);
  const [visibility, setVisibility] = useState(conversation.visibility);
  const [comments, setComments] = useState(conversation.comments_enabled);
  const [editWindow, setEditWindow] = useState(conversation.edit_window_seconds ?? 172800);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  // Someone else changed the settings (conversation.update): show the new values.
  useEffect(() => {
    setTitle(conversation.title);
    setDescription(conversation.description);
    setVisibility(conversation.visibility);
    setComments(conversation.comments_enabled);
    if (conversation.edit_window_seconds !== undefined) setEditWindow(conversation.edit_window_seconds);
  }, [conversation.title, conversation.description, conversation.visibility, conversation.comments_enabled, conversation.edit_window_seconds]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    setError(null);
    if (!title.trim()) {
      setFieldErrors({ title: t("titleRequired") });
      document.getElementById("settings-title")?.focus();
      return;
    }
    setFieldErrors({});
    const changes: Record<string, unknown> = {};
    if (title.trim() !== conversation.title) changes["title"] = title.trim();
    if (description !== conversation.description) changes["description"] = description;
    if (visibility !== conversation.visibility) changes["visibility"] = visibility;
    if (comments !== conversation.comments_enabled) changes["comments_enabled"] = comments;
    if (editWindow !== conversation.edit_window_seconds) changes["edit_window_seconds"] = editWindow;
    if (!Object.keys(changes).length) {
      setSaved(true);
      return;
    }
    setBusy(true);
    try {
      const { data } = await appStore().client.request<Conversation>("PATCH", base(conversation.id), changes);
      // conversation.update follows; the answer shows the change at once.
      appStore().update((s) => (s.conversations[data.id] ? { ...s, conversations: { ...s.conversations, [data.id]: { ...s.conversations[data.id]!, ...data } } } : s));
      setSaved(true);
    } catch (e) {
      setError(errorMessage(e));
      if (e instanceof ApiError && e.details && typeof e.details === "object") {
        setFieldErrors(Object.fromEntries(Object.entries(e.details as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v.join(" ") : String(v)])));
      }
    } finally {
      setBusy(false);
    }
  }

  const windows: number[] = EDIT_WINDOWS.includes(editWindow as (typeof EDIT_WINDOWS)[number]) ? [...EDIT_WINDOWS] : [...EDIT_WINDOWS, editWindow];
  return (
    <section className="info-section" aria-labelledby="info-settings">
      <h3 id="info-settings">{t("settings")}</h3>
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="settings-form">
        <label htmlFor="settings-title">
          {t("title")}
          <input id="settings-title" value={title} maxLength={200} aria-invalid={fieldErrors["title"] ? true : undefined} aria-describedby={fieldErrors["title"] ? "settings-title-error" : undefined} onChange={(e) => {
              setTitle(e.target.value);
              setSaved(false);
              if (fieldErrors["title"]) setFieldErrors(({ title: _, ...rest }) => rest);
            }} data-testid="settings-title" />
        </label>
        {fieldErrors["title"] && (
          <p className="error field-error" id="settings-title-error">
            {fieldErrors["title"]}
          </p>
        )}
        <label htmlFor="settings-description">
          {t("description")}
          <textarea id="settings-description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="settings-description" />
        </label>
        <label htmlFor="settings-visibility">
          {t("visibility")}
          <select id="settings-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as Conversation["visibility"])} data-testid="settings-visibility">
            {(["private", "agency", "server"] as const).map((v) => (
              <option key={v} value={v}>
                {t(`visibility_${v}`)}
              </option>
            ))}
          </select>
        </label>
        {conversation.kind === "channel" && (
          <label className="checkbox">
            <input type="checkbox" checked={comments} onChange={(e) => setComments(e.target.checked)} data-testid="settings-comments" />
            {t("commentsEnabled")}
          </label>
        )}
        <label htmlFor="settings-edit-window">
          {t("editWindow")}
          <select id="settings-edit-window" value={editWindow} onChange={(e) => setEditWindow(Number(e.target.value))} data-testid="settings-edit-window">
            {windows.map((seconds) => (
              <option key={seconds} value={seconds}>
                {EDIT_WINDOWS.includes(seconds as (typeof EDIT_WINDOWS)[number]) ? t(`editWindow_${seconds as (typeof EDIT_WINDOWS)[number]}`) : t("editWindowCustom", { seconds })}
              </option>
            ))}
          </select>
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          {saved && (
            <span className="muted" role="status" data-testid="settings-saved">
              {t("saved")}
            </span>
          )}
          <button type="submit" className="primary" disabled={busy} data-testid="settings-save">
            {t("save")}
          </button>
        </div>
      </form>
    </section>
  );
}

function MembersSection({ conversation, users, t, act }: { conversation: Conversation; users: Readonly<Record<string, User>>; t: T; act: (action: () => Promise<void>) => Promise<void> }) {
  const list = useApp((s) => s.members?.[conversation.id]);
  const presence = useApp((s) => s.presence);
  const me = useApp((s) => s.me);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const manage = canManageMembers(conversation.kind, conversation.role);

  useEffect(() => {
    void appStore().loadMembers(conversation.id, { reload: true });
  }, [conversation.id]);

  // Profiles of members who arrived by events, and their presence.
  const ids = (list?.members ?? []).map((m) => m.user_id).join(",");
  useEffect(() => {
    if (!ids) return;
    const all = ids.split(",");
    for (const id of all) if (!appStore().getState().users[id]) void appStore().user(id);
    const unknown = all.filter((id) => appStore().getState().presence[id] === undefined).slice(0, 200);
    if (!unknown.length) return;
    appStore()
      .client.request<{ presence: Record<string, "online" | "away" | "offline"> }>("GET", `/api/v1/presence?user_ids=${unknown.join(",")}`)
      .then(({ data }) => appStore().update((s) => ({ ...s, presence: { ...data.presence, ...s.presence } })))
      .catch(() => undefined);
  }, [ids]);

  const name = (id: string) => users[id]?.full_name || users[id]?.login || "…";
  const members = byRole((list?.members ?? []).map((m) => ({ ...m, name: name(m.user_id) })));

  async function add(user: User) {
    await act(async () => {
      await appStore().client.request("POST", `${base(conversation.id)}/members`, { user_ids: [user.id] });
      setNotice(t("added", { name: user.full_name || user.login }));
      await appStore().loadMembers(conversation.id, { reload: true });
    });
  }

  return (
    <section className="info-section" aria-labelledby="info-members">
      <div className="info-section-header">
        <h3 id="info-members">
          {t("members")}
          {list?.loaded && (
            <span className="muted" data-testid="member-count">
              {" · "}
              {list.next ? `${members.length}+` : t("memberCount", { count: members.length })}
            </span>
          )}
        </h3>
        {manage && (
          <button type="button" className="secondary" aria-expanded={adding} data-testid="members-add" onClick={() => setAdding((v) => !v)}>
            {t("addMembers")}
          </button>
        )}
      </div>
      {manage && adding && <UserSearch label={t("addPeople")} exclude={members.map((m) => m.user_id)} onPick={(u) => void add(u)} actionLabel="+" autoFocus testId="members-add-search" />}
      {notice && (
        <p className="muted" role="status">
          {notice}
        </p>
      )}
      {list?.error && (
        <p className="error" role="alert">
          {list.error}
        </p>
      )}
      <ul className="member-list" data-testid="member-list">
        {members.map((m) => (
          <MemberRow key={m.user_id} member={m} user={users[m.user_id]} conversation={conversation} isMe={m.user_id === me?.id} presence={presence[m.user_id]} t={t} act={act} />
        ))}
      </ul>
      {list?.next && (
        <button type="button" className="secondary" disabled={list.loading} onClick={() => void appStore().loadMembers(conversation.id, { more: true })} data-testid="members-more">
          {t("loadMore")}
        </button>
      )}
    </section>
  );
}

function MemberRow({ member, user, conversation, isMe, presence, t, act }: { member: Member & { name: string }; user: User | undefined; conversation: Conversation; isMe: boolean; presence: "online" | "away" | "offline" | undefined; t: T; act: (action: () => Promise<void>) => Promise<void> }) {
  const roles = isMe ? [] : assignableRoles(conversation.kind, conversation.role, member.role);
  const removable = !isMe && canRemove(conversation.kind, conversation.role, member.role);
  const setRole = (role: Role) => () => {
    if (role === "owner" && !window.confirm(t("transferConfirm", { name: member.name }))) return;
    void act(() => appStore().client.request("POST", `${base(conversation.id)}/members/${encodeURIComponent(member.user_id)}/role`, { role }).then(() => undefined));
  };
  const items: MenuItem[] = [
    ...roles.map((role) => ({
      key: role,
      label: role === "owner" ? t("transferOwnership") : t("makeRole", { role: t(`role_${role}`) }),
      testId: `member-role-${role}`,
      onSelect: setRole(role),
    })),
    ...(removable
      ? [
          {
            key: "remove",
            label: t("remove"),
            danger: true,
            testId: "member-remove",
            onSelect: () => {
              if (!window.confirm(t("removeConfirm", { name: member.name }))) return;
              void act(() => appStore().client.request("DELETE", `${base(conversation.id)}/members/${encodeURIComponent(member.user_id)}`).then(() => undefined));
            },
          },
        ]
      : []),
  ];
  const status = presence === "online" || presence === "away" ? t(presence) : null;
  return (
    <li className="member-row" data-testid="member-row" data-user-id={member.user_id} data-login={user?.login ?? ""} data-role={member.role}>
      <a
        className="member-link"
        href={`/directory/${member.user_id}`}
        onClick={(e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          navigate({ name: "directory", userId: member.user_id });
        }}
      >
        <Avatar user={user ?? null} name={member.name} id={member.user_id} size={32} presence={presence} />
        <span className="member-text">
          <span className="member-name">
            {member.name}
            {isMe && <span className="muted"> ({t("you")})</span>}
          </span>
          <span className="muted member-role">
            {t(`role_${member.role}`)}
            {status && ` · ${status}`}
          </span>
        </span>
      </a>
      {items.length > 0 && (
        <Menu label={t("memberMenu", { name: member.name })} items={items} className="icon" testId="member-menu">
          <Icon name="more" size={18} />
        </Menu>
      )}
    </li>
  );
}
