import { useEffect, useState } from "react";
import { useT } from "../i18n/index.js";
import { errorMessage } from "../ui/errors.js";
import { documentsApi, type DocumentItem, type Version } from "./api.js";
import { signedBlob } from "./files.js";
import { useLoad } from "./hooks.js";
import { documentsMessages } from "./messages.js";

// A pending preview is asked for again this often (its event may have been missed), at most
// this many times: the event is what normally tells.
const PREVIEW_POLL_MS = 15_000;
const PREVIEW_POLLS = 40;

/** The current version's preview: its pages (PDF, office files) or image, or why there is
 * none — with a retry when it failed for a passing reason. */
export function PreviewPanel({ document: d, version, changes }: { document: DocumentItem; version: Version | null; changes: number }) {
  const t = useT(documentsMessages);
  const [tick, setTick] = useState(0);
  const [retryError, setRetryError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const preview = useLoad(() => (version ? documentsApi.preview(d.id, version.id) : Promise.resolve(null)), [d.id, version?.id, changes, tick]);
  const p = preview.data;
  const pending = p?.status === "pending";
  useEffect(() => {
    if (!pending || tick >= PREVIEW_POLLS) return;
    const timer = window.setTimeout(() => setTick((n) => n + 1), PREVIEW_POLL_MS);
    return () => window.clearTimeout(timer);
  }, [pending, tick]);

  async function retry() {
    if (!version) return;
    setBusy(true);
    setRetryError(null);
    try {
      await documentsApi.previewRetry(d.id, version.id);
      preview.reload();
    } catch (e) {
      setRetryError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="doc-preview" aria-label={t("tabPreview")} data-testid="document-preview" data-status={p?.status ?? "none"}>
      {!version && <p className="empty-note">{t("previewNone")}</p>}
      {preview.error && <p className="muted">{preview.error}</p>}
      {pending && <p role="status">{t("previewPending")}</p>}
      {p?.status === "failed" && (
        <p className="error" data-testid="preview-reason" data-reason={p.reason_code}>
          {t("previewFailed", { reason: p.reason })}
        </p>
      )}
      {p?.status === "unsupported" && <p className="muted">{t("previewUnsupported")}</p>}
      {p?.status === "unavailable" && (
        <p className="muted" data-testid="preview-reason" data-reason={p.reason_code}>
          {t("previewUnavailable", { reason: p.reason })}
        </p>
      )}
      {p?.retryable && (
        <button type="button" className="secondary small" disabled={busy} onClick={() => void retry()} data-testid="preview-retry">
          {t("previewRetry")}
        </button>
      )}
      {retryError && <p className="error" role="alert">{retryError}</p>}
      {p?.status === "ready" && (
        <ol className="preview-pages">
          {p.pages.map((page) => (
            <li key={page.number}>
              <SignedImage url={page.url} alt={t("previewPage", { number: page.number })} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function SignedImage({ url, alt }: { url: string; alt: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    let cancelled = false;
    signedBlob(url)
      .then((blob) => {
        if (cancelled) return;
        objectUrl = URL.createObjectURL(blob);
        setSrc(objectUrl);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url]);
  return src ? <img src={src} alt={alt} className="preview-page" data-testid="preview-page" /> : <div className="preview-placeholder" role="img" aria-label={alt} />;
}

