import { useEffect, useId, useState } from "react";
import { useT } from "../i18n/index.js";
import { appStore, useApp } from "../app/store.js";
import type { Page } from "../app/model.js";
import type { Department } from "../api/index.js";
import { Dialog } from "../ui/Dialog.js";
import { errorMessage } from "../ui/errors.js";
import { UserSearch } from "../features/members/UserPicker.js";
import { conversationTitle } from "../features/sidebar/Sidebar.js";
import { documentsApi, ROLES, type DocumentItem, type OwnerKind, type Role } from "./api.js";
import { useDocumentChanges, useLoad } from "./hooks.js";
import { useRoleText } from "./parts.js";
import { documentsMessages } from "./messages.js";

/**
 * The sharing dialog (owners only): who has access (each role changeable, revocable at
 * once), and a new share to a person (directory search), a department of the agency or one
 * of the caller's chats, with a role.
 */
export function ShareDialog({ document: doc, onClose }: { document: DocumentItem; onClose: () => void }) {
  const t = useT(documentsMessages);
  const roleText = useRoleText();
  const changes = useDocumentChanges(`doc:${doc.id}`);
  const shares = useLoad(() => documentsApi.shares(doc.id), [doc.id, changes]);
  const [kind, setKind] = useState<OwnerKind>("user");
  const [grantee, setGrantee] = useState<{ id: string; name: string } | null>(null);
  const [role, setRole] = useState<Role>("viewer");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const roleId = useId();
  const kindId = useId();

  async function act(action: () => Promise<unknown>) {
    setError(null);
    setBusy(true);
    try {
      await action();
      shares.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={t("shareTitle", { name: doc.name })} onClose={onClose} wide>
      <div data-testid="share-dialog">
        <h3 className="field-title">{t("sharesList")}</h3>
        {shares.error && <p className="error" role="alert">{shares.error}</p>}
        {shares.data && shares.data.results.length === 0 && <p className="empty-note">{t("sharesEmpty")}</p>}
        {shares.data && shares.data.results.length > 0 && (
          <ul className="share-list" data-testid="share-list">
            {shares.data.results.map((share) => (
              <li key={share.id} data-testid="share" data-grantee={share.grantee.id}>
                <span className="share-name">
                  {share.grantee.name}{" "}
                  <span className="muted">
                    ({share.grantee.kind === "user" ? t("granteeUser") : share.grantee.kind === "department" ? t("granteeDepartment") : t("granteeConversation")})
                  </span>
                </span>
                <select value={share.role} aria-label={t("roleFor", { name: share.grantee.name })} disabled={busy} onChange={(e) => void act(() => documentsApi.changeShare(doc.id, share.id, e.target.value as Role))}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {roleText(r)}
                    </option>
                  ))}
                </select>
                <button type="button" className="secondary small" disabled={busy} aria-label={t("revokeFor", { name: share.grantee.name })} data-testid="share-revoke" onClick={() => void act(() => documentsApi.revoke(doc.id, share.id))}>
                  {t("revoke")}
                </button>
              </li>
            ))}
          </ul>
        )}
        <h3 className="field-title">{t("shareWith")}</h3>
        <label htmlFor={kindId}>
          {t("granteeKind")}
          <select
            id={kindId}
            value={kind}
            data-testid="share-kind"
            onChange={(e) => {
              setKind(e.target.value as OwnerKind);
              setGrantee(null);
            }}
          >
            <option value="user">{t("granteeUser")}</option>
            <option value="department">{t("granteeDepartment")}</option>
            <option value="conversation">{t("granteeConversation")}</option>
          </select>
        </label>
        {kind === "user" && !grantee && <UserSearch label={t("granteeUser")} onPick={(u) => setGrantee({ id: u.id, name: u.full_name || u.login })} testId="share-user" />}
        {kind === "department" && <DepartmentSelect value={grantee?.id ?? ""} onChange={setGrantee} />}
        {kind === "conversation" && <ConversationSelect value={grantee?.id ?? ""} onChange={setGrantee} />}
        {kind === "user" && grantee && (
          <p data-testid="share-chosen">
            {t("chosen", { name: grantee.name })}{" "}
            <button type="button" className="link" onClick={() => setGrantee(null)}>
              {t("cancel")}
            </button>
          </p>
        )}
        <label htmlFor={roleId}>
          {t("roleLabel")}
          <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="share-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleText(r)}
              </option>
            ))}
          </select>
        </label>
        {error && <p className="error" role="alert" data-testid="share-error">{error}</p>}
        <div className="row">
          <button
            type="button"
            className="primary"
            disabled={!grantee || busy}
            data-testid="share-submit"
            onClick={() =>
              grantee &&
              void act(async () => {
                await documentsApi.share(doc.id, { kind, id: grantee.id }, role);
                setGrantee(null);
              })
            }
          >
            {t("grant")}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function DepartmentSelect({ value, onChange }: { value: string; onChange: (picked: { id: string; name: string } | null) => void }) {
  const t = useT(documentsMessages);
  const agencyId = useApp((s) => s.me?.agency?.id ?? null);
  const id = useId();
  const [departments, setDepartments] = useState<Department[]>([]);
  useEffect(() => {
    if (!agencyId) return;
    appStore()
      .client.request<Page<Department>>("GET", `/api/v1/agencies/${encodeURIComponent(agencyId)}/departments?limit=200`)
      .then(({ data }) => setDepartments(data.results))
      .catch(() => setDepartments([]));
  }, [agencyId]);
  return (
    <label htmlFor={id}>
      {t("pickDepartment")}
      <select
        id={id}
        value={value}
        data-testid="share-department"
        onChange={(e) => {
          const picked = departments.find((d) => d.id === e.target.value);
          onChange(picked ? { id: picked.id, name: picked.name } : null);
        }}
      >
        <option value="">{t("choose")}</option>
        {departments.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function ConversationSelect({ value, onChange }: { value: string; onChange: (picked: { id: string; name: string } | null) => void }) {
  const t = useT(documentsMessages);
  const conversations = useApp((s) => s.conversations);
  const users = useApp((s) => s.users);
  const id = useId();
  const list = Object.values(conversations)
    .map((c) => ({ id: c.id, name: conversationTitle(c, users) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <label htmlFor={id}>
      {t("pickConversation")}
      <select id={id} value={value} data-testid="share-conversation" onChange={(e) => onChange(list.find((c) => c.id === e.target.value) ?? null)}>
        <option value="">{t("choose")}</option>
        {list.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
