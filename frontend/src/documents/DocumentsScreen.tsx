import { useRef, useState, type DragEvent } from "react";
import { useT } from "../i18n/index.js";
import { formatListTime, formatSize } from "../i18n/format.js";
import { navigate } from "../app/router.js";
import { useApp } from "../app/store.js";
import { conversationTitle } from "../features/sidebar/Sidebar.js";
import { errorMessage } from "../ui/errors.js";
import { documentsApi, hasRole, type DocumentItem, type Folder } from "./api.js";
import { useDocUploads, useDocumentChanges, useLoad } from "./hooks.js";
import { AppLink, NameDialog, StatusBadge, UploadList } from "./parts.js";
import { MoveDialog, type MoveItem } from "./MoveDialog.js";
import { documentsMessages, type DocumentsKey } from "./messages.js";
import type { Translate } from "../i18n/index.js";
import "./documents.css";

type T = Translate<DocumentsKey>;

/** A folder path's item as shown: the root by its owner ("Мои документы"), the rest by name. */
export function crumbName(item: { id: string; name: string }, index: number, folder: Folder, t: T): string {
  return index === 0 ? rootTitle(folder, t) : item.name;
}

export function rootTitle(folder: Pick<Folder, "owner">, t: T): string {
  if (folder.owner.kind === "user") return t("myDocuments");
  if (folder.owner.kind === "department") return t("departmentDocuments", { name: folder.owner.name });
  return t("conversationDocuments", { name: folder.owner.name });
}

/** `/documents`: the caller's roots (their own, their department's) and what is shared with them. */
export function DocumentsHome() {
  const t = useT(documentsMessages);
  const sharedChanges = useDocumentChanges("shared");
  const roots = useLoad(() => documentsApi.roots(), []);
  const shared = useLoad(() => documentsApi.shared(), [sharedChanges]);
  return (
    <div className="page documents-page" data-testid="documents-home">
      <header className="page-header">
        <h1>{t("title")}</h1>
      </header>
      {roots.error && <p className="error" role="alert">{roots.error}</p>}
      <ul className="doc-roots" data-testid="document-roots">
        {(roots.data?.results ?? []).map((folder) => (
          <li key={folder.id}>
            <AppLink to={{ name: "folder", id: folder.id }} href={`/documents/f/${folder.id}`} className="doc-root" testId="document-root">
              <span className="doc-icon folder" aria-hidden="true" />
              <span>{rootTitle(folder, t)}</span>
            </AppLink>
          </li>
        ))}
      </ul>
      <ChatFolders />
      <section aria-labelledby="shared-title">
        <h2 id="shared-title">{t("sharedWithMe")}</h2>
        {shared.error && <p className="error" role="alert">{shared.error}</p>}
        {shared.data && shared.data.results.length === 0 && <p className="empty-note">{t("sharedEmpty")}</p>}
        {shared.data && shared.data.results.length > 0 && <DocumentTable documents={shared.data.results} testId="shared-documents" />}
      </section>
    </div>
  );
}

/** The files of the caller's chats: each chat's folder (`GET conversations/{id}/folder`,
 * made on first use), opened from a list of the chats. */
