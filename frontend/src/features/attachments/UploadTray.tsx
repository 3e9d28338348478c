import { useT, type Translate } from "../../i18n/index.js";
import { formatSize } from "../../i18n/format.js";
import { attachmentMessages } from "./messages.js";
import type { Upload, UploadError } from "./uploads.js";
import { FileIcon } from "./FileIcon.js";
import { Icon } from "./Icons.js";
import "./attachments.css";

type T = Translate<keyof (typeof attachmentMessages)["ru"] & string>;

/** A readable reason for a failed upload: the limit for a refused file, the server's text. */
export function uploadErrorText(error: UploadError, t: T): string {
  switch (error.kind) {
    case "too_large":
      return t("tooLarge", { limit: formatSize(error.limit) });
    case "too_many":
      return t("tooMany", { limit: error.limit });
    case "empty":
      return t("empty");
    case "network":
      return t("network");
    case "server":
      if (error.status === 413 && error.limit) return t("tooLarge", { limit: formatSize(error.limit) });
      if (error.message) return error.message;
      return error.status === 413 ? t("tooLargeServer") : t("failed");
  }
}

/** The files attached to the message being written: progress, cancel, errors, remove. */
export function UploadTray({ uploads, onCancel, onRemove }: { uploads: readonly Upload[]; onCancel: (id: string) => void; onRemove: (id: string) => void }) {
  const t = useT(attachmentMessages);
  if (uploads.length === 0) return null;
  return (
    <ul className="upload-tray" aria-label={t("trayLabel")} data-testid="upload-tray">
      {uploads.map((u) => {
        const percent = u.size ? Math.round((u.loaded / u.size) * 100) : 100;
        return (
          <li key={u.id} className={`upload upload-${u.status}`} data-testid="upload" data-status={u.status}>
            <FileIcon contentType={u.type} name={u.name} />
            <div className="upload-main">
              <div className="upload-name">
                <span className="file-name" title={u.name}>
                  {u.name}
                </span>
                <span className="muted file-size">{formatSize(u.size)}</span>
              </div>
              {u.status === "uploading" && (
                <progress className="upload-progress" max={100} value={percent} aria-label={t("uploading", { percent })} data-testid="upload-progress">
                  {percent} %
                </progress>
              )}
              {u.status === "uploading" && <span className="muted upload-state">{t("uploading", { percent })}</span>}
              {u.status === "done" && <span className="upload-state ok">{t("uploaded")}</span>}
              {u.status === "cancelled" && <span className="muted upload-state">{t("cancelled")}</span>}
              {u.status === "failed" && u.error && (
                <span className="error upload-state" role="alert" data-testid="upload-error">
                  {uploadErrorText(u.error, t)}
                </span>
              )}
            </div>
            {u.status === "uploading" ? (
              <button type="button" className="icon" aria-label={t("cancel", { name: u.name })} onClick={() => onCancel(u.id)} data-testid="upload-cancel">
                <Icon name="close" size={16} />
              </button>
            ) : (
              <button type="button" className="icon" aria-label={t("remove", { name: u.name })} onClick={() => onRemove(u.id)} data-testid="upload-remove">
                <Icon name="close" size={16} />
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
