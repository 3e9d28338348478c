import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { Attachment } from "../../app/model.js";
import { useT } from "../../i18n/index.js";
import { DownloadButton } from "./AttachmentList.js";
import { Icon } from "./Icons.js";
import { attachmentBlob } from "./files.js";
import { attachmentMessages } from "./messages.js";

/** The full image over the page: Esc closes, ← and → step through the message's images. */
export function Lightbox({ images, index, onIndex, onClose }: { images: Attachment[]; index: number; onIndex: (index: number) => void; onClose: () => void }) {
  const t = useT(attachmentMessages);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const image = images[index]!;
  const step = (delta: number) => onIndex((index + delta + images.length) % images.length);
  const keys = (event: KeyboardEvent) => {
    if (event.key === "ArrowLeft" && images.length > 1) {
      event.preventDefault();
      step(-1);
    } else if (event.key === "ArrowRight" && images.length > 1) {
      event.preventDefault();
      step(1);
    }
  };
  return (
    <dialog
      ref={ref}
      className="lightbox"
      aria-labelledby="lightbox-title"
      data-testid="lightbox"
      onKeyDown={keys}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="lightbox-bar">
        <h2 id="lightbox-title" className="file-name">
          {image.filename}
        </h2>
        {images.length > 1 && <span className="lightbox-counter">{t("counter", { index: index + 1, total: images.length })}</span>}
        <DownloadButton attachment={image} />
        <button type="button" className="icon" onClick={onClose} aria-label={t("close")} data-testid="lightbox-close">
          <Icon name="close" />
        </button>
      </div>
      <div className="lightbox-stage">
        {images.length > 1 && (
          <button type="button" className="icon lightbox-nav" onClick={() => step(-1)} aria-label={t("previous")} data-testid="lightbox-previous">
            <Icon name="previous" size={32} />
          </button>
        )}
        <FullImage key={image.id} attachment={image} />
        {images.length > 1 && (
          <button type="button" className="icon lightbox-nav" onClick={() => step(1)} aria-label={t("next")} data-testid="lightbox-next">
            <Icon name="next" size={32} />
          </button>
        )}
      </div>
    </dialog>
  );
}

/** The original image, fetched while the lightbox shows it (its Blob URL freed after). */
function FullImage({ attachment }: { attachment: Attachment }) {
  const t = useT(attachmentMessages);
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    attachmentBlob(attachment.id).then(
      (blob) => {
        if (!live) return;
        made = URL.createObjectURL(blob);
        setUrl(made);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [attachment.id]);
  if (failed) return <p className="lightbox-message">{t("linkFailed")}</p>;
  if (!url) return <p className="lightbox-message">{t("loading")}</p>;
  return <img className="lightbox-image" src={url} alt={t("imageAlt", { name: attachment.filename })} />;
}
