import { describe, expect, it } from "vitest";

import { Mesh, type Signal } from "./mesh.js";

/** A stand-in RTCPeerConnection that records what the mesh asks of it (no WebRTC in node). */
class FakePeer {
  static made: FakePeer[] = [];
  signalingState = "stable";
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  added: unknown[] = [];
  transceivers: string[] = [];
  closed = false;
  onicecandidate: ((event: { candidate: unknown }) => void) | null = null;
  ontrack: unknown = null;
  onconnectionstatechange: unknown = null;
  constructor() {
    FakePeer.made.push(this);
  }
  addTrack() {}
  addTransceiver(kind: string) {
    this.transceivers.push(kind);
  }
  async createOffer() {
    return { type: "offer", sdp: "v=0 offer" };
  }
  async createAnswer() {
    return { type: "answer", sdp: "v=0 answer" };
  }
  async setLocalDescription(description: { type: string; sdp: string }) {
    this.localDescription = description;
    this.signalingState = description.type === "offer" ? "have-local-offer" : "stable";
  }
  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescription = description;
    this.signalingState = description.type === "offer" ? "have-remote-offer" : "stable";
  }
  async addIceCandidate(candidate: unknown) {
    this.added.push(candidate);
  }
  getSenders() {
    return [];
  }
  close() {
    this.closed = true;
  }
}

function mesh(sent: [string, Signal][]) {
  FakePeer.made = [];
  return new Mesh({
    rtcConfig: { iceServers: [], iceTransportPolicy: "relay" },
    localStream: null,
    send: (to, signal) => sent.push([to, signal]),
    changed: () => undefined,
    createPeer: () => new FakePeer() as unknown as RTCPeerConnection,
  });
}

const CANDIDATE = { candidate: "candidate:1 1 UDP 1 127.0.0.1 5000 typ relay", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "u" };

describe("the mesh's negotiation", () => {
  it("the newcomer offers (receiving both kinds without a camera), and takes the answer", async () => {
    const sent: [string, Signal][] = [];
    const m = mesh(sent);
    await m.offer("p-1");
    expect(sent).toEqual([["p-1", { sdp: { type: "offer", sdp: "v=0 offer" } }]]);
    const peer = FakePeer.made[0]!;
    expect(peer.transceivers).toEqual(["audio", "video"]);
    await m.receive("p-1", { candidate: CANDIDATE }); // before the answer: waits
    expect(peer.added).toEqual([]);
    await m.receive("p-1", { sdp: { type: "answer", sdp: "v=0 answer" } });
    expect(peer.remoteDescription?.type).toBe("answer");
    expect(peer.added).toEqual([CANDIDATE]);
    await m.receive("p-1", { sdp: { type: "answer", sdp: "again" } }); // not expecting one: ignored
    expect(peer.remoteDescription?.sdp).toBe("v=0 answer");
  });

  it("answers an offer, and an offer from a peer already connected replaces its connection", async () => {
    const sent: [string, Signal][] = [];
    const m = mesh(sent);
    await m.receive("p-2", { sdp: { type: "offer", sdp: "v=0 first" } });
    await m.receive("p-2", { sdp: { type: "offer", sdp: "v=0 rejoined" } });
    expect(FakePeer.made.map((p) => p.closed)).toEqual([true, false]);
    expect(m.peers.get("p-2")?.connection).toBe(FakePeer.made[1]);
    expect(sent.map(([to, s]) => [to, s.sdp?.type])).toEqual([["p-2", "answer"], ["p-2", "answer"]]);
  });

  it("ignores signals of peers it has no connection with, and everything once closed", async () => {
    const sent: [string, Signal][] = [];
    const m = mesh(sent);
    await m.receive("stranger", { candidate: CANDIDATE });
    await m.receive("stranger", { sdp: { type: "answer", sdp: "v=0" } });
    expect(FakePeer.made).toEqual([]);
    await m.offer("p-3");
    m.close();
    expect(FakePeer.made[0]!.closed).toBe(true);
    await m.receive("p-4", { sdp: { type: "offer", sdp: "v=0" } });
    expect(m.peers.size).toBe(0);
  });

  it("relays its own candidates to the peer, null at the end", async () => {
    const sent: [string, Signal][] = [];
    const m = mesh(sent);
    await m.offer("p-5");
    const peer = FakePeer.made[0]!;
    peer.onicecandidate!({ candidate: { ...CANDIDATE, foundation: "1", toJSON: () => ({}) } });
    peer.onicecandidate!({ candidate: null });
    expect(sent.slice(1)).toEqual([["p-5", { candidate: CANDIDATE }], ["p-5", { candidate: null }]]);
  });
});
