/** The search request built from the screen's fields (docs/api.md, "Searching messages"). */
import { zoneOffset } from "../scheduled/schedule.js";

export interface SearchFilters {
  conversation: string;
  author: string;
  /** Calendar days as a date input gives them (YYYY-MM-DD), or "". */
  since: string;
  until: string;
  hasFile: boolean;
  mentionsMe: boolean;
}

export const NO_FILTERS: SearchFilters = { conversation: "", author: "", since: "", until: "", hasFile: false, mentionsMe: false };
export const SEARCH_LIMIT = 50;

/** The start of a calendar day in the reader's zone as ISO 8601 with the offset; "" if not a day. */
export function dayStart(day: string, offsetMinutes: (date: Date) => number = (d) => -d.getTimezoneOffset()): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return "";
  const local = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const offset = offsetMinutes(local);
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${match[1]}-${match[2]}-${match[3]}T00:00:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The day after `day` (YYYY-MM-DD), for an inclusive "until" that the API takes as "before". */
export function nextDay(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return "";
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1));
  return date.toISOString().slice(0, 10);
}

/** The query string of `GET /api/v1/search/messages`, or null when there is nothing to search. */
export function searchQuery(text: string, filters: SearchFilters, offsetMinutes?: (date: Date) => number): string | null {
  const q = text.trim();
  if (!q) return null;
  const params = new URLSearchParams({ q, limit: String(SEARCH_LIMIT) });
  if (filters.conversation) params.set("conversation", filters.conversation);
  if (filters.author) params.set("author", filters.author);
  const since = dayStart(filters.since, offsetMinutes);
  if (since) params.set("since", since);
  const until = dayStart(nextDay(filters.until), offsetMinutes);
  if (until) params.set("until", until);
  if (filters.hasFile) params.set("has_file", "true");
  if (filters.mentionsMe) params.set("mentions_me", "true");
  return params.toString();
}

/** Minutes east of UTC of `zone` on a calendar day (for `dayStart`); undefined — the
 * browser's zone — without a zone this browser knows. */
export function profileOffset(zone: string | null | undefined): ((day: Date) => number) | undefined {
  if (!zone) return undefined;
  try {
    zoneOffset(0, zone);
  } catch {
    return undefined;
  }
  return (day) => Math.round(zoneOffset(Date.UTC(day.getFullYear(), day.getMonth(), day.getDate()), zone) / 60_000);
}
