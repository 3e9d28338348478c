/**
 * The conference screens' state logic, free of React and WebRTC so that it is unit-tested:
 * who is shown where, who offers to whom, what a moderator may do, reading a guest link and
 * checking the scheduling form.
 */
import type { Conference, Participant, ScheduleInput } from "./api.js";

export type ParticipantMap = Readonly<Record<string, Participant>>;

/** A participant's change applied to the room's list: only those joined or waiting stay. */
export function upsertParticipant(participants: ParticipantMap, participant: Participant): ParticipantMap {
  const next = { ...participants };
  if (participant.state === "joined" || participant.state === "lobby") next[participant.id] = participant;
  else delete next[participant.id];
  return next;
}

export function participantMap(list: readonly Participant[]): ParticipantMap {
  return list.reduce<ParticipantMap>((map, p) => upsertParticipant(map, p), {});
}

function time(value: string | null | undefined): number {
  return value ? Date.parse(value) : Number.POSITIVE_INFINITY;
}

/** Those joined: raised hands first (the earliest first), then in the order they joined. */
export function joinedInOrder(participants: ParticipantMap): Participant[] {
  return Object.values(participants)
    .filter((p) => p.state === "joined")
    .sort((a, b) => {
      const hands = time(a.hand_raised_at) - time(b.hand_raised_at);
      if (hands !== 0 && !Number.isNaN(hands)) return hands;
      return time(a.joined_at) - time(b.joined_at) || a.id.localeCompare(b.id);
    });
}

/** Those waiting in the lobby (only moderators see them), in no particular order but stable. */
export function lobbyOf(participants: ParticipantMap): Participant[] {
  return Object.values(participants)
    .filter((p) => p.state === "lobby")
    .sort((a, b) => a.display_name.localeCompare(b.display_name) || a.id.localeCompare(b.id));
}

/**
 * Who this client offers to: a newcomer offers to every peer already joined (`media.peers`
 * when it joined); those peers wait for its offer. So two peers never offer to each other at
 * once, and a peer that joins again (another device) offers anew.
 */
export function offerTargets(peersAtJoin: readonly string[], myId: string): string[] {
  return peersAtJoin.filter((id) => id !== myId);
}

/** The peers to stop talking to: connected before, no longer joined. */
export function departed(connected: Iterable<string>, participants: ParticipantMap, myId: string): string[] {
  return [...connected].filter((id) => id !== myId && participants[id]?.state !== "joined");
}

export function isModerator(conference: Conference | null, userId: string | null | undefined): boolean {
  if (!conference || !userId) return false;
  return conference.organizer_id === userId || conference.moderator_ids.includes(userId);
}

/** Whether the meeting is on now (started, or within its scheduled time) and not over. */
export function conferencePhase(conference: Conference, now: number): "upcoming" | "live" | "ended" {
  if (conference.ended_at) return "ended";
  if (conference.started_at || Date.parse(conference.starts_at) <= now) return "live";
  return "upcoming";
}

/** The guest link's secret from the page's address (`/conferences/guest#gl_…`). */
export function guestLinkSecret(hash: string): string | null {
  const value = decodeURIComponent(hash.replace(/^#/, "")).trim();
  return /^gl_[A-Za-z0-9_-]{10,100}$/.test(value) ? value : null;
}

export interface ScheduleForm {
  title: string;
  /** A `datetime-local` value (the browser's time zone), empty for "now". */
  start: string;
  duration: string;
  inviteeIds: readonly string[];
}

export type ScheduleProblem = "title" | "start" | "duration";

/** The form as the API takes it, or what is wrong with it (the server checks again). */
export function scheduleInput(form: ScheduleForm, now: Date): ScheduleInput | ScheduleProblem {
  const title = form.title.trim();
  if (!title || title.length > 200) return "title";
  const duration = Number(form.duration);
  if (!Number.isInteger(duration) || duration < 1 || duration > 1440) return "duration";
  let startsAt = now;
  if (form.start) {
    startsAt = new Date(form.start);
    if (Number.isNaN(startsAt.getTime()) || startsAt.getTime() < now.getTime() - 5 * 60_000) return "start";
  }
  return { title, starts_at: startsAt.toISOString(), duration_minutes: duration, invitee_ids: [...new Set(form.inviteeIds)] };
}
