import { describe, expect, it } from "vitest";
import { NO_FILTERS, dayStart, nextDay, profileOffset, searchQuery } from "./query.js";

const moscow = () => 180;

describe("searchQuery", () => {
  it("is null for a blank query, whatever the filters", () => {
    expect(searchQuery("   ", { ...NO_FILTERS, hasFile: true })).toBeNull();
  });

  it("sends only the filters that are set", () => {
    expect(searchQuery(" бюджет ", NO_FILTERS)).toBe("q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82&limit=50");
  });

  it("turns days into the start of that day and the start of the day after the last one", () => {
    const query = new URLSearchParams(
      searchQuery("отчёт", { conversation: "c-1", author: "u-1", since: "2026-11-30", until: "2026-12-31", hasFile: true, mentionsMe: true }, moscow)!,
    );
    expect(Object.fromEntries(query)).toEqual({
      q: "отчёт",
      limit: "50",
      conversation: "c-1",
      author: "u-1",
      since: "2026-11-30T00:00:00+03:00",
      until: "2027-01-01T00:00:00+03:00",
      has_file: "true",
      mentions_me: "true",
    });
  });

  it("ignores a day that is not one", () => {
    expect(dayStart("30.11.2026")).toBe("");
    expect(nextDay("")).toBe("");
    expect(dayStart("2026-03-01", () => -330)).toBe("2026-03-01T00:00:00-05:30");
  });
});

describe("days in the profile's time zone", () => {
  it("takes the zone's offset, not the browser's", () => {
    expect(dayStart("2026-12-01", profileOffset("Asia/Vladivostok"))).toBe("2026-12-01T00:00:00+10:00");
    expect(dayStart("2026-07-01", profileOffset("Europe/London"))).toBe("2026-07-01T00:00:00+01:00");
    expect(dayStart("2026-12-01", profileOffset("Europe/London"))).toBe("2026-12-01T00:00:00+00:00");
  });

  it("falls back to the browser's zone without a usable one", () => {
    expect(profileOffset("")).toBeUndefined();
    expect(profileOffset("Mars/Olympus")).toBeUndefined();
  });
});
