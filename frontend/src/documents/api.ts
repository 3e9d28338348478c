/**
 * The documents API as the screens use it (docs/api.md, "Documents"): folders, documents,
 * versions, shares, comments, co-editing tickets and snapshots, previews. Every request
 * goes through the app's one PortalClient (bearer token, language, error envelope).
 */
import { appStore } from "../app/store.js";
import type { Page } from "../app/model.js";
import type { Schemas } from "../api/index.js";

/** Each role includes the ones before it. */
export type Role = Schemas["DocumentRoleEnum"];
export const ROLES: readonly Role[] = ["viewer", "commenter", "editor", "owner"];
export type DocumentKind = Schemas["DocumentKindEnum"];
export type DocumentStatus = Schemas["DocumentStatusEnum"];
export type OwnerKind = Schemas["Owner"]["kind"];
export type Folder = Schemas["Folder"];
export type Version = Schemas["Version"];
/** A document as its reader sees it (`GET documents/{id}`, with the caller's `role`). */
export type DocumentItem = Schemas["Document"];
export type FolderContents = Schemas["FolderContents"];
export type Share = Schemas["Share"];
export type Comment = Schemas["Comment"];

export interface Snapshot {
  id: string;
  name: string;
  author: { id: string; name: string } | null;
  created_at: string;
}

/** Who edited a rich-text document when (updates grouped per author per few minutes). */
export interface HistoryEntry {
  author: { id: string; name: string } | null;
  started_at: string;
  ended_at: string;
  updates: number;
}

export interface Preview {
  status: "pending" | "ready" | "failed" | "unsupported" | "unavailable";
  reason_code: string;
  reason: string;
  /** It failed for a passing reason: `previewRetry` makes it again. */
  retryable: boolean;
  page_count: number | null;
  thumbnail_url: string | null;
  pages: { number: number; url: string }[];
}

export interface EditTicket {
  ticket: string;
  expires_at: string;
  url?: string;
}

/** Whether `role` includes `needed` (each role includes the ones before it). */
export function hasRole(role: Role | null | undefined, needed: Role): boolean {
  if (!role) return false;
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const enc = encodeURIComponent;

/** Folders this tab has seen (a folder screen, its subfolders): the document screen's
 * breadcrumbs come from here without asking for a folder the reader may not see (a
 * document shared with them lives in someone else's folder: that would be a 404). */
export const seenFolders = new Map<string, Folder>();

export function rememberFolders(folders: readonly Folder[]): void {
  for (const folder of folders) seenFolders.set(folder.id, folder);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await appStore().client.request<T>(method, `/api/v1/${path}`, body)).data;
}

export const documentsApi = {
  roots: async () => {
    const roots = await call<{ results: Folder[] }>("GET", "documents/roots");
    rememberFolders(roots.results);
    return roots;
  },
  shared: (cursor: string | null = null) => call<Page<DocumentItem>>("GET", `documents/shared${cursor ? `?cursor=${enc(cursor)}` : ""}`),
  conversationFolder: (conversationId: string) => call<Folder>("GET", `conversations/${enc(conversationId)}/folder`),
  folder: async (id: string) => {
    const folder = await call<Folder>("GET", `folders/${enc(id)}`);
    rememberFolders([folder]);
    return folder;
  },
  contents: async (id: string, cursor: string | null = null) => {
    const contents = await call<FolderContents>("GET", `folders/${enc(id)}/contents${cursor ? `?cursor=${enc(cursor)}` : ""}`);
    rememberFolders(contents.folders);
    return contents;
  },
  createFolder: (parentId: string, name: string) => call<Folder>("POST", "folders", { parent_id: parentId, name }),
  renameFolder: (id: string, name: string) => call<Folder>("PATCH", `folders/${enc(id)}`, { name }),
  moveFolder: (id: string, parentId: string) => call<Folder>("PATCH", `folders/${enc(id)}`, { parent_id: parentId }),
  moveDocument: (id: string, folderId: string) => call<DocumentItem>("PATCH", `documents/${enc(id)}`, { folder_id: folderId }),
  deleteFolder: (id: string) => call<null>("DELETE", `folders/${enc(id)}`),
  createRichText: (folderId: string, name: string) => call<DocumentItem>("POST", `folders/${enc(folderId)}/documents`, { kind: "rich_text", name }),
  document: (id: string) => call<DocumentItem>("GET", `documents/${enc(id)}`),
  renameDocument: (id: string, name: string) => call<DocumentItem>("PATCH", `documents/${enc(id)}`, { name }),
  deleteDocument: (id: string) => call<null>("DELETE", `documents/${enc(id)}`),
  versions: (id: string) => call<Page<Version>>("GET", `documents/${enc(id)}/versions?limit=100`),
  restore: (id: string, versionId: string) => call<Version>("POST", `documents/${enc(id)}/versions/${enc(versionId)}/restore`),
  versionLink: (id: string, versionId: string) => call<{ url: string; expires_at: string }>("GET", `documents/${enc(id)}/versions/${enc(versionId)}/link`),
  /** The version as PDF (itself, or LibreOffice's conversion), watermarked when the agency says so. */
  versionPdf: (id: string, versionId: string) => call<{ url: string }>("GET", `documents/${enc(id)}/versions/${enc(versionId)}/pdf`),
  preview: (id: string, versionId: string) => call<Preview>("GET", `documents/${enc(id)}/versions/${enc(versionId)}/preview`),
  previewRetry: (id: string, versionId: string) => call<Preview>("POST", `documents/${enc(id)}/versions/${enc(versionId)}/preview/retry`),
  shares: (id: string) => call<Page<Share>>("GET", `documents/${enc(id)}/shares?limit=100`),
  share: (id: string, grantee: { kind: OwnerKind; id: string }, role: Role) => call<Share>("POST", `documents/${enc(id)}/shares`, { grantee, role }),
  changeShare: (id: string, shareId: string, role: Role) => call<Share>("PATCH", `documents/${enc(id)}/shares/${enc(shareId)}`, { role }),
  revoke: (id: string, shareId: string) => call<null>("DELETE", `documents/${enc(id)}/shares/${enc(shareId)}`),
  comments: (id: string) => call<Page<Comment>>("GET", `documents/${enc(id)}/comments?limit=100`),
  comment: (id: string, body: string, versionId: string | null) =>
    call<Comment>("POST", `documents/${enc(id)}/comments`, versionId ? { body, version_id: versionId } : { body }),
  deleteComment: (id: string, commentId: string) => call<null>("DELETE", `documents/${enc(id)}/comments/${enc(commentId)}`),
  editTicket: (id: string) => call<EditTicket>("POST", `documents/${enc(id)}/edit-ticket`),
  snapshots: (id: string) => call<Page<Snapshot>>("GET", `documents/${enc(id)}/snapshots?limit=100`),
  snapshot: (id: string, name: string) => call<Snapshot>("POST", `documents/${enc(id)}/snapshots`, { name }),
  restoreSnapshot: (id: string, snapshotId: string) => call<unknown>("POST", `documents/${enc(id)}/snapshots/${enc(snapshotId)}/restore`),
  history: (id: string) => call<Page<HistoryEntry>>("GET", `documents/${enc(id)}/history?limit=20`),
  exportAs: (id: string, format: "docx" | "pdf" | "md") => call<Version>("POST", `documents/${enc(id)}/export`, { format }),
};
