import { beforeAll, describe, expect, it } from "vitest";

import type { CallSignal } from "../realtime/index.js";
import { CallPeer, type PeerOptions } from "./peer.js";

/** Enough of RTCPeerConnection's offer/answer state machine to run the negotiation: an
 * SDP here is "offer:<n>:<kinds>" / "answer:<n>". */
class FakePeerConnection {
  static made = 0;
  signalingState: RTCSignalingState = "stable";
  connectionState: RTCPeerConnectionState = "new";
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  transceivers: { sender: { track: { kind: string } | null; replaceTrack: (t: unknown) => Promise<void>; setStreams: () => void }; receiver: { track: { kind: string } }; direction: string; currentDirection: string | null }[] = [];
  candidates: unknown[] = [];
  configs: unknown[] = [];
  restarted = 0;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: ((e: { candidate: unknown }) => void) | null = null;
  ontrack: ((e: unknown) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  private n = 0;
  readonly id = ++FakePeerConnection.made;

  constructor(readonly config: RTCConfiguration) {}

  addTrack(track: { kind: string }) {
    const free = this.transceivers.find((t) => t.sender.track === null && t.receiver.track.kind === track.kind);
    if (free) {
      free.sender.track = track;
      free.direction = "sendrecv";
    } else {
      this.transceivers.push(this.transceiver(track.kind, track));
      this.needed();
    }
  }
  getTransceivers() {
    return this.transceivers;
  }
  getSenders() {
    return this.transceivers.map((t) => t.sender);
  }
  async setLocalDescription(description?: { type: string }) {
    if (description?.type === "rollback") {
      this.signalingState = "stable";
      this.localDescription = null;
    } else if (this.signalingState === "have-remote-offer") {
      this.localDescription = { type: "answer", sdp: `answer:${this.id}` };
      this.signalingState = "stable";
    } else {
      this.localDescription = { type: "offer", sdp: `offer:${this.id}.${++this.n}:${this.transceivers.map((t) => t.receiver.track.kind).join(",")}` };
      this.signalingState = "have-local-offer";
    }
  }
  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescription = description;
    if (description.type === "offer") {
      if (this.signalingState === "have-local-offer") this.localDescription = null; // implicit rollback
      this.signalingState = "have-remote-offer";
      const kinds = description.sdp.split(":")[2]?.split(",").filter(Boolean) ?? [];
      for (const kind of kinds.slice(this.transceivers.length)) this.transceivers.push(this.transceiver(kind, null));
    } else {
      this.signalingState = "stable";
    }
  }
  async addIceCandidate(candidate?: unknown) {
    if (!this.remoteDescription) throw new Error("no remote description");
    this.candidates.push(candidate ?? "end");
  }
  setConfiguration(config: unknown) {
    this.configs.push(config);
  }
  restartIce() {
    this.restarted += 1;
    this.needed();
  }
  close() {
    this.connectionState = "closed";
  }
  private needed() {
    queueMicrotask(() => {
      if (this.signalingState === "stable") this.onnegotiationneeded?.();
    });
  }
  private transceiver(kind: string, track: { kind: string } | null) {
    return { sender: { track, replaceTrack: async () => undefined, setStreams: () => undefined }, receiver: { track: { kind } }, direction: track ? "sendrecv" : "recvonly", currentDirection: null };
  }
}

beforeAll(() => {
  (globalThis as { MediaStream?: unknown }).MediaStream ??= class {
    private tracks: unknown[] = [];
    getTracks() {
      return this.tracks;
    }
    addTrack(track: unknown) {
      this.tracks.push(track);
    }
    removeTrack(track: unknown) {
      this.tracks = this.tracks.filter((t) => t !== track);
    }
  };
});

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function stream(...kinds: string[]): MediaStream {
  const tracks = kinds.map((kind) => ({ kind, enabled: true }));
  return { getTracks: () => tracks } as unknown as MediaStream;
}

function peer(polite: boolean, sent: CallSignal[], extra: Partial<PeerOptions> = {}) {
  const troubles: unknown[] = [];
  const made = new CallPeer({
    config: { iceTransportPolicy: "relay" },
    polite,
    stream: stream("audio", "video"),
    send: (signal) => {
      sent.push(signal);
      return true;
    },
    onRemoteStream: () => undefined,
    onConnectionState: () => undefined,
    onTrouble: (error) => troubles.push(error),
    createPeerConnection: (config) => new FakePeerConnection(config) as unknown as RTCPeerConnection,
    ...extra,
  });
  return { peer: made, pc: made.pc as unknown as FakePeerConnection, troubles };
}

