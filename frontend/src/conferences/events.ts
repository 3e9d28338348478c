/**
 * What the conferences' events change in the app state (called from the one dispatcher,
 * app/events.ts), the way documents/events.ts does: an event moves a counter per thing it
 * concerns, and the open screen showing that thing loads it again over REST.
 *
 * Keys: `conferences` (the list: one added, changed, reminded), `conference:<id>` (that
 * meeting's room: its participants or the meeting itself changed).
 */
import type { PortalEvent } from "../realtime/index.js";

type Fields = Record<string, unknown>;

export const CONFERENCE_EVENT_TYPES = ["conference", "conference_participant", "conference_reminder"] as const;

export function isConferenceEvent(event: PortalEvent): boolean {
  return (CONFERENCE_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The keys an event concerns (see the module's docstring). */
export function conferenceEventKeys(event: PortalEvent): string[] {
  const data = event as Fields;
  const conference = data["conference"] as Fields | undefined;
  const id = typeof data["conference_id"] === "string" ? data["conference_id"] : typeof conference?.["id"] === "string" ? conference["id"] : null;
  const keys = id ? [`conference:${id}`] : [];
  if (event.type !== "conference_participant") keys.push("conferences");
  return keys;
}

export function countConferenceChange(changes: Readonly<Record<string, number>> | undefined, event: PortalEvent): Record<string, number> {
  const next = { ...changes };
  for (const key of conferenceEventKeys(event)) next[key] = (next[key] ?? 0) + 1;
  return next;
}
