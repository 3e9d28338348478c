/**
 * The peer-to-peer mesh of one conference: an RTCPeerConnection per other participant,
 * negotiated over Portal's `conference.signal` relay (docs/api.md, "Mesh signalling").
 *
 * Who offers is fixed (state.ts, `offerTargets`): the newcomer offers to everyone already
 * joined, who answer. An offer from a peer that already has a connection replaces it (that
 * peer joined again). Candidates that arrive before the remote description wait for it.
 * Framework-free; `createPeer` is injectable so that the negotiation is unit-tested.
 */

import type { ConferenceSignalOutFrame } from "../realtime/index.js";

/** What a signal carries: an SDP or an ICE candidate (null: the end of candidates). */
export type Signal = Pick<ConferenceSignalOutFrame, "sdp" | "candidate">;
type Candidate = NonNullable<Signal["candidate"]>;

/** A browser's candidate as the server takes it (no extra keys). */
export function candidateOf(candidate: RTCIceCandidate | null): Candidate | null {
  if (!candidate) return null;
  const { sdpMid, sdpMLineIndex, usernameFragment } = candidate;
  return { candidate: candidate.candidate, sdpMid, sdpMLineIndex, usernameFragment };
}

export interface MeshOptions {
  rtcConfig: RTCConfiguration;
  localStream: MediaStream | null;
  send: (to: string, signal: Signal) => void;
  /** A peer's stream or connection state changed. */
  changed: () => void;
  createPeer?: (config: RTCConfiguration) => RTCPeerConnection;
}

export interface Peer {
  connection: RTCPeerConnection;
  stream: MediaStream | null;
  /** Candidates received before the remote description. */
  waiting: Candidate[];
}

const KINDS = ["audio", "video"] as const;

export class Mesh {
  readonly peers = new Map<string, Peer>();
  private closed = false;

  constructor(private readonly options: MeshOptions) {}

  /** Offer to `peerId` (this client is the newcomer). */
  async offer(peerId: string): Promise<void> {
    const peer = this.open(peerId, true);
    const offer = await peer.connection.createOffer();
    await peer.connection.setLocalDescription(offer);
    this.send(peerId, peer);
  }

  /** A signal from `from`. */
  async receive(from: string, signal: Signal): Promise<void> {
    if (this.closed) return;
    if (signal.sdp?.type === "offer") {
      this.drop(from);
      const peer = this.open(from, false);
      await peer.connection.setRemoteDescription(signal.sdp);
      await this.flush(peer);
      await peer.connection.setLocalDescription(await peer.connection.createAnswer());
      this.send(from, peer);
      return;
    }
    const peer = this.peers.get(from);
    if (!peer) return; // a stale signal of a connection already closed
    if (signal.sdp?.type === "answer") {
      if (peer.connection.signalingState !== "have-local-offer") return;
      await peer.connection.setRemoteDescription(signal.sdp);
      await this.flush(peer);
    } else if (signal.candidate !== undefined) {
      if (!signal.candidate) return; // the end of candidates: nothing to add in a browser
      if (peer.connection.remoteDescription) await peer.connection.addIceCandidate(signal.candidate);
      else peer.waiting.push(signal.candidate);
    }
  }

  /** Send another video track (a screen, the camera back) to every peer, in place of the
   * one sent now: no renegotiation. Without a camera there is no video sender to reuse. */
  async replaceVideo(previous: MediaStreamTrack, track: MediaStreamTrack): Promise<void> {
    const senders = [...this.peers.values()].flatMap((p) => p.connection.getSenders().filter((s) => s.track === previous));
    await Promise.all(senders.map((s) => s.replaceTrack(track)));
  }

  drop(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    peer.connection.close();
    this.options.changed();
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.peers.keys()]) this.drop(id);
  }

  private open(peerId: string, offering: boolean): Peer {
    const create = this.options.createPeer ?? ((config: RTCConfiguration) => new RTCPeerConnection(config));
    const connection = create(this.options.rtcConfig);
    const peer: Peer = { connection, stream: null, waiting: [] };
    const local = this.options.localStream;
    for (const kind of KINDS) {
      const track = local?.getTracks().find((t) => t.kind === kind);
      if (track && local) connection.addTrack(track, local);
      else if (offering) connection.addTransceiver(kind, { direction: "recvonly" });
    }
    connection.onicecandidate = (event) => {
      if (this.peers.get(peerId) === peer) this.options.send(peerId, { candidate: candidateOf(event.candidate) });
    };
    connection.ontrack = (event) => {
      peer.stream = event.streams[0] ?? peer.stream ?? new MediaStream();
      if (!event.streams[0]) peer.stream.addTrack(event.track);
      this.options.changed();
    };
    connection.onconnectionstatechange = () => this.options.changed();
    this.peers.set(peerId, peer);
    this.options.changed();
    return peer;
  }

  private send(peerId: string, peer: Peer): void {
    const description = peer.connection.localDescription;
    if (description && (description.type === "offer" || description.type === "answer")) {
      this.options.send(peerId, { sdp: { type: description.type, sdp: description.sdp } });
    }
  }

  private async flush(peer: Peer): Promise<void> {
    const waiting = peer.waiting.splice(0);
    for (const candidate of waiting) await peer.connection.addIceCandidate(candidate);
  }
}
