/**
 * "Send later" without React: a wall-clock date and time in a time zone → the instant, and the
 * checks the server makes (docs/messaging.md, "Scheduled messages": in the future, at most a
 * year ahead).
 */

/** The server's limit (messaging.services.scheduled.MAX_SCHEDULE_AHEAD). */
export const MAX_AHEAD_MS = 365 * 86_400_000;

/** The zone's offset from UTC at `instant`, in ms (positive east of Greenwich). */
export function zoneOffset(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the wall clock of `zone` shows `date` (YYYY-MM-DD) `time` (HH:MM), or
 * null for malformed input or a time the clock skips (a spring-forward gap).
 */
export function zonedInstant(date: string, time: string, zone: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const [year, month, day, hour, minute] = [+d[1]!, +d[2]!, +d[3]!, +t[1]!, +t[2]!];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const check = new Date(wall);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59) return null;
  // Two passes settle the offset around a transition; the result must read back as asked.
  let instant = wall - zoneOffset(wall, zone);
  instant = wall - zoneOffset(instant, zone);
  return wallClock(instant, zone) === `${date} ${time}` ? instant : null;
}

/** `YYYY-MM-DD HH:MM` of `instant` in `zone`. */
export function wallClock(instant: number, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

export type ScheduleError = "invalid" | "past" | "tooFar" | "emptyBody";

/** The instant to send at, or why the input cannot be scheduled. */
export function checkSchedule(date: string, time: string, zone: string, now: number): number | ScheduleError {
  const instant = zonedInstant(date, time, zone);
  if (instant === null) return "invalid";
  if (instant <= now) return "past";
  if (instant > now + MAX_AHEAD_MS) return "tooFar";
  return instant;
}

/** The zone to show times in: the profile's if the browser knows it, else the browser's. */
export function userZone(profileZone: string | null | undefined): string {
  if (profileZone) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: profileZone });
      return profileZone;
    } catch {
      // unknown to this browser
    }
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
