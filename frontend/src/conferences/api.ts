/**
 * The conferences API as the screens use it (docs/api.md, "Conferences"). A signed-in
 * user's requests go through the app's one PortalClient; a guest's carry their pass
 * (`gst_…`), which works on their own conference's endpoints only.
 */
import { appStore } from "../app/store.js";
import type { Page } from "../app/model.js";
import type { Schemas } from "../api/index.js";
import { ApiError } from "../realtime/index.js";

export type Conference = Schemas["Conference"];
export type Participant = Schemas["Participant"];
export type SelfState = Schemas["Self"];
export type Media = NonNullable<SelfState["media"]>;
export type GuestJoin = Schemas["GuestJoin"];
export type IceServers = Schemas["IceServers"];
export type MediaState = { audio?: boolean; video?: boolean; screen?: boolean; hand_raised?: boolean };

export interface ScheduleInput {
  title: string;
  starts_at: string;
  duration_minutes: number;
  invitee_ids: string[];
}

const enc = encodeURIComponent;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await appStore().client.request<T>(method, `/api/v1/${path}`, body)).data;
}

/** What both a user and a guest do in a conference they are in. */
export interface RoomApi {
  me(id: string): Promise<SelfState>;
  participants(id: string): Promise<Page<Participant>>;
  setMedia(id: string, state: MediaState): Promise<SelfState>;
  leave(id: string): Promise<void>;
  /** STUN/TURN for the mesh (a guest's only once admitted). */
  iceServers(id: string): Promise<IceServers>;
}

export const conferencesApi = {
  list: () => call<Page<Conference>>("GET", "conferences"),
  get: (id: string) => call<Conference>("GET", `conferences/${enc(id)}`),
  create: (input: ScheduleInput) => call<Conference>("POST", "conferences", input),
  join: (id: string) => call<SelfState>("POST", `conferences/${enc(id)}/join`),
  me: (id: string) => call<SelfState>("GET", `conferences/${enc(id)}/me`),
  participants: (id: string) => call<Page<Participant>>("GET", `conferences/${enc(id)}/participants`),
  setMedia: (id: string, state: MediaState) => call<SelfState>("PATCH", `conferences/${enc(id)}/me`, state),
  leave: async (id: string) => void (await call<null>("POST", `conferences/${enc(id)}/leave`)),
  mute: (id: string, participantId: string | null) => call<null>("POST", `conferences/${enc(id)}/mute`, { participant_id: participantId }),
  remove: (id: string, participantId: string) => call<Participant>("POST", `conferences/${enc(id)}/participants/${enc(participantId)}/remove`),
  admit: (id: string, participantId: string) => call<Participant>("POST", `conferences/${enc(id)}/participants/${enc(participantId)}/admit`),
  lock: (id: string, locked: boolean) => call<Conference>("POST", `conferences/${enc(id)}/lock`, { locked }),
  end: (id: string) => call<Conference>("POST", `conferences/${enc(id)}/end`),
  guestLink: (id: string, minutes: number) => call<Schemas["GuestLink"]>("POST", `conferences/${enc(id)}/guest-links`, { expires_in_minutes: minutes }),
  iceServers: (id: string) => call<IceServers>("GET", `conferences/${enc(id)}/ice-servers`),
} satisfies RoomApi & Record<string, unknown>;

/** A guest's requests: no sign-in, their pass as the bearer token. */
export function guestApi(pass: string): RoomApi {
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`/api/v1/${path}`, {
      method,
      headers: { Authorization: `Bearer ${pass}`, "Content-Type": "application/json", "Accept-Language": document.documentElement.lang || "ru" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return answer<T>(response);
  };
  return {
    me: (id) => request<SelfState>("GET", `conferences/${enc(id)}/me`),
    participants: (id) => request<Page<Participant>>("GET", `conferences/${enc(id)}/participants`),
    setMedia: (id, state) => request<SelfState>("PATCH", `conferences/${enc(id)}/me`, state),
    leave: async (id) => void (await request<null>("POST", `conferences/${enc(id)}/leave`)),
    iceServers: (id) => request<IceServers>("GET", `conferences/${enc(id)}/ice-servers`),
  };
}

/** Open a guest link with a display name (no sign-in): the pass and the lobby. */
export async function guestJoin(link: string, displayName: string): Promise<GuestJoin> {
  const response = await fetch("/api/v1/conferences/guest-join", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept-Language": document.documentElement.lang || "ru" },
    body: JSON.stringify({ link, display_name: displayName }),
  });
  return answer<GuestJoin>(response);
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return null as T;
  const body = (await response.json().catch(() => null)) as { error?: Schemas["ErrorBody"] } | null;
  if (!response.ok) {
    const error = body?.error;
    throw new ApiError(response.status, error?.code ?? "error", error?.message ?? response.statusText, error?.details ?? {}, null);
  }
  return body as T;
}
