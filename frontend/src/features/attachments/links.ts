/**
 * Download links of attachments: `GET /api/v1/attachments/{id}/link` answers a signed Portal
 * URL valid for a short while (DOWNLOAD_LINK_TTL, 60 s by default) for this viewer only.
 * Links are kept a little less than that and asked for again after; concurrent askers of the
 * same link share one request.
 */

export interface LinkSource {
  /** `GET /api/v1/attachments/{id}/link[?thumbnail=true]` → its `url`. */
  fetchLink(attachmentId: string, thumbnail: boolean): Promise<string>;
  now(): number;
}

/** How long a link is used after it was handed out (the server's TTL is 60 s). */
export const LINK_FRESH_MS = 45_000;

export class LinkCache {
  private readonly links = new Map<string, { url: string; at: number }>();
  private readonly requests = new Map<string, Promise<string>>();

  constructor(private readonly source: LinkSource) {}

  /** A link that is fresh now, if one is kept. */
  fresh(attachmentId: string, thumbnail = false): string | null {
    const kept = this.links.get(key(attachmentId, thumbnail));
    return kept && this.source.now() - kept.at < LINK_FRESH_MS ? kept.url : null;
  }

  /** A fresh link, asking the server when the kept one is stale (or `renew`: it failed). */
  get(attachmentId: string, thumbnail = false, { renew = false } = {}): Promise<string> {
    const k = key(attachmentId, thumbnail);
    if (!renew) {
      const kept = this.fresh(attachmentId, thumbnail);
      if (kept) return Promise.resolve(kept);
    }
    let request = this.requests.get(k);
    if (!request) {
      const at = this.source.now();
      request = this.source
        .fetchLink(attachmentId, thumbnail)
        .then((url) => {
          this.links.set(k, { url, at });
          return url;
        })
        .finally(() => this.requests.delete(k));
      this.requests.set(k, request);
    }
    return request;
  }

  /** Forget everything (signed out: the links belong to the previous viewer). */
  clear(): void {
    this.links.clear();
  }
}

function key(attachmentId: string, thumbnail: boolean): string {
  return thumbnail ? `${attachmentId}:thumbnail` : attachmentId;
}

/** Only links of this origin are followed: a download must never leave the deployment. */
export function sameOriginUrl(url: string, origin: string): string | null {
  try {
    const parsed = new URL(url, origin);
    return parsed.origin === origin ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A file request that failed: its HTTP status (404 also for an expired link). */
export class FileFetchError extends Error {
  constructor(readonly status: number) {
    super(`file request failed: ${status}`);
    this.name = "FileFetchError";
  }
}

/**
 * The bytes of an attachment (or its thumbnail). The signed link must be used signed in as
 * its user, which an `<img src>` or a plain link cannot do with a bearer token; so the bytes
 * are fetched with it (`fetchFile`) and shown from a Blob. A link that expired between being
 * handed out and used (404) is asked for again once.
 */
export async function fetchAttachment(
  links: LinkCache,
  fetchFile: (url: string) => Promise<Blob>,
  attachmentId: string,
  thumbnail = false,
): Promise<Blob> {
  const url = await links.get(attachmentId, thumbnail);
  try {
    return await fetchFile(url);
  } catch (error) {
    if (!(error instanceof FileFetchError) || error.status !== 404) throw error;
    return fetchFile(await links.get(attachmentId, thumbnail, { renew: true }));
  }
}
