/** The calls API (docs/api.md, "Calls") as the screens use it. Signalling goes over the
 * event socket (`client.sendCallSignal`), not here. */
import { appStore } from "../app/store.js";
import type { Page } from "../app/model.js";
import type { Schemas } from "../api/index.js";

/** A call as both parties see it (`call.incoming` / `call.update`, the REST answers). */
export type Call = Schemas["Call"];
export type CallKind = Schemas["CallKindEnum"];
export type CallState = Schemas["CallStateEnum"];
/** One row of `GET /calls`: the call, its direction and whether the reader missed it. */
export type CallHistoryItem = Schemas["CallHistoryItem"];
/** `GET /calls/ice-servers`: goes as it is into `new RTCPeerConnection(...)`; fetched per
 * call, since its TURN credential expires. */
export type IceServers = Schemas["IceServers"];

/** Whom to call: a user, or the other member of a direct conversation. */
export type CallTarget = { calleeId: string } | { conversationId: string };

const enc = encodeURIComponent;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await appStore().client.request<T>(method, `/api/v1/${path}`, body)).data;
}

export const callsApi = {
  start: (kind: CallKind, target: CallTarget) =>
    call<Call>("POST", "calls", "calleeId" in target ? { kind, callee_id: target.calleeId } : { kind, conversation_id: target.conversationId }),
  get: (id: string) => call<Call>("GET", `calls/${enc(id)}`),
  accept: (id: string) => call<Call>("POST", `calls/${enc(id)}/accept`),
  decline: (id: string) => call<Call>("POST", `calls/${enc(id)}/decline`),
  hangup: (id: string) => call<Call>("POST", `calls/${enc(id)}/hangup`),
  /** The ringing or answered call of mine, if any: what a tab shows when it opens mid-ring. */
  active: async () => (await call<Page<Call>>("GET", "calls/active")).results,
  history: (cursor: string | null) => call<Page<CallHistoryItem>>("GET", `calls?limit=30${cursor ? `&cursor=${enc(cursor)}` : ""}`),
  iceServers: () => call<IceServers>("GET", "calls/ice-servers"),
};
