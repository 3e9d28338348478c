import { useEffect, useRef, type KeyboardEvent } from "react";
import { useT } from "../../i18n/index.js";
import { DownloadLink, Thumbnail } from "./AttachmentList.js";
import { attachmentMessages } from "./messages.js";
import type { Attachment } from "./uploads.js";

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
      aria-label={t("lightbox")}
      data-testid="lightbox"
      onKeyDown={keys}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="lightbox-bar">
        <span className="file-name">{image.filename}</span>
        {images.length > 1 && <span className="muted">{t("counter", { index: index + 1, total: images.length })}</span>}
        <DownloadLink attachment={image} />
        <button type="button" className="icon" onClick={onClose} aria-label={t("close")} data-testid="lightbox-close">
          ✕
        </button>
      </div>
      <div className="lightbox-stage">
        {images.length > 1 && (
          <button type="button" className="icon lightbox-nav" onClick={() => step(-1)} aria-label={t("previous")} data-testid="lightbox-previous">
            ‹
          </button>
        )}
        <Thumbnail key={image.id} attachment={image} full />
        {images.length > 1 && (
          <button type="button" className="icon lightbox-nav" onClick={() => step(1)} aria-label={t("next")} data-testid="lightbox-next">
            ›
          </button>
        )}
      </div>
    </dialog>
  );
}
