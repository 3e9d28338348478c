/** The tab's attachment files: signed links, thumbnails kept as Blob URLs, authenticated fetches. */
import { appStore } from "../../app/store.js";
import { FileFetchError, LinkCache, fetchAttachment, sameOriginUrl } from "./links.js";

interface Files {
  userId: string | null;
  links: LinkCache;
  /** attachment id → the Blob URL of its thumbnail (small; kept for the session). */
  thumbnails: Map<string, Promise<string>>;
}

let files: Files | null = null;

/** Per signed-in user: a link is good for the user it was made for only. */
function current(): Files {
  const userId = appStore().getState().me?.id ?? null;
  if (files?.userId !== userId) {
    for (const url of files?.thumbnails.values() ?? []) void url.then(URL.revokeObjectURL, () => undefined);
    files = {
      userId,
      thumbnails: new Map(),
      links: new LinkCache({
        now: () => Date.now(),
        fetchLink: async (id, thumbnail) => {
          const path = `/api/v1/attachments/${encodeURIComponent(id)}/link${thumbnail ? "?thumbnail=true" : ""}`;
          const { data } = await appStore().client.request<{ url: string }>("GET", path);
          const url = sameOriginUrl(data.url, window.location.origin);
          if (!url) throw new Error("a link outside this origin"); // never followed
          return url;
        },
      }),
    };
  }
  return files;
}

/** GET a signed link with the bearer token (one refresh on 401 token_expired). */
export async function fetchFile(url: string): Promise<Blob> {
  const client = appStore().client;
  let token = await client.accessToken();
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, credentials: "omit" });
    if (response.ok) return response.blob();
    if (response.status === 401 && attempt === 0) {
      token = await client.refreshAccessToken(token);
      continue;
    }
    throw new FileFetchError(response.status);
  }
}

/** The bytes of an attachment or its thumbnail. */
export function attachmentBlob(attachmentId: string, thumbnail = false): Promise<Blob> {
  return fetchAttachment(current().links, fetchFile, attachmentId, thumbnail);
}

/** A Blob URL of the thumbnail, fetched once per session. */
export function thumbnailUrl(attachmentId: string): Promise<string> {
  const { thumbnails } = current();
  let url = thumbnails.get(attachmentId);
  if (!url) {
    url = attachmentBlob(attachmentId, true).then((blob) => URL.createObjectURL(blob));
    url.catch(() => thumbnails.delete(attachmentId));
    thumbnails.set(attachmentId, url);
  }
  return url;
}

/** Save the original under its name, byte for byte (a Blob download, never a new page). */
export async function downloadAttachment(attachmentId: string, filename: string): Promise<void> {
  const blob = await attachmentBlob(attachmentId);
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = filename;
  anchor.style.display = "none";
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The browser has taken the Blob by then; free it later, not at once (Safari reads late).
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
