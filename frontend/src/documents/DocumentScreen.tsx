import { lazy, Suspense, useId, useReducer, useRef, useState } from "react";
import { useT } from "../i18n/index.js";
import { formatDateTime, formatSize } from "../i18n/format.js";
import { useApp } from "../app/store.js";
import { errorMessage } from "../ui/errors.js";
import { RoutePanel } from "../approvals/RoutePanel.js";
import { documentsApi, hasRole, seenFolders, type Comment, type DocumentItem, type Version } from "./api.js";
import { downloadPdf, downloadVersion, hasPdf } from "./files.js";
import { useDocUploads, useDocumentChanges, useLoad } from "./hooks.js";
import { AppLink, StatusBadge, UploadList, useRoleText } from "./parts.js";
import { ShareDialog } from "./ShareDialog.js";
import { PreviewPanel } from "./PreviewPanel.js";
import { crumbName } from "./DocumentsScreen.js";
import { documentsMessages } from "./messages.js";
import "./documents.css";

// TipTap, ProseMirror and Yjs are loaded with the first rich-text document, not with the app.
const CoEditor = lazy(() => import("./Editor.js").then((module) => ({ default: module.CoEditor })));

/** `/documents/<id>`: the document — preview or co-editor, versions, sharing, approval, comments. */
export function DocumentScreen({ id }: { id: string }) {
  const t = useT(documentsMessages);
  const roleText = useRoleText();
  const changes = useDocumentChanges(`doc:${id}`);
  const doc = useLoad(() => documentsApi.document(id), [id, changes]);
  const meId = useApp((s) => s.me?.id ?? null);
  // The folder for the breadcrumbs: seen already, or asked for when the reader made the
  // document (so it is theirs to see); a shared document's folder is not asked for.
  const folderId = doc.data?.folder_id ?? null;
  const mayAsk = !!doc.data && doc.data.created_by?.id === meId;
  const folder = useLoad(
    () => (folderId === null ? Promise.resolve(null) : seenFolders.has(folderId) ? Promise.resolve(seenFolders.get(folderId)!) : mayAsk ? documentsApi.folder(folderId) : Promise.resolve(null)),
    [folderId, mayAsk],
  );
  const [sharing, setSharing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Comments send no events: a comment written in one panel reloads the other's.
  const [commented, onCommented] = useReducer((n: number) => n + 1, 0);

  if (!doc.data) {
    return (
      <div className="page documents-page" data-testid="document-screen">
        {doc.error ? <p className="error" role="alert" data-testid="document-error">{doc.error}</p> : <p role="status">{t("loading")}</p>}
      </div>
    );
  }
  const d = doc.data;
  const current = d.current_version;
  return (
    <div className="page documents-page document-page" data-testid="document-screen" data-kind={d.kind}>
      <nav aria-label={t("breadcrumbs")} className="doc-breadcrumbs">
        <ol>
          <li>
            <AppLink to={{ name: "documents" }} href="/documents">
              {t("title")}
            </AppLink>
          </li>
          {(folder.data?.path ?? []).map((p, index) => (
            <li key={p.id}>
              <AppLink to={{ name: "folder", id: p.id }} href={`/documents/f/${p.id}`}>
                {folder.data ? crumbName(p, index, folder.data, t) : p.name}
              </AppLink>
            </li>
          ))}
        </ol>
      </nav>
      <header className="page-header">
        <h1 data-testid="document-name">{d.name}</h1>
        <StatusBadge status={d.status} number={d.registration_number} />
        <span className="muted" data-testid="document-role">
          {t("yourRole", { role: roleText(d.role) })}
        </span>
        <div className="page-actions">
          {current && (
            <button type="button" className="secondary" onClick={() => void downloadVersion(d.id, current).catch((e: unknown) => setError(errorMessage(e)))} data-testid="document-download">
              {t("download")}
            </button>
          )}
          {current && d.kind === "file" && hasPdf(current) && (
            <button type="button" className="secondary" onClick={() => void downloadPdf(d.id, current).catch((e: unknown) => setError(errorMessage(e)))} data-testid="document-pdf">
              {t("downloadPdf")}
            </button>
          )}
          {hasRole(d.role, "owner") && (
            <button type="button" className="secondary" onClick={() => setSharing(true)} data-testid="share-button">
              {t("share")}
            </button>
          )}
        </div>
      </header>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="document-layout">
        <div className="document-main">
          {d.kind === "rich_text" ? (
            <>
              <Suspense fallback={<p role="status">{t("loading")}</p>}>
                <CoEditor documentId={d.id} editable={hasRole(d.role, "editor")} />
              </Suspense>
              <SnapshotsPanel document={d} />
            </>
          ) : (
            <PreviewPanel document={d} version={current} changes={changes} />
          )}
          <CommentsPanel document={d} changes={changes} commented={commented} onCommented={onCommented} />
        </div>
        <aside className="document-side">
          <VersionsPanel document={d} changes={changes} onChanged={doc.reload} commented={commented} onCommented={onCommented} />
          <RoutePanel document={d} onChanged={doc.reload} />
        </aside>
      </div>
      {sharing && <ShareDialog document={d} onClose={() => setSharing(false)} />}
    </div>
  );
}

/** The versions, newest first: download, restore (a new version), and a new upload for
 * editors of a file (naming the current version: someone else's upload since is a 412). */
function VersionsPanel({ document: d, changes, onChanged, commented, onCommented }: { document: DocumentItem; changes: number; onChanged: () => void; commented: number; onCommented: () => void }) {
  const t = useT(documentsMessages);
  const versions = useLoad(() => documentsApi.versions(d.id), [d.id, changes]);
  const comments = useLoad(() => documentsApi.comments(d.id), [d.id, changes, commented]);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const uploads = useDocUploads(() => {
    versions.reload();
    onChanged();
  });
  const canEdit = hasRole(d.role, "editor");
  const list = [...(versions.data?.results ?? [])].sort((a, b) => b.number - a.number);
  const byId = new Map(list.map((v) => [v.id, v]));

  async function restore(version: Version) {
    if (!window.confirm(t("restoreConfirm", { number: version.number }))) return;
    setError(null);
    try {
      await documentsApi.restore(d.id, version.id);
      versions.reload();
      onChanged();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <section className="doc-versions" aria-labelledby="versions-title" data-testid="versions">
      <div className="section-head">
        <h2 id="versions-title">{t("versionsTitle")}</h2>
        {canEdit && d.kind === "file" && (
          <>
            <button type="button" className="secondary small" onClick={() => input.current?.click()} data-testid="upload-version">
              {t("uploadNewVersion")}
            </button>
            <input
              ref={input}
              type="file"
              hidden
              aria-label={t("uploadNewVersion")}
              data-testid="version-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = "";
                if (file) uploads.add([file], { documentId: d.id, baseVersionId: d.current_version?.id ?? null });
              }}
            />
          </>
        )}
      </div>
      <UploadList uploads={uploads.uploads} cancel={uploads.cancel} remove={uploads.remove} />
      {error && <p className="error" role="alert" data-testid="versions-error">{error}</p>}
      {versions.data && list.length === 0 && <p className="empty-note">{t("versionsEmpty")}</p>}
      <ol className="version-list" data-testid="version-list">
        {list.map((v) => {
          const isCurrent = v.id === d.current_version?.id;
          const from = v.restored_from_id ? byId.get(v.restored_from_id) : undefined;
          return (
            <li key={v.id} className={isCurrent ? "version current" : "version"} data-testid="version" data-number={v.number} data-current={isCurrent ? "true" : "false"}>
              <div>
                <strong>{t("versionNumber", { number: v.number })}</strong>
                {isCurrent && <span className="chip-label">{t("current")}</span>}
                <div className="muted small-print">
                  {t("by", { name: v.author?.name ?? "—", time: formatDateTime(v.created_at) })} · {formatSize(v.size)}
                  {v.source === "restore" && from && <> · {t("restored", { number: from.number })}</>}
                  {v.source === "export" && <> · {t("exported")}</>}
                </div>
              </div>
              <div className="version-actions">
                <button type="button" className="link" aria-label={t("downloadVersion", { number: v.number })} onClick={() => void downloadVersion(d.id, v).catch((e: unknown) => setError(errorMessage(e)))}>
                  {t("download")}
                </button>
                {canEdit && !isCurrent && d.kind === "file" && (
                  <button type="button" className="link" aria-label={t("restoreVersion", { number: v.number })} onClick={() => void restore(v)} data-testid="version-restore">
                    {t("restore")}
                  </button>
                )}
              </div>
              <VersionComments document={d} version={v} comments={comments.data?.results ?? []} onSent={onCommented} />
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** The comments on one version (an older one too), folded under it; commenters and up add. */
function VersionComments({ document: d, version: v, comments, onSent }: { document: DocumentItem; version: Version; comments: readonly Comment[]; onSent: () => void }) {
  const t = useT(documentsMessages);
  const [open, setOpen] = useState(false);
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const list = comments.filter((c) => c.version_id === v.id);

  async function send() {
    if (!body.trim()) return;
    setError(null);
    try {
      await documentsApi.comment(d.id, body.trim(), v.id);
      setBody("");
      onSent();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <details className="version-comments" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="version-comments">
      <summary aria-label={t("versionComments", { number: v.number })}>{t("versionCommentsCount", { count: list.length })}</summary>
      <ul className="comment-list">
        {list.map((c) => (
          <li key={c.id} data-testid="version-comment">
            <strong>{c.author?.name ?? "—"}</strong> <time className="muted" dateTime={c.created_at}>{formatDateTime(c.created_at)}</time>
            <p className="comment-body">{c.body}</p>
          </li>
        ))}
      </ul>
      {hasRole(d.role, "commenter") && (
        <form
          className="comment-form"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <label htmlFor={id}>
            {t("versionCommentLabel", { number: v.number })}
            <textarea id={id} rows={2} value={body} maxLength={10_000} onChange={(e) => setBody(e.target.value)} data-testid="version-comment-input" />
          </label>
          {error && <p className="error" role="alert">{error}</p>}
          <button type="submit" className="secondary small" disabled={!body.trim()} data-testid="version-comment-send">
            {t("commentSend")}
          </button>
        </form>
      )}
    </details>
  );
}

/** Comments on the document (or on its current version); commenters and up write. */
function CommentsPanel({ document: d, changes, commented, onCommented }: { document: DocumentItem; changes: number; commented: number; onCommented: () => void }) {
  const t = useT(documentsMessages);
  const me = useApp((s) => s.me?.id ?? null);
  const comments = useLoad(() => documentsApi.comments(d.id), [d.id, changes, commented]);
  const versions = useLoad(() => documentsApi.versions(d.id), [d.id, changes]);
  const [body, setBody] = useState("");
  const [onVersion, setOnVersion] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const numbers = new Map((versions.data?.results ?? []).map((v) => [v.id, v.number]));

  async function send() {
    if (!body.trim()) return;
    setError(null);
    try {
      await documentsApi.comment(d.id, body.trim(), onVersion ? (d.current_version?.id ?? null) : null);
      setBody("");
      onCommented();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function remove(commentId: string) {
    setError(null);
    try {
      await documentsApi.deleteComment(d.id, commentId);
      onCommented();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const list = comments.data?.results ?? [];
  return (
    <section className="doc-comments" aria-labelledby="comments-title" data-testid="comments">
      <h2 id="comments-title">{t("commentsTitle")}</h2>
      {comments.error && <p className="error" role="alert">{comments.error}</p>}
      {comments.data && list.length === 0 && <p className="empty-note">{t("commentsEmpty")}</p>}
      <ul className="comment-list">
        {list.map((c) => (
          <li key={c.id} data-testid="comment">
            <div className="comment-head">
              <strong>{c.author?.name ?? "—"}</strong> <time className="muted" dateTime={c.created_at}>{formatDateTime(c.created_at)}</time>
              {c.version_id && numbers.has(c.version_id) && <span className="chip-label">{t("commentToVersion", { number: numbers.get(c.version_id)! })}</span>}
              {(c.author?.id === me || hasRole(d.role, "owner")) && (
                <button type="button" className="icon" aria-label={t("commentDelete")} title={t("commentDelete")} onClick={() => void remove(c.id)}>
                  ✕
                </button>
              )}
            </div>
            <p className="comment-body">{c.body}</p>
          </li>
        ))}
      </ul>
      {hasRole(d.role, "commenter") && (
        <form
          className="comment-form"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <label htmlFor={id}>
            {t("commentLabel")}
            <textarea id={id} rows={2} value={body} maxLength={10_000} onChange={(e) => setBody(e.target.value)} data-testid="comment-input" />
          </label>
          {d.current_version && (
            <label className="checkbox">
              <input type="checkbox" checked={onVersion} onChange={(e) => setOnVersion(e.target.checked)} />
              {t("commentToVersion", { number: d.current_version.number })}
            </label>
          )}
          {error && <p className="error" role="alert">{error}</p>}
          <div className="row">
            <button type="submit" className="primary" disabled={!body.trim()} data-testid="comment-send">
              {t("commentSend")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** Named versions of a rich-text document (create, list, restore) and the export buttons. */
function SnapshotsPanel({ document: d }: { document: DocumentItem }) {
  const t = useT(documentsMessages);
  const changes = useDocumentChanges(`doc:${d.id}`);
  const snapshots = useLoad(() => documentsApi.snapshots(d.id), [d.id, changes]);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const canEdit = hasRole(d.role, "editor");

  async function act(action: () => Promise<void>) {
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      await action();
      snapshots.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const list = snapshots.data?.results ?? [];
  return (
    <section className="doc-snapshots" aria-labelledby="snapshots-title" data-testid="snapshots">
      <h2 id="snapshots-title">{t("snapshotsTitle")}</h2>
      {snapshots.error && <p className="error" role="alert">{snapshots.error}</p>}
      {snapshots.data && list.length === 0 && <p className="empty-note">{t("snapshotsEmpty")}</p>}
      <ul className="snapshot-list">
        {list.map((s) => (
          <li key={s.id} data-testid="snapshot">
            <strong>{s.name}</strong> <span className="muted">{t("by", { name: s.author?.name ?? "—", time: formatDateTime(s.created_at) })}</span>
            {canEdit && (
              <button
                type="button"
                className="link"
                disabled={busy}
                aria-label={`${t("restore")}: ${s.name}`}
                title={t("snapshotRestore", { name: s.name })}
                data-testid="snapshot-restore"
                onClick={() => window.confirm(t("snapshotRestoreConfirm", { name: s.name })) && void act(async () => void (await documentsApi.restoreSnapshot(d.id, s.id)))}
              >
                {t("restore")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {canEdit && (
        <>
          <form
            className="snapshot-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim())
                void act(async () => {
                  await documentsApi.snapshot(d.id, name.trim());
                  setName("");
                });
            }}
          >
            <label htmlFor={id}>
              {t("snapshotName")}
              <input id={id} type="text" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="snapshot-name" />
            </label>
            <button type="submit" className="secondary" disabled={busy || !name.trim()} data-testid="snapshot-create">
              {t("snapshotCreate")}
            </button>
          </form>
          <div className="export-buttons" role="group" aria-label={t("exportTitle")}>
            <span className="muted">{t("exportTitle")}:</span>
            {(["docx", "pdf", "md"] as const).map((format) => (
              <button
                key={format}
                type="button"
                className="secondary small"
                disabled={busy}
                data-testid={`export-${format}`}
                onClick={() =>
                  void act(async () => {
                    const version = await documentsApi.exportAs(d.id, format);
                    setNotice(t("exportDone", { number: version.number }));
                  })
                }
              >
                {format === "docx" ? t("exportDocx") : format === "pdf" ? t("exportPdf") : t("exportMd")}
              </button>
            ))}
          </div>
        </>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <p className="ok" role="status" data-testid="export-done">{notice}</p>}
      <EditHistory documentId={d.id} changes={changes} />
    </section>
  );
}

/** Who edited the text when (the server groups updates per author per few minutes). */
function EditHistory({ documentId, changes }: { documentId: string; changes: number }) {
  const t = useT(documentsMessages);
  const history = useLoad(() => documentsApi.history(documentId), [documentId, changes]);
  const list = history.data?.results ?? [];
  if (!list.length) return null;
  return (
    <details className="doc-history" data-testid="edit-history">
      <summary>{t("historyTitle")}</summary>
      <ul>
        {list.map((h) => (
          <li key={`${h.started_at}:${h.author?.id ?? ""}`}>
            <strong>{h.author?.name ?? "—"}</strong>{" "}
            <span className="muted">
              <time dateTime={h.started_at}>{formatDateTime(h.started_at)}</time> · {t("historyChanges", { count: h.updates })}
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}
