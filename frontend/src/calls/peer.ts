/**
 * One call's RTCPeerConnection, signalled through Portal (`call.signal`): the "perfect
 * negotiation" pattern (W3C WebRTC, §10.7), so that either side may renegotiate — an ICE
 * restart, a screen shared into an audio call — and two offers that cross are settled: the
 * callee is polite (rolls its own offer back), the caller impolite (ignores the other's).
 *
 * The caller adds its tracks at once and makes the first offer. The callee adds its tracks
 * only once the first offer is in (they reuse the offer's transceivers): before the call is
 * answered on the server there is nobody to signal to, so the callee must not offer first.
 *
 * Framework-free: the RTCPeerConnection constructor is injected (unit tests use a fake).
 */
import type { CallSignal, RTCIceCandidateInitLike } from "../realtime/index.js";

export interface PeerOptions {
  config: RTCConfiguration;
  /** The callee: its own offer gives way when two offers cross. */
  polite: boolean;
  stream: MediaStream;
  /** Send a signal to the other party; false when it could not go (socket offline). */
  send: (signal: CallSignal) => boolean;
  onRemoteStream: (stream: MediaStream) => void;
  onConnectionState: (state: RTCPeerConnectionState) => void;
  /** A signal could not be sent, or applying one failed: the session restarts ICE later. */
  onTrouble?: (error: unknown) => void;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
}

export class CallPeer {
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private tracksAdded = false;
  private remote: MediaStream | null = null;
  /** Signals are applied one at a time, in order (each waits for the previous). */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: PeerOptions) {
    const create = options.createPeerConnection ?? ((config) => new RTCPeerConnection(config));
    this.pc = create(options.config);
    this.pc.onnegotiationneeded = () => void this.negotiate();
    this.pc.onicecandidate = ({ candidate }) => this.send({ candidate: candidate ? (candidate.toJSON() as RTCIceCandidateInitLike) : null });
    this.pc.ontrack = (event) => this.track(event);
    this.pc.onconnectionstatechange = () => options.onConnectionState(this.pc.connectionState);
    if (!options.polite) this.addTracks();
  }

  /** Apply a signal from the other party (in order). */
  receive(signal: CallSignal): Promise<void> {
    this.queue = this.queue.then(() => this.apply(signal)).catch((error: unknown) => this.options.onTrouble?.(error));
    return this.queue;
  }

  /** Renegotiate with fresh ICE (a network change, a failed connection); `config`, when
   * given, carries fresh TURN credentials. An offer of ours that was never answered (lost
   * while the socket was down) is rolled back first. */
  async restartIce(config?: RTCConfiguration): Promise<void> {
    if (this.closed) return;
    if (config) this.pc.setConfiguration(config);
    if (this.pc.signalingState === "have-local-offer") {
      await this.pc.setLocalDescription({ type: "rollback" });
    }
    this.pc.restartIce(); // fires negotiationneeded: a new offer with new ICE credentials
  }

  /** Send `track` instead of the current one of its kind (a device switch, the screen);
   * a kind not sent yet is added, or its receive-only transceiver made to send
   * (renegotiated). */
  async replaceTrack(track: MediaStreamTrack, stream: MediaStream): Promise<void> {
    const transceiver = this.pc.getTransceivers().find((t) => t.currentDirection !== "stopped" && t.direction !== "stopped" && (t.sender.track?.kind ?? t.receiver.track.kind) === track.kind);
    if (!transceiver) {
      this.pc.addTrack(track, stream);
      return;
    }
    await transceiver.sender.replaceTrack(track);
    if (transceiver.direction === "recvonly" || transceiver.direction === "inactive") {
      transceiver.sender.setStreams(stream);
      transceiver.direction = transceiver.direction === "recvonly" ? "sendrecv" : "sendonly";
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  // --- internals ---------------------------------------------------------------------------

  private addTracks(): void {
    if (this.tracksAdded) return;
    this.tracksAdded = true;
    for (const track of this.options.stream.getTracks()) this.pc.addTrack(track, this.options.stream);
  }

  private send(signal: CallSignal): void {
    if (this.closed) return;
    if (!this.options.send(signal)) this.options.onTrouble?.(new Error("signal not sent"));
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (description && description.type === "offer") this.send({ sdp: { type: "offer", sdp: description.sdp } });
    } catch (error) {
      this.options.onTrouble?.(error);
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply(signal: CallSignal): Promise<void> {
    if (this.closed) return;
    if ("sdp" in signal) {
      const description = signal.sdp;
      const collision = description.type === "offer" && (this.makingOffer || this.pc.signalingState !== "stable");
      this.ignoreOffer = !this.options.polite && collision;
      if (this.ignoreOffer) return;
      await this.pc.setRemoteDescription(description); // the polite side rolls its offer back implicitly
      if (description.type === "offer") {
        this.addTracks(); // the callee's first offer: answer with our media
        await this.pc.setLocalDescription();
        const answer = this.pc.localDescription;
        if (answer) this.send({ sdp: { type: "answer", sdp: answer.sdp } });
      }
      return;
    }
    try {
      await this.pc.addIceCandidate(signal.candidate ?? undefined);
    } catch (error) {
      if (!this.ignoreOffer) throw error; // candidates of an offer we ignored may not fit
    }
  }

  private track(event: RTCTrackEvent): void {
    // One stream for everything the other party sends, whatever streams it named.
    this.remote ??= new MediaStream();
    if (!this.remote.getTracks().includes(event.track)) {
      for (const old of this.remote.getTracks().filter((t) => t.kind === event.track.kind)) this.remote.removeTrack(old);
      this.remote.addTrack(event.track);
    }
    this.options.onRemoteStream(this.remote);
  }
}