const sdps = (signals: CallSignal[]) => signals.flatMap((s) => ("sdp" in s ? [s.sdp.type] : []));

describe("the call's peer connection", () => {
  it("the caller offers with its media; the callee answers with its own on the same transceivers", async () => {
    const toCallee: CallSignal[] = [];
    const toCaller: CallSignal[] = [];
    const caller = peer(false, toCallee);
    const callee = peer(true, toCaller);
    await flush();
    expect(sdps(toCallee)).toEqual(["offer"]);
    expect(toCaller).toEqual([]); // the callee never offers first
    expect(caller.pc.config).toEqual({ iceTransportPolicy: "relay" });

    await callee.peer.receive(toCallee[0]!);
    expect(sdps(toCaller)).toEqual(["answer"]);
    expect(callee.pc.transceivers.map((t) => [t.receiver.track.kind, t.direction, t.sender.track?.kind])).toEqual([
      ["audio", "sendrecv", "audio"],
      ["video", "sendrecv", "video"],
    ]);
    await caller.peer.receive(toCaller[0]!);
    expect([caller.pc.signalingState, callee.pc.signalingState]).toEqual(["stable", "stable"]);

    await caller.peer.receive({ candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ relay", sdpMid: "0", sdpMLineIndex: 0 } });
    await caller.peer.receive({ candidate: null });
    expect(caller.pc.candidates).toHaveLength(2);
    expect([...caller.troubles, ...callee.troubles]).toEqual([]);
  });

  it("two offers that cross: the impolite caller ignores the callee's, the polite callee gives way", async () => {
    const toCallee: CallSignal[] = [];
    const toCaller: CallSignal[] = [];
    const caller = peer(false, toCallee);
    const callee = peer(true, toCaller);
    await flush();
    await callee.peer.receive(toCallee[0]!);
    await caller.peer.receive(toCaller[0]!);
    // Both restart ICE at once (a network change seen on both sides).
    void caller.peer.restartIce();
    void callee.peer.restartIce();
    await flush();
    const callerOffer = toCallee[toCallee.length - 1]!;
    const calleeOffer = toCaller[toCaller.length - 1]!;
    expect([sdps([callerOffer]), sdps([calleeOffer])]).toEqual([["offer"], ["offer"]]);

    await caller.peer.receive(calleeOffer);
    expect(caller.pc.signalingState).toBe("have-local-offer"); // ignored
    await caller.peer.receive({ candidate: { candidate: "of the ignored offer" } });
    await callee.peer.receive(callerOffer);
    expect(sdps([toCaller[toCaller.length - 1]!])).toEqual(["answer"]);
    await caller.peer.receive(toCaller[toCaller.length - 1]!);
    expect([caller.pc.signalingState, callee.pc.signalingState]).toEqual(["stable", "stable"]);
    expect(caller.troubles).toEqual([]);
  });

  it("an ICE restart takes fresh credentials and rolls back an offer that was never answered", async () => {
    const sent: CallSignal[] = [];
    const caller = peer(false, sent);
    await flush();
    expect(caller.pc.signalingState).toBe("have-local-offer"); // its answer was lost
    await caller.peer.restartIce({ iceServers: [{ urls: "turn:127.0.0.1:3478", username: "u", credential: "c" }] });
    await flush();
    expect(caller.pc.configs).toHaveLength(1);
    expect(caller.pc.restarted).toBe(1);
    expect(sdps(sent)).toEqual(["offer", "offer"]);
  });

  it("reports a signal the socket could not take and a candidate that does not apply; nothing after close", async () => {
    const { peer: callee, troubles } = peer(true, [], { send: () => false });
    await callee.receive({ candidate: { candidate: "before any offer" } });
    expect(troubles).toHaveLength(1);
    await callee.receive({ sdp: { type: "offer", sdp: "offer:9.1:audio,video" } });
    expect(troubles).toHaveLength(2); // the answer did not go
    callee.close();
    await callee.receive({ sdp: { type: "offer", sdp: "offer:9.2:audio" } });
    expect(troubles).toHaveLength(2);
  });
});
