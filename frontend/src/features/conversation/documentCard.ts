/** What a `document_shared` system message (documents/services/shares.py) carries. */
import type { Message } from "../../app/model.js";

export interface DocumentCardData {
  id: string;
  name: string;
  version: number | null;
  status: string;
  href: string;
}

/** What a `document_shared` system message carries, or null for any other message (or a
 * malformed card: nothing is shown from data that is not what the server writes). */
export function documentCard(message: Message): DocumentCardData | null {
  const data = message.system ?? {};
  if (message.kind !== "system" || data["event"] !== "document_shared") return null;
  const id = data["document_id"];
  if (typeof id !== "string" || !/^[0-9a-fA-F-]{36}$/.test(id)) return null;
  const version = typeof data["version"] === "number" ? data["version"] : null;
  return {
    id,
    name: typeof data["name"] === "string" ? data["name"] : "",
    version,
    status: typeof data["status"] === "string" ? data["status"] : "",
    href: `/documents/${id}`,
  };
}
