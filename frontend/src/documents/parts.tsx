/** Small pieces the documents screens share: status badges, the name dialog, the uploads list. */
import { useState, type FormEvent } from "react";
import { useT } from "../i18n/index.js";
import { formatSize } from "../i18n/format.js";
import { navigate, type Route } from "../app/router.js";
import { Dialog } from "../ui/Dialog.js";
import { errorMessage } from "../ui/errors.js";
import type { DocumentStatus, Role } from "./api.js";
import type { DocUpload } from "./upload.js";
import { documentsMessages } from "./messages.js";

export function StatusBadge({ status, number }: { status: DocumentStatus; number?: string }) {
  const t = useT(documentsMessages);
  return (
    <span className={`doc-status status-${status}`} data-testid="document-status" data-status={status}>
      {t(`status_${status}`)}
      {status === "registered" && number ? <> · <span data-testid="registration-number">{t("registeredAs", { number })}</span></> : null}
    </span>
  );
}

export function useRoleText(): (role: Role) => string {
  const t = useT(documentsMessages);
  return (role) => t(`role_${role}`);
}

/** A link inside the app: the address changes without a reload; Ctrl-click opens a tab. */
export function AppLink({ to, href, children, className, testId }: { to: Route; href: string; children: React.ReactNode; className?: string; testId?: string }) {
  return (
    <a
      href={href}
      className={className}
      data-testid={testId}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** Ask for a name (a new folder, a rename): the dialog's field, Enter submits. */
export function NameDialog({ title, label, initial = "", submit, onSubmit, onClose }: { title: string; label: string; initial?: string; submit: string; onSubmit: (name: string) => Promise<void>; onClose: () => void }) {
  const t = useT(documentsMessages);
  const [name, setName] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function send(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(name.trim());
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={(e) => void send(e)} name="name-dialog" >
        <label>
          {label}
          <input type="text" value={name} autoFocus maxLength={1000} onChange={(e) => setName(e.target.value)} data-testid="name-input" />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="row">
          <button type="button" className="secondary" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim()} data-testid="name-submit">
            {submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The uploads of a screen: a progress bar each (with parts for large files), cancel, the outcome. */
export function UploadList({ uploads, cancel, remove }: { uploads: readonly DocUpload[]; cancel: (id: string) => void; remove: (id: string) => void }) {
  const t = useT(documentsMessages);
  if (!uploads.length) return null;
  return (
    <section className="doc-uploads" aria-label={t("uploads")} data-testid="doc-uploads">
      <ul>
        {uploads.map((u) => (
          <li key={u.id} className={`doc-upload ${u.status}`} data-testid="doc-upload" data-status={u.status}>
            <div className="doc-upload-line">
              <span className="doc-upload-name">{u.name}</span>
              <span className="muted">
                {t("uploadProgress", { loaded: formatSize(u.loaded), total: formatSize(u.size) })}
                {u.parts !== null && <> · {t("uploadParts", { done: u.partsDone, count: u.parts })}</>}
              </span>
              {u.status === "uploading" ? (
                <button type="button" className="secondary small" onClick={() => cancel(u.id)} aria-label={`${t("cancel")}: ${u.name}`} title={t("uploadCancel", { name: u.name })} data-testid="upload-cancel">
                  {t("cancel")}
                </button>
              ) : (
                <button type="button" className="icon" onClick={() => remove(u.id)} aria-label={t("uploadDismiss")} title={t("uploadDismiss")}>
                  ✕
                </button>
              )}
            </div>
            <progress max={Math.max(1, u.size)} value={u.loaded} aria-label={t("uploading", { name: u.name })} data-testid="upload-progress" />
            {u.status === "done" && <p className="ok">{t("uploadDone")}</p>}
            {u.status === "cancelled" && <p className="muted">{t("uploadCancelled")}</p>}
            {u.status === "failed" && u.error && (
              <p className="error" role="alert" data-testid="upload-error" data-kind={u.error.kind}>
                {u.error.kind === "conflict"
                  ? t("uploadConflict")
                  : u.error.kind === "network"
                    ? t("uploadNetwork")
                    : u.error.kind === "too_large"
                      ? t("uploadTooLarge", { message: u.error.message })
                      : u.error.message}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
