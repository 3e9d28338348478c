/**
 * "Always relay": this browser sends media only through the agency's TURN server
 * (`iceTransportPolicy: "relay"`), so that peers never learn its addresses. Kept on this
 * device (localStorage `portal.conferences.relayOnly` = "1").
 */
import type { IceServers } from "./api.js";

export const RELAY_ONLY_KEY = "portal.conferences.relayOnly";

export function relayOnly(): boolean {
  try {
    return window.localStorage.getItem(RELAY_ONLY_KEY) === "1";
  } catch {
    return false;
  }
}

/** The RTCPeerConnection configuration from `GET conferences/{id}/ice-servers`. */
export function rtcConfig(servers: IceServers | null, relay: boolean): RTCConfiguration {
  return { iceServers: (servers?.ice_servers ?? []) as RTCIceServer[], iceTransportPolicy: relay ? "relay" : "all" };
}
