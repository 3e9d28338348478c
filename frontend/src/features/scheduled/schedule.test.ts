import { describe, expect, it } from "vitest";

import { MAX_AHEAD_MS, checkSchedule, userZone, wallClock, zonedInstant } from "./schedule.js";

describe("a date and time in the user's zone", () => {
  it("is the instant the zone's clock shows it", () => {
    expect(new Date(zonedInstant("2026-12-03", "09:30", "Europe/Moscow")!).toISOString()).toBe("2026-12-03T06:30:00.000Z");
    expect(new Date(zonedInstant("2026-12-03", "09:30", "Asia/Vladivostok")!).toISOString()).toBe("2026-12-02T23:30:00.000Z");
    expect(new Date(zonedInstant("2026-12-03", "09:30", "UTC")!).toISOString()).toBe("2026-12-03T09:30:00.000Z");
  });

  it("handles summer time on both sides of the change", () => {
    expect(new Date(zonedInstant("2026-07-01", "12:00", "Europe/Berlin")!).toISOString()).toBe("2026-07-01T10:00:00.000Z");
    expect(new Date(zonedInstant("2026-01-01", "12:00", "Europe/Berlin")!).toISOString()).toBe("2026-01-01T11:00:00.000Z");
    // 02:30 does not exist on the spring-forward night.
    expect(zonedInstant("2026-03-29", "02:30", "Europe/Berlin")).toBeNull();
  });

  it("refuses malformed dates and times", () => {
    for (const [d, t] of [["2026-02-30", "10:00"], ["2026-13-01", "10:00"], ["", "10:00"], ["2026-12-03", "24:00"], ["2026-12-03", "9:5"]]) {
      expect(zonedInstant(d!, t!, "UTC")).toBeNull();
    }
  });

  it("reads back as the wall clock", () => {
    const instant = Date.parse("2026-12-03T06:30:00Z");
    expect(wallClock(instant, "Europe/Moscow")).toBe("2026-12-03 09:30");
  });
});

describe("the schedule check", () => {
  const now = Date.parse("2026-12-03T06:00:00Z");
  it("takes a time in the future, at most a year ahead", () => {
    expect(checkSchedule("2026-12-03", "09:30", "Europe/Moscow", now)).toBe(Date.parse("2026-12-03T06:30:00Z"));
    expect(checkSchedule("2026-12-03", "09:00", "Europe/Moscow", now)).toBe("past");
    expect(checkSchedule("2026-12-03", "08:00", "Europe/Moscow", now)).toBe("past");
    expect(checkSchedule("2027-12-04", "09:00", "Europe/Moscow", now)).toBe("tooFar");
    const lastMinute = new Date(now + MAX_AHEAD_MS).toISOString();
    expect(checkSchedule(lastMinute.slice(0, 10), lastMinute.slice(11, 16), "UTC", now)).toBe(now + MAX_AHEAD_MS);
    expect(checkSchedule("2026-12-03", "", "UTC", now)).toBe("invalid");
  });

  it("uses the profile's zone when the browser knows it", () => {
    expect(userZone("Asia/Yekaterinburg")).toBe("Asia/Yekaterinburg");
    expect(userZone("Mars/Olympus")).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(userZone("")).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
