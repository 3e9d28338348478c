/**
 * The bytes of document versions and previews. Like attachments (features/attachments), a
 * signed Portal link is used signed in as its user: fetched with the bearer token and shown
 * or saved from a Blob; links outside this origin are never followed. A link is asked for
 * right before it is used (it lives 60 s and is checked again on use: a revoked share stops
 * it at once).
 */
import { fetchFile } from "../features/attachments/files.js";
import { sameOriginUrl } from "../features/attachments/links.js";
import { documentsApi, type Version } from "./api.js";

function sameOrigin(url: string): string {
  const checked = sameOriginUrl(url, window.location.origin);
  if (!checked) throw new Error("a link outside this origin"); // never followed
  return checked;
}

/** A Blob of what a signed link serves (a preview page, a thumbnail). */
export async function signedBlob(url: string): Promise<Blob> {
  return fetchFile(sameOrigin(url));
}

/** Office files and PDFs have a PDF rendering (`GET …/pdf`). */
export function hasPdf(version: Version): boolean {
  return version.content_type === "application/pdf" || /officedocument|opendocument|msword|ms-excel|ms-powerpoint/.test(version.content_type);
}

/** Save a version under its file name, byte for byte. */
export async function downloadVersion(documentId: string, version: Version): Promise<void> {
  const { url } = await documentsApi.versionLink(documentId, version.id);
  save(await fetchFile(sameOrigin(url)), version.filename);
}

/** Save a version as PDF (with the viewer's watermark when the agency turned it on). */
export async function downloadPdf(documentId: string, version: Version): Promise<void> {
  const { url } = await documentsApi.versionPdf(documentId, version.id);
  save(await fetchFile(sameOrigin(url)), `${version.filename.replace(/\.[^.]+$/, "")}.pdf`);
}

function save(blob: Blob, filename: string): void {
  const objectUrl = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = objectUrl;
  anchor.download = filename;
  anchor.style.display = "none";
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
}
