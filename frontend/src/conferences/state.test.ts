import { describe, expect, it } from "vitest";

import { applyEvent } from "../app/events.js";
import { initialState } from "../app/store.js";
import type { Conference, Participant } from "./api.js";
import { conferenceEventKeys } from "./events.js";
import { conferencePhase, departed, guestLinkSecret, isModerator, joinedInOrder, lobbyOf, offerTargets, participantMap, scheduleInput, upsertParticipant } from "./state.js";

function person(id: string, fields: Partial<Participant> = {}): Participant {
  return {
    id, user_id: `u-${id}`, display_name: id, guest: false, state: "joined", audio: false, video: false, screen: false,
    hand_raised_at: null, joined_at: `2026-12-04T10:0${id.length}:00Z`, ...fields,
  };
}

const conference: Conference = {
  id: "c-1", title: "Планёрка", conversation_id: null, organizer_id: "u-org", moderator_ids: ["u-mod"], starts_at: "2026-12-04T10:00:00Z",
  ends_at: "2026-12-04T11:00:00Z", duration_minutes: 60, started_at: null, ended_at: null, locked: false, topology: "mesh", invitation_url: null,
};

describe("the room's participants", () => {
  it("keeps those joined or waiting, and drops those who left or were removed", () => {
    let map = participantMap([person("a"), person("bb", { state: "lobby", guest: true, user_id: null })]);
    expect(Object.keys(map).sort()).toEqual(["a", "bb"]);
    map = upsertParticipant(map, person("a", { state: "left" }));
    map = upsertParticipant(map, person("bb", { state: "removed" }));
    expect(map).toEqual({});
  });

  it("lists raised hands first, the earliest first, then the order they joined; the lobby apart", () => {
    const map = participantMap([
      person("a"), person("bbb"), person("cc", { hand_raised_at: "2026-12-04T10:30:00Z" }),
      person("dddd", { hand_raised_at: "2026-12-04T10:20:00Z" }), person("w", { state: "lobby" }),
    ]);
    expect(joinedInOrder(map).map((p) => p.id)).toEqual(["dddd", "cc", "a", "bbb"]);
    expect(lobbyOf(map).map((p) => p.id)).toEqual(["w"]);
  });
});

describe("who offers to whom", () => {
  it("a newcomer offers to each peer already joined, never to itself", () => {
    expect(offerTargets(["p-1", "p-2", "me"], "me")).toEqual(["p-1", "p-2"]);
    expect(offerTargets([], "me")).toEqual([]);
  });

  it("the connections of peers no longer joined go", () => {
    const map = participantMap([person("a"), person("b", { state: "lobby" })]);
    expect(departed(["a", "b", "gone", "me"], map, "me")).toEqual(["b", "gone"]);
  });
});

describe("the conference", () => {
  it("is moderated by its organizer and its moderators only", () => {
    expect(isModerator(conference, "u-org")).toBe(true);
    expect(isModerator(conference, "u-mod")).toBe(true);
    expect(isModerator(conference, "u-other")).toBe(false);
    expect(isModerator({ ...conference, organizer_id: null, moderator_ids: [] }, null)).toBe(false);
  });

  it("is upcoming, live once started or due, and ended once ended", () => {
    const before = Date.parse("2026-12-04T09:00:00Z");
    expect(conferencePhase(conference, before)).toBe("upcoming");
    expect(conferencePhase(conference, Date.parse("2026-12-04T10:00:01Z"))).toBe("live");
    expect(conferencePhase({ ...conference, started_at: "2026-12-04T08:55:00Z" }, before)).toBe("live");
    expect(conferencePhase({ ...conference, ended_at: "2026-12-04T10:30:00Z" }, before)).toBe("ended");
  });
});

describe("the guest link and the scheduling form", () => {
  it("reads the link's secret from the address's fragment, and nothing else", () => {
    const secret = "gl_" + "A1b2-_".repeat(7);
    expect(guestLinkSecret(`#${secret}`)).toBe(secret);
    expect(guestLinkSecret("")).toBeNull();
    expect(guestLinkSecret("#gst_abcdefghijkl")).toBeNull();
    expect(guestLinkSecret("#gl_<script>")).toBeNull();
  });

  it("takes a title, a start not in the past (empty: now), a duration and unique invitees", () => {
    const now = new Date("2026-12-04T10:00:00Z");
    expect(scheduleInput({ title: "  Совещание ", start: "", duration: "45", inviteeIds: ["u-1", "u-1", "u-2"] }, now)).toEqual({
      title: "Совещание", starts_at: now.toISOString(), duration_minutes: 45, invitee_ids: ["u-1", "u-2"],
    });
    expect(scheduleInput({ title: " ", start: "", duration: "45", inviteeIds: [] }, now)).toBe("title");
    expect(scheduleInput({ title: "x", start: "", duration: "0", inviteeIds: [] }, now)).toBe("duration");
    expect(scheduleInput({ title: "x", start: "", duration: "1441", inviteeIds: [] }, now)).toBe("duration");
    expect(scheduleInput({ title: "x", start: "", duration: "1.5", inviteeIds: [] }, now)).toBe("duration");
    expect(scheduleInput({ title: "x", start: "2026-12-03T10:00", duration: "30", inviteeIds: [] }, now)).toBe("start");
    const later = scheduleInput({ title: "x", start: "2026-12-05T09:30", duration: "30", inviteeIds: [] }, now);
    expect(typeof later === "object" && Date.parse(later.starts_at) > now.getTime()).toBe(true);
  });
});

describe("the conferences' events in the one dispatcher", () => {
  it("names the list for meetings and reminders, the room for each change in it", () => {
    expect(conferenceEventKeys({ type: "conference", op: "add", conference })).toEqual(["conference:c-1", "conferences"]);
    expect(conferenceEventKeys({ type: "conference_reminder", op: "add", conference })).toEqual(["conference:c-1", "conferences"]);
    expect(conferenceEventKeys({ type: "conference_participant", op: "update", conference_id: "c-1", participant: person("a") })).toEqual(["conference:c-1"]);
  });

  it("moves the counters in the app state; other events leave it as it was", () => {
    const start = initialState({ status: "online", userId: "me", headEventId: 0 });
    const once = applyEvent(start, { type: "conference", op: "update", conference });
    const twice = applyEvent(once, { type: "conference_participant", op: "update", conference_id: "c-1", participant: person("a") });
    expect(twice.conferenceChanges).toEqual({ "conference:c-1": 2, conferences: 1 });
    expect(applyEvent(twice, { type: "something_else", op: "x" })).toBe(twice);
  });
});
