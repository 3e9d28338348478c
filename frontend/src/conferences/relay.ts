/**
 * Media only through the agency's TURN server (`iceTransportPolicy: "relay"`, so that peers
 * never learn this browser's addresses) when the agency says so (`ice_transport_policy`
 * of the ICE servers' answer, CALL_ICE_TRANSPORT_POLICY) or this device does: "always
 * relay", localStorage `portal.conferences.relayOnly` = "1".
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
  const policy = relay || servers?.ice_transport_policy === "relay" ? "relay" : "all";
  return { iceServers: (servers?.ice_servers ?? []) as RTCIceServer[], iceTransportPolicy: policy };
}
