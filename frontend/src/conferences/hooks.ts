import { useApp } from "../app/store.js";

/** How many conference events concerned any of `keys` (conferences/events.ts): put it in an
 * effect's dependencies to load again when one arrives. */
export function useConferenceChanges(...keys: string[]): number {
  return useApp((s) => keys.reduce((sum, key) => sum + (s.conferenceChanges?.[key] ?? 0), 0));
}
