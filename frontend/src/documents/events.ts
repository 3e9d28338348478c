/**
 * What the documents' and approvals' events change in the app state (called from the one
 * dispatcher, app/events.ts). The screens load their data over REST and keep it locally;
 * an event only moves a counter per thing it concerns (`documentChanges`), and the open
 * screen that shows that thing loads it again. Counting is idempotent enough: an event seen
 * twice costs one extra reload, never a wrong screen.
 *
 * Keys: `doc:<document id>`, `folder:<folder id>`, `folders` (any open folder: the event
 * does not say which), `shared` (the "shared with me" list), `approvals` (the inbox and
 * its badge).
 */
import type { PortalEvent } from "../realtime/index.js";

type Fields = Record<string, unknown>;

export const DOCUMENT_EVENT_TYPES = ["document", "document_version", "document_share", "document_preview", "approval"] as const;

export function isDocumentEvent(event: PortalEvent): boolean {
  return (DOCUMENT_EVENT_TYPES as readonly string[]).includes(event.type);
}

function str(value: unknown): string | null {
  return typeof value === "string" && value ? value : null;
}

function nested(data: Fields, key: string): Fields {
  const value = data[key];
  return value && typeof value === "object" ? (value as Fields) : {};
}

/** The keys an event concerns (see the module's docstring). */
export function documentEventKeys(event: PortalEvent): string[] {
  const data = event as Fields;
  const document = nested(data, "document");
  const version = nested(data, "version");
  const route = nested(data, "route");
  const documentId = str(data["document_id"]) ?? str(document["id"]) ?? str(version["document_id"]) ?? str(route["document_id"]);
  const folderIds = [str(data["folder_id"]), str(document["folder_id"]), str(data["previous_folder_id"])].filter((id): id is string => id !== null);
  const keys = new Set<string>();
  if (documentId) keys.add(`doc:${documentId}`);
  for (const folderId of folderIds) keys.add(`folder:${folderId}`);
  switch (event.type) {
    case "document":
      // A document added, renamed or moved may be one shared with me.
      keys.add("shared");
      if (documentId && !folderIds.length) keys.add("folders"); // where it was is not said: reload open folders
      break;
    case "document_version":
      keys.add("folders"); // the open folder lists the current version's number
      break;
    case "document_share":
      keys.add("shared");
      break;
    case "approval":
      keys.add("approvals");
      break;
  }
  return [...keys];
}

/** Move the counters of every key the event concerns. */
export function countDocumentChange(changes: Readonly<Record<string, number>> | undefined, event: PortalEvent): Record<string, number> {
  const next = { ...changes };
  for (const key of documentEventKeys(event)) next[key] = (next[key] ?? 0) + 1;
  return next;
}
