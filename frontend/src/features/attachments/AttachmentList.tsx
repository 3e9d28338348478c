import { useEffect, useState } from "react";
import type { Attachment, Message } from "../../app/model.js";
import { useT } from "../../i18n/index.js";
import { formatSize } from "../../i18n/format.js";
import { errorMessage } from "../../ui/errors.js";
import { FileIcon } from "./FileIcon.js";
import { Icon } from "./Icons.js";
import { Lightbox } from "./Lightbox.js";
import { downloadAttachment, thumbnailUrl } from "./files.js";
import { attachmentMessages } from "./messages.js";
import "./attachments.css";

export function attachmentsOf(message: Message): Attachment[] {
  return message.attachments ?? [];
}

const isImage = (a: Attachment) => a.content_type.startsWith("image/");

/** A message's files: image thumbnails (opening a lightbox) and files with a download. */
export function AttachmentList({ message }: { message: Message }) {
  const t = useT(attachmentMessages);
  const all = attachmentsOf(message);
  const [open, setOpen] = useState<number | null>(null);
  if (all.length === 0 || message.deleted) return null;
  // An image without a thumbnail (damaged, huge, or not made yet) is shown as a file.
  const images = all.filter((a) => isImage(a) && a.thumbnail);
  const files = all.filter((a) => !(isImage(a) && a.thumbnail));
  return (
    <div className="attachments" data-testid="attachments" aria-label={t("attachments")} role="group">
      {images.length > 0 && (
        <ul className="attachment-images">
          {images.map((a, index) => (
            <li key={a.id}>
              <button type="button" className="thumbnail-button" onClick={() => setOpen(index)} aria-label={t("open", { name: a.filename })} data-testid="attachment-thumbnail">
                <Thumbnail attachment={a} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <ul className="attachment-files">
          {files.map((a) => (
            <li key={a.id} className="attachment-file" data-testid="attachment-file">
              <FileIcon contentType={a.content_type} name={a.filename} />
              <span className="file-name" title={a.filename}>
                {a.filename}
              </span>
              <span className="muted file-size">{formatSize(a.size)}</span>
              <DownloadButton attachment={a} />
            </li>
          ))}
        </ul>
      )}
      {open !== null && images.length > 0 && <Lightbox images={images} index={Math.min(open, images.length - 1)} onIndex={setOpen} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** A thumbnail (fetched with the session's token, kept as a Blob URL for the session). */
function Thumbnail({ attachment }: { attachment: Attachment }) {
  const t = useT(attachmentMessages);
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    thumbnailUrl(attachment.id).then(
      (u) => live && setUrl(u),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [attachment.id]);
  if (failed) return <span className="thumbnail-missing">{t("linkFailed")}</span>;
  if (!url) return <span className="thumbnail-placeholder">{t("loading")}</span>;
  return <img className="thumbnail" src={url} alt={t("imageAlt", { name: attachment.filename })} />;
}

/** Saves the original, byte for byte, under its name. */
export function DownloadButton({ attachment }: { attachment: Attachment }) {
  const t = useT(attachmentMessages);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function download() {
    setBusy(true);
    setError(null);
    try {
      await downloadAttachment(attachment.id, attachment.filename);
    } catch (e) {
      setError(e instanceof Error && e.name === "FileFetchError" ? t("linkFailed") : errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button
        type="button"
        className="icon download"
        onClick={() => void download()}
        disabled={busy}
        aria-label={t("download", { name: attachment.filename })}
        title={t("download", { name: attachment.filename })}
        data-testid="attachment-download"
      >
        <Icon name="download" />
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
