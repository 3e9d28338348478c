import { useEffect, useRef, useState, type FormEvent } from "react";
import { useT } from "../../i18n/index.js";
import { formatSize } from "../../i18n/format.js";
import { appStore, useApp } from "../../app/store.js";
import type { Me } from "../../app/model.js";
import { ApiError } from "../../realtime/index.js";
import { Avatar, forgetAvatar } from "../../ui/Avatar.js";
import { errorMessage } from "../../ui/errors.js";
import { common } from "../../ui/messages.js";
import { AVATAR_MAX_BYTES, AVATAR_TYPES, avatarProblem, keepMe } from "./profile.js";
import { settingsMessages } from "./messages.js";

export function ProfileSection() {
  const t = useT(settingsMessages);
  const tc = useT(common);
  const me = useApp((s) => s.me);
  const [phone, setPhone] = useState(me?.phone ?? "");
  const [status, setStatus] = useState<{ error: string | null; saved: boolean }>({ error: null, saved: false });
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // Fresh avatar links (they last a minute) and whatever changed elsewhere.
    appStore()
      .client.request<Me>("GET", "/api/v1/me")
      .then(({ data }) => keepMe(data))
      .catch(() => undefined);
  }, []);

  if (!me) return null;

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setStatus({ error: null, saved: false });
    try {
      const { data } = await appStore().client.request<Me>("PATCH", "/api/v1/me", { phone: phone.trim() });
      keepMe(data);
      setPhone(data.phone);
      setStatus({ error: null, saved: true });
    } catch (e) {
      setStatus({ error: fieldError(e, "phone") ?? errorMessage(e), saved: false });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="settings-profile">
      <AvatarEditor me={me} />
      <dl className="profile-fields">
        <dt>{t("name")}</dt>
        <dd data-testid="profile-name">{me.full_name || me.login}</dd>
        <dt>{t("login")}</dt>
        <dd>{me.login}</dd>
        {me.position && (
          <>
            <dt>{t("position")}</dt>
            <dd>{me.position}</dd>
          </>
        )}
        {me.agency && (
          <>
            <dt>{t("agency")}</dt>
            <dd>{me.agency.name}</dd>
          </>
        )}
        {me.department && (
          <>
            <dt>{t("department")}</dt>
            <dd>{me.department.name}</dd>
          </>
        )}
        {me.email && (
          <>
            <dt>{t("email")}</dt>
            <dd>{me.email}</dd>
          </>
        )}
      </dl>
      <p className="muted small-print">{t("readOnlyHint")}</p>
      <form name="profile" onSubmit={save} className="settings-form">
        <label>
          {t("phone")}
          <input name="phone" type="tel" autoComplete="tel" maxLength={40} value={phone} onChange={(e) => setPhone(e.target.value)} aria-describedby="phone-hint" />
        </label>
        <p id="phone-hint" className="muted small-print">
          {t("phoneHint")}
        </p>
        <Status error={status.error} saved={status.saved} />
        <div className="row start">
          <button type="submit" className="primary" disabled={busy}>
            {tc("save")}
          </button>
        </div>
      </form>
    </div>
  );
}

function AvatarEditor({ me }: { me: Me }) {
  const t = useT(settingsMessages);
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function upload(file: File) {
    setError(null);
    const problem = avatarProblem(file);
    if (problem) {
      setError(
        problem.kind === "type"
          ? t("avatarWrongType")
          : problem.kind === "empty"
            ? t("avatarEmpty")
            : t("avatarTooLarge", { size: formatSize(problem.size), limit: formatSize(problem.limit) }),
      );
      return;
    }
    setBusy(true);
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const { data } = await appStore().client.request<Me>("PUT", "/api/v1/me/avatar", form);
      forgetAvatar(data.id);
      keepMe(data);
    } catch (e) {
      if (e instanceof ApiError && e.status === 413 && typeof e.details["limit_bytes"] === "number") {
        setError(t("avatarTooLarge", { size: formatSize(file.size), limit: formatSize(e.details["limit_bytes"]) }));
      } else setError(fieldError(e, "file") ?? errorMessage(e));
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  }

  async function remove() {
    setError(null);
    setBusy(true);
    try {
      await appStore().client.request("DELETE", "/api/v1/me/avatar");
      forgetAvatar(me.id);
      keepMe({ ...me, avatar: null });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="avatar-editor" data-testid="avatar-editor" data-has-avatar={me.avatar ? "true" : "false"}>
      <Avatar user={me} size={96} />
      <div>
        <h3 className="field-title">{t("avatar")}</h3>
        <p className="muted small-print" id="avatar-hint">
          {t("avatarHint", { limit: formatSize(AVATAR_MAX_BYTES) })}
        </p>
        <input
          ref={input}
          id="avatar-file"
          className="visually-hidden"
          type="file"
          accept={AVATAR_TYPES.join(",")}
          aria-describedby="avatar-hint"
          aria-label={me.avatar ? t("avatarReplace") : t("avatarUpload")}
          data-testid="avatar-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void upload(file);
          }}
        />
        <div className="row start">
          <button type="button" className="secondary" disabled={busy} onClick={() => input.current?.click()}>
            {busy ? t("avatarUploading") : me.avatar ? t("avatarReplace") : t("avatarUpload")}
          </button>
          {me.avatar && (
            <button type="button" className="secondary" disabled={busy} onClick={() => void remove()}>
              {t("avatarRemove")}
            </button>
          )}
        </div>
        {error && (
          <p className="error" role="alert" data-testid="avatar-error">
            {error}
          </p>
        )}
      </div>
    </div>
  );
}

/** The server's message about one field of a 400 `validation_failed`, if it sent one. */
export function fieldError(error: unknown, field: string): string | null {
  if (!(error instanceof ApiError) || error.code !== "validation_failed") return null;
  const fields = error.details["fields"] as Record<string, unknown> | undefined;
  const messages = fields?.[field];
  return Array.isArray(messages) && messages.length ? messages.join(" ") : null;
}

export function Status({ error, saved }: { error: string | null; saved: boolean }) {
  const t = useT(settingsMessages);
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (saved)
    return (
      <p className="ok" role="status">
        {t("saved")}
      </p>
    );
  return null;
}