function ChatFolders() {
  const t = useT(documentsMessages);
  const conversations = useApp((s) => s.conversations);
  const users = useApp((s) => s.users);
  const [error, setError] = useState<string | null>(null);
  const list = Object.values(conversations)
    .map((c) => ({ id: c.id, name: conversationTitle(c, users) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (!list.length) return null;
  async function open(conversationId: string) {
    setError(null);
    try {
      const folder = await documentsApi.conversationFolder(conversationId);
      navigate({ name: "folder", id: folder.id });
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  return (
    <details className="doc-chat-folders" data-testid="chat-folders">
      <summary>{t("chatFiles")}</summary>
      {error && <p className="error" role="alert">{error}</p>}
      <ul>
        {list.map((c) => (
          <li key={c.id}>
            <button type="button" className="link" onClick={() => void open(c.id)} data-testid="chat-folder">
              {c.name}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** A table of documents: name (a link), kind, version, status, last change. */
function DocumentTable({ documents, testId, actions }: { documents: readonly DocumentItem[]; testId: string; actions?: (d: DocumentItem) => React.ReactNode }) {
  const t = useT(documentsMessages);
  return (
    <table className="doc-table" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t("colName")}</th>
          <th scope="col">{t("colVersion")}</th>
          <th scope="col">{t("colStatus")}</th>
          <th scope="col">{t("colUpdated")}</th>
          {actions && <th scope="col"><span className="visually-hidden">{t("rename")}</span></th>}
        </tr>
      </thead>
      <tbody>
        {documents.map((d) => (
          <tr key={d.id} data-testid="document-row" data-id={d.id}>
            <td className="doc-name-cell">
              <span className={`doc-icon ${d.kind === "rich_text" ? "text" : "file"}`} aria-hidden="true" />
              <AppLink to={{ name: "document", id: d.id }} href={`/documents/${d.id}`} testId="document-link">
                {d.name}
              </AppLink>
              <span className="visually-hidden"> ({d.kind === "rich_text" ? t("kindRichText") : t("kindFile")})</span>
            </td>
            <td>
              {d.current_version ? (
                <>
                  {t("versionShort", { number: d.current_version.number })} <span className="muted">· {formatSize(d.current_version.size)}</span>
                </>
              ) : (
                <span className="muted">{d.kind === "rich_text" ? "—" : t("noVersion")}</span>
              )}
            </td>
            <td>
              <StatusBadge status={d.status} number={d.registration_number} />
            </td>
            <td>
              <time dateTime={d.updated_at}>{formatListTime(d.updated_at)}</time>
            </td>
            {actions && (
              <td>
                <span className="doc-row-actions">{actions(d)}</span>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Dialog = { kind: "folder" } | { kind: "text" } | { kind: "renameFolder"; folder: Folder } | { kind: "renameDocument"; document: DocumentItem } | { kind: "move"; item: MoveItem } | null;

/** `/documents/f/<id>`: a folder's subfolders and documents; create, rename, delete, upload. */
export function FolderScreen({ id }: { id: string }) {
  const t = useT(documentsMessages);
  const changes = useDocumentChanges(`folder:${id}`, "folders");
  const folder = useLoad(() => documentsApi.folder(id), [id]);
  const contents = useLoad(() => documentsApi.contents(id), [id, changes]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const uploads = useDocUploads(() => contents.reload());
  const role = folder.data?.role ?? null;
  const canEdit = hasRole(role, "editor");

  async function act(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      contents.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    if (canEdit && e.dataTransfer.files.length) uploads.add([...e.dataTransfer.files], { folderId: id });
  }

  const path = folder.data?.path ?? [];
  return (
    <div
      className={dragging ? "page documents-page dragging" : "page documents-page"}
      data-testid="folder-screen"
      onDragOver={(e) => {
        if (!canEdit) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <nav aria-label={t("breadcrumbs")} className="doc-breadcrumbs">
        <ol>
          <li>
            <AppLink to={{ name: "documents" }} href="/documents">
              {t("title")}
            </AppLink>
          </li>
          {path.slice(0, -1).map((p, index) => (
            <li key={p.id}>
              <AppLink to={{ name: "folder", id: p.id }} href={`/documents/f/${p.id}`}>
                {folder.data ? crumbName(p, index, folder.data, t) : p.name}
              </AppLink>
            </li>
          ))}
        </ol>
      </nav>
      <header className="page-header">
        <h1 data-testid="folder-name">{folder.data ? (folder.data.parent_id === null ? rootTitle(folder.data, t) : folder.data.name) : t("loading")}</h1>
        {canEdit && (
          <div className="page-actions">
            <button type="button" className="secondary" onClick={() => setDialog({ kind: "folder" })} data-testid="new-folder">
              {t("newFolder")}
            </button>
            <button type="button" className="secondary" onClick={() => setDialog({ kind: "text" })} data-testid="new-text-document">
              {t("newDocument")}
            </button>
            <button type="button" className="primary" onClick={() => input.current?.click()} data-testid="upload-button">
              {t("upload")}
            </button>
            <input
              ref={input}
              type="file"
              multiple
              hidden
              aria-label={t("upload")}
              data-testid="upload-input"
              onChange={(e) => {
                const files = [...(e.target.files ?? [])];
                e.target.value = "";
                if (files.length) uploads.add(files, { folderId: id });
              }}
            />
          </div>
        )}
      </header>
      {(folder.error || contents.error) && <p className="error" role="alert">{folder.error ?? contents.error}</p>}
      {error && <p className="error" role="alert" data-testid="folder-error">{error}</p>}
      <UploadList uploads={uploads.uploads} cancel={uploads.cancel} remove={uploads.remove} />
      {contents.data && (
        <>
          {contents.data.folders.length > 0 && (
            <section aria-labelledby="subfolders-title">
              <h2 id="subfolders-title" className="visually-hidden">{t("folders")}</h2>
              <ul className="doc-folders" data-testid="subfolders">
                {contents.data.folders.map((f) => (
                  <li key={f.id} className="doc-folder" data-testid="subfolder">
                    <AppLink to={{ name: "folder", id: f.id }} href={`/documents/f/${f.id}`} testId="subfolder-link">
                      <span className="doc-icon folder" aria-hidden="true" />
                      {f.name}
                    </AppLink>
                    {canEdit && (
                      <span className="doc-row-actions">
                        <button type="button" className="link" onClick={() => setDialog({ kind: "renameFolder", folder: f })} aria-label={t("renameTitle", { name: f.name })}>
                          {t("rename")}
                        </button>
                        <button type="button" className="link" onClick={() => setDialog({ kind: "move", item: { kind: "folder", id: f.id, name: f.name, folderId: id } })} aria-label={t("moveTitle", { name: f.name })} data-testid="folder-move">
                          {t("move")}
                        </button>
                        <button
                          type="button"
                          className="link danger-link"
                          aria-label={`${t("delete")}: ${f.name}`}
                          onClick={() => window.confirm(t("deleteFolderConfirm", { name: f.name })) && void act(() => documentsApi.deleteFolder(f.id))}
                        >
                          {t("delete")}
                        </button>
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {contents.data.documents.results.length > 0 && (
            <DocumentTable
              documents={contents.data.documents.results}
              testId="folder-documents"
              actions={
                canEdit
                  ? (d) => (
                      <>
                        <button type="button" className="link" onClick={() => setDialog({ kind: "renameDocument", document: d })} aria-label={t("renameTitle", { name: d.name })}>
                          {t("rename")}
                        </button>
                        {hasRole(d.role, "owner") && (
                          <button type="button" className="link" onClick={() => setDialog({ kind: "move", item: { kind: "document", id: d.id, name: d.name, folderId: id } })} aria-label={t("moveTitle", { name: d.name })} data-testid="document-move">
                            {t("move")}
                          </button>
                        )}
                        <button
                          type="button"
                          className="link danger-link"
                          aria-label={`${t("delete")}: ${d.name}`}
                          onClick={() => window.confirm(t("deleteDocumentConfirm", { name: d.name })) && void act(() => documentsApi.deleteDocument(d.id))}
                        >
                          {t("delete")}
                        </button>
                      </>
                    )
                  : undefined
              }
            />
          )}
          {contents.data.folders.length === 0 && contents.data.documents.results.length === 0 && (
            <p className="empty-note" data-testid="folder-empty">
              {t("folderEmpty")} {canEdit && t("dropHere")}
            </p>
          )}
        </>
      )}
      {dialog?.kind === "folder" && (
        <NameDialog title={t("newFolder")} label={t("newFolderName")} submit={t("create")} onClose={() => setDialog(null)} onSubmit={async (name) => void (await documentsApi.createFolder(id, name), contents.reload())} />
      )}
      {dialog?.kind === "text" && (
        <NameDialog
          title={t("newDocument")}
          label={t("newDocumentName")}
          submit={t("create")}
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            const created = await documentsApi.createRichText(id, name);
            navigate({ name: "document", id: created.id });
          }}
        />
      )}
      {dialog?.kind === "renameFolder" && (
        <NameDialog title={t("renameTitle", { name: dialog.folder.name })} label={t("newName")} initial={dialog.folder.name} submit={t("save")} onClose={() => setDialog(null)} onSubmit={async (name) => void (await documentsApi.renameFolder(dialog.folder.id, name), contents.reload())} />
      )}
      {dialog?.kind === "move" && <MoveDialog item={dialog.item} onClose={() => setDialog(null)} onMoved={() => contents.reload()} />}
      {dialog?.kind === "renameDocument" && (
        <NameDialog title={t("renameTitle", { name: dialog.document.name })} label={t("newName")} initial={dialog.document.name} submit={t("save")} onClose={() => setDialog(null)} onSubmit={async (name) => void (await documentsApi.renameDocument(dialog.document.id, name), contents.reload())} />
      )}
    </div>
  );
}

