import { useEffect, useRef, useState, type MouseEvent } from "react";
import { appStore } from "../../app/store.js";
import type { Message } from "../../app/model.js";
import { useT } from "../../i18n/index.js";
import { formatSize } from "../../i18n/format.js";
import { ApiError } from "../../realtime/index.js";
import { FileIcon } from "./FileIcon.js";
import { Lightbox } from "./Lightbox.js";
import { LinkCache, sameOriginUrl } from "./links.js";
import { attachmentMessages } from "./messages.js";
import type { Attachment } from "./uploads.js";
import "./attachments.css";

let cache: { userId: string | null; links: LinkCache } | null = null;

/** The tab's link cache, per signed-in user (a link is good for the user it was made for only). */
export function links(): LinkCache {
  const userId = appStore().getState().me?.id ?? null;
  if (cache?.userId !== userId) {
    cache = {
      userId,
      links: new LinkCache({
        now: () => Date.now(),
        fetchLink: async (id, thumbnail) => {
          const path = `/api/v1/attachments/${encodeURIComponent(id)}/link${thumbnail ? "?thumbnail=true" : ""}`;
          const { data } = await appStore().client.request<{ url: string }>("GET", path);
          const url = sameOriginUrl(data.url, window.location.origin);
          if (!url) throw new Error("a link outside this origin");
          return url;
        },
      }),
    };
  }
  return cache.links;
}

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
              <DownloadLink attachment={a} />
            </li>
          ))}
        </ul>
      )}
      {open !== null && images.length > 0 && <Lightbox images={images} index={Math.min(open, images.length - 1)} onIndex={setOpen} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** A thumbnail image; an expired or refused link is asked for again (once per failure). */
export function Thumbnail({ attachment, full = false }: { attachment: Attachment; full?: boolean }) {
  const t = useT(attachmentMessages);
  const [url, setUrl] = useState<string | null>(() => links().fresh(attachment.id, !full));
  const [failed, setFailed] = useState(false);
  const retried = useRef(false);
  useEffect(() => {
    let live = true;
    links()
      .get(attachment.id, !full)
      .then((u) => live && setUrl(u))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [attachment.id, full]);
  if (failed) return <span className="thumbnail-missing">{t("linkFailed")}</span>;
  if (!url) return <span className="thumbnail-placeholder" aria-label={t("loading")} />;
  return (
    <img
      className={full ? "lightbox-image" : "thumbnail"}
      src={url}
      alt={t("imageAlt", { name: attachment.filename })}
      onError={() => {
        if (retried.current) return setFailed(true);
        retried.current = true;
        links()
          .get(attachment.id, !full, { renew: true })
          .then(setUrl)
          .catch(() => setFailed(true));
      }}
    />
  );
}

/** A download of the original; a fresh signed link is fetched when the kept one is stale. */
export function DownloadLink({ attachment }: { attachment: Attachment }) {
  const t = useT(attachmentMessages);
  const [href, setHref] = useState<string | null>(() => links().fresh(attachment.id));
  const [error, setError] = useState<string | null>(null);
  const prefetch = () => {
    if (!links().fresh(attachment.id)) void links().get(attachment.id).then(setHref, () => undefined);
  };
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    const fresh = links().fresh(attachment.id);
    if (fresh && fresh === href) return; // the browser follows it
    event.preventDefault();
    const anchor = event.currentTarget;
    links()
      .get(attachment.id)
      .then((url) => {
        setError(null);
        setHref(url);
        anchor.href = url;
        anchor.click();
      })
      .catch((e: unknown) => setError(e instanceof ApiError && e.message ? e.message : t("linkFailed")));
  };
  return (
    <>
      <a
        className="download"
        href={href ?? "#"}
        download={attachment.filename}
        onClick={click}
        onPointerEnter={prefetch}
        onFocus={prefetch}
        aria-label={t("download", { name: attachment.filename })}
        data-testid="attachment-download"
      >
        ⭳
      </a>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
