/**
 * The call this tab carries: the one it started, or the one answered here (a user is in at
 * most one call; the server refuses a second). It holds the media and the peer connection,
 * follows the call's state in the app state (`AppState.calls`, kept by the one dispatcher)
 * and relays `call.signal` frames between the socket and the peer. Other tabs and devices of
 * the same user only see the call's state: signals for a call they do not carry are ignored.
 *
 * The screens read `useCallSession()`; nothing here knows React beyond that hook.
 */
import { useSyncExternalStore } from "react";
import type { CallSignal, EphemeralFrame } from "../realtime/index.js";
import type { AppState, AppStore } from "../app/store.js";
import { errorCode, errorMessage } from "../ui/errors.js";
import { callsApi, type Call, type CallKind, type CallState, type CallTarget, type IceServers } from "./api.js";
import { listDevices, MediaError, openDevice, openLocalMedia, openScreen, type DeviceChoice, type Devices } from "./media.js";
import { CallPeer } from "./peer.js";
import { emptyCalls, isOver, mergeCall } from "./state.js";
import type { CallsKey } from "./messages.js";

export type Phase = "idle" | "starting" | "outgoing" | "connecting" | "active" | "ended";

export interface SessionView {
  phase: Phase;
  callId: string | null;
  kind: CallKind;
  role: "caller" | "callee";
  /** The other party's user id. */
  peerId: string | null;
  /** What we send: the microphone, and the camera (or the screen while sharing). */
  local: MediaStream | null;
  remote: MediaStream | null;
  muted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  /** The peer connection's state, once there is one. */
  connection: RTCPeerConnectionState | null;
  /** The connection broke and ICE is being restarted. */
  reconnecting: boolean;
  /** Media goes through the TURN server (the selected candidate pair is a relay's). */
  relayed: boolean | null;
  /** When this tab's connection first came up (ms): the duration counts from here. */
  connectedAt: number | null;
  /** When it ended here (ms). */
  endedAt: number | null;
  endState: CallState | null;
  /** Why it is over besides its state, or a passing remark (camera unavailable…). */
  note: CallsKey | null;
  /** A refusal in the server's words. */
  error: string | null;
  devices: Devices;
  choice: DeviceChoice;
}

const IDLE: SessionView = {
  phase: "idle", callId: null, kind: "audio", role: "caller", peerId: null, local: null, remote: null,
  muted: false, cameraOff: false, sharing: false, connection: null, reconnecting: false, relayed: null,
  connectedAt: null, endedAt: null, endState: null, note: null, error: null,
  devices: { microphones: [], cameras: [] }, choice: { microphone: null, camera: null },
};
// The "call ended" card closes by itself after this long.
const ENDED_SHOWN_MS = 8000;
// A connection "disconnected" this long is restarted (it may come back by itself before).
const DISCONNECTED_RESTART_MS = 3000;
// ICE restarts in a row without reaching "connected" before giving up (the server ends the
// call once a party's sockets are gone; this bounds the attempts of a live tab).
const MAX_RESTARTS = 8;

export class CallSession {
  private view: SessionView = IDLE;
  private readonly listeners = new Set<() => void>();
  private peer: CallPeer | null = null;
  private ice: IceServers | null = null;
  private pending: CallSignal[] = [];
  private camera: MediaStreamTrack | null = null;
  private screen: MediaStreamTrack | null = null;
  private lastCall: Call | null = null;
  private restarts = 0;
  private signalLost = false;
  private timers: ReturnType<typeof setTimeout>[] = [];

  constructor(private readonly store: AppStore) {}

  /** Listen to the app state, the socket and the network; returns the function that stops. */
  start(): () => void {
    const client = this.store.client;
    const stops = [
      this.store.subscribe(() => this.follow(this.store.getState())),
      client.on("ephemeral", (frame) => this.signal(frame)),
      client.on("protocolError", ({ error }) => {
        const code = error?.code ?? "";
        if (this.view.callId && (code === "call_not_active" || code === "call_not_found" || code === "call_other_device")) void this.refresh();
      }),
      client.on("state", (state) => {
        if (state.status === "online" && this.signalLost) void this.restartIce();
        // Signed out (here or in another tab), wiped, refused: no media stays open.
        if (state.status === "signed_out" || state.status === "device_refused") this.reset(IDLE);
      }),
    ];
    const online = () => void this.restartIce(true); // a network change: new paths, new candidates
    window.addEventListener("online", online);
    const devicesChanged = () => void this.refreshDevices();
    navigator.mediaDevices?.addEventListener?.("devicechange", devicesChanged);
    return () => {
      stops.forEach((stop) => stop());
      window.removeEventListener("online", online);
      navigator.mediaDevices?.removeEventListener?.("devicechange", devicesChanged);
    };
  }

  getView = (): SessionView => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get busy(): boolean {
    return this.view.phase !== "idle" && this.view.phase !== "ended";
  }

  // --- what the screens do ------------------------------------------------------------------

  /** Call someone: media and ICE servers first (so a refusal of the camera costs no ring),
   * then `POST /calls`; the peer connection starts when the callee answers. */
  async placeCall(kind: CallKind, target: CallTarget, peerId: string | null): Promise<void> {
    if (this.busy) return;
    this.reset({ ...IDLE, phase: "starting", kind, role: "caller", peerId, choice: this.view.choice });
    try {
      await this.prepare(kind);
      if (this.view.phase !== "starting") return; // hung up while the camera opened
      const call = await callsApi.start(kind, target);
      if (this.view.phase !== "starting") {
        void callsApi.hangup(call.id).catch(() => undefined); // hung up meanwhile: do not let it ring
        return;
      }
      this.set({ callId: call.id, peerId: call.callee_id, phase: "outgoing" });
      // A busy callee's call is over at once: follow() shows it.
      this.merge(call);
      this.follow(this.store.getState());
    } catch (error) {
      if (this.busy) this.fail(error);
    }
  }

  /** Answer a ringing call on this tab: media and the (polite) peer first, then
   * `POST …/accept`; the caller's offer may come before the answer does. */
  async answer(call: Call): Promise<void> {
    if (this.busy) return;
    this.reset({ ...IDLE, phase: "connecting", kind: call.kind, role: "callee", callId: call.id, peerId: call.caller_id, choice: this.view.choice });
    try {
      await this.prepare(call.kind);
      if (!this.busy) return; // the call ended while the camera opened
      this.createPeer(true);
      const accepted = await callsApi.accept(call.id);
      this.merge(accepted);
    } catch (error) {
      if (!this.busy) return; // over already: the call's own state says how
      if (errorCode(error) === "call_answered_elsewhere") this.finish("accepted", "answeredElsewhere");
      else this.fail(error);
    }
  }

  async decline(call: Call): Promise<void> {
    try {
      this.merge(await callsApi.decline(call.id));
    } catch {
      void this.refresh(call.id);
    }
  }

  /** Cancel a call still ringing, or end one that was answered. */
  async hangUp(): Promise<void> {
    const callId = this.view.callId;
    if (!callId) {
      this.finish("cancelled");
      return;
    }
    try {
      this.merge(await callsApi.hangup(callId));
    } catch {
      void this.refresh(callId);
    }
    if (this.busy) this.finish(this.view.phase === "outgoing" ? "cancelled" : "ended");
  }

  toggleMute(): void {
    const muted = !this.view.muted;
    this.view.local?.getAudioTracks().forEach((t) => (t.enabled = !muted));
    this.set({ muted });
  }

  /** The camera off (black frames, the light stays on), or on — in an audio call (or one whose
   * camera failed) the camera is opened and added to the call. */
  async toggleCamera(): Promise<void> {
    if (this.camera) {
      const cameraOff = !this.view.cameraOff;
      this.camera.enabled = !cameraOff;
      this.set({ cameraOff });
      return;
    }
    try {
      const track = await openDevice("video", this.view.choice.camera);
      this.camera = track;
      if (!this.screen) await this.sendVideo(track);
      this.set({ cameraOff: false });
    } catch {
      this.set({ note: "mediaUnavailable" });
    }
  }

  /** Share the screen in place of the camera (`replaceTrack`: no renegotiation when video
   * was sent already), and back when stopped here or by the browser's own button. */
  async toggleScreen(): Promise<void> {
    if (this.screen) {
      this.stopScreen();
      return;
    }
    let track: MediaStreamTrack;
    try {
      track = await openScreen();
    } catch {
      this.set({ note: "screenFailed" });
      return;
    }
    if (!this.busy) {
      track.stop();
      return;
    }
    this.screen = track;
    track.addEventListener("ended", () => this.stopScreen());
    await this.sendVideo(track);
    this.set({ sharing: true });
  }

  /** Use another microphone or camera from now on. */
  async chooseDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    const choice = { ...this.view.choice, [kind === "audio" ? "microphone" : "camera"]: deviceId };
    this.set({ choice });
    if (!this.view.local || (kind === "video" && !this.camera)) return;
    try {
      const track = await openDevice(kind, deviceId);
      if (kind === "audio") {
        track.enabled = !this.view.muted;
        const old = this.view.local.getAudioTracks();
        await this.peer?.replaceTrack(track, this.view.local);
        this.swapLocal(old, track);
      } else {
        track.enabled = !this.view.cameraOff;
        const old = this.camera;
        this.camera = track;
        if (!this.screen) await this.sendVideo(track);
        old?.stop();
      }
    } catch {
      this.set({ note: "mediaUnavailable" });
    }
  }

  /** Close the "call ended" card. */
  dismiss(): void {
    if (this.view.phase === "ended") this.reset(IDLE);
  }

  // --- following the call -------------------------------------------------------------------

  private follow(state: AppState): void {
    const id = this.view.callId;
    if (!id || !this.busy) return;
    const call = (state.calls ?? emptyCalls).byId[id];
    if (!call || call === this.lastCall) return;
    this.lastCall = call;
    if (isOver(call.state)) {
      this.finish(call.state);
    } else if (call.state === "accepted" && this.view.role === "caller" && !this.peer) {
      this.set({ phase: "connecting" });
      this.createPeer(false);
    }
  }

  private merge(call: Call): void {
    this.store.update((s) => ({ ...s, calls: mergeCall(s.calls ?? emptyCalls, call) }));
  }

  private async refresh(callId = this.view.callId): Promise<void> {
    if (!callId) return;
    try {
      this.merge(await callsApi.get(callId));
    } catch {
      // not reachable now: the events will tell
    }
  }

  private signal(frame: EphemeralFrame): void {
    if (frame.type !== "call.signal" || frame["call_id"] !== this.view.callId || !this.busy) return;
    const signal: CallSignal = "sdp" in frame ? { sdp: frame["sdp"] as { type: "offer" | "answer"; sdp: string } } : { candidate: (frame["candidate"] ?? null) as null };
    if (this.peer) void this.peer.receive(signal);
    else this.pending.push(signal);
  }

  // --- media and the peer -------------------------------------------------------------------

  private async prepare(kind: CallKind): Promise<void> {
    const [media, ice] = await Promise.all([openLocalMedia(kind, this.view.choice), callsApi.iceServers()]);
    if (!this.busy) {
      media.stream.getTracks().forEach((t) => t.stop());
      return;
    }
    this.ice = ice;
    this.camera = media.stream.getVideoTracks()[0] ?? null;
    this.set({ local: media.stream, note: media.videoLost ? "videoFallback" : null });
    void this.refreshDevices();
  }

  private config(ice: IceServers): RTCConfiguration {
    return { iceServers: ice.ice_servers as RTCIceServer[], iceTransportPolicy: ice.ice_transport_policy };
  }

  private createPeer(polite: boolean): void {
    const local = this.view.local;
    const callId = this.view.callId;
    if (!local || !this.ice || !callId || this.peer) return;
    this.peer = new CallPeer({
      config: this.config(this.ice),
      polite,
      stream: local,
      send: (signal) => this.store.client.sendCallSignal(callId, signal),
      onRemoteStream: (remote) => this.set({ remote }),
      onConnectionState: (connection) => this.connectionChanged(connection),
      onTrouble: () => {
        this.signalLost = true;
      },
    });
    const pending = this.pending;
    this.pending = [];
    pending.forEach((signal) => void this.peer!.receive(signal));
  }

  private connectionChanged(connection: RTCPeerConnectionState): void {
    if (!this.busy) return;
    if (connection === "connected") {
      this.restarts = 0;
      this.signalLost = false;
      this.set({ connection, phase: "active", reconnecting: false, connectedAt: this.view.connectedAt ?? Date.now() });
      void this.checkRelay();
    } else if (connection === "failed") {
      this.set({ connection, reconnecting: true });
      void this.restartIce();
    } else if (connection === "disconnected") {
      this.set({ connection, reconnecting: true });
      // The caller restarts (the callee's offer would cross it; the callee restarts on "failed").
      if (this.view.role === "caller") this.later(DISCONNECTED_RESTART_MS, () => this.peer?.pc.connectionState === "disconnected" && void this.restartIce());
    } else {
      this.set({ connection });
    }
  }

  /** A new offer with fresh ICE and, as credentials expire, fresh TURN credentials; unless
   * `always` (the network changed), only when the connection is not up or a signal was lost. */
  private async restartIce(always = false): Promise<void> {
    const peer = this.peer;
    if (!peer || !this.busy || (!always && peer.pc.connectionState === "connected" && !this.signalLost)) return;
    if (always) this.restarts = 0;
    if (this.restarts >= MAX_RESTARTS) return;
    this.restarts += 1;
    this.signalLost = false;
    let config: RTCConfiguration | undefined;
    try {
      this.ice = await callsApi.iceServers();
      config = this.config(this.ice);
    } catch {
      // offline still: the old credentials may do; the socket's return tries again
      this.signalLost = true;
    }
    if (this.peer === peer) await peer.restartIce(config).catch(() => (this.signalLost = true));
  }

  private async checkRelay(): Promise<void> {
    const pc = this.peer?.pc;
    if (!pc) return;
    try {
      const stats = await pc.getStats();
      let pairId: string | null = null;
      stats.forEach((report: { type: string; selectedCandidatePairId?: string }) => {
        if (report.type === "transport" && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
      });
      const pair = pairId ? (stats.get(pairId) as { localCandidateId?: string } | undefined) : undefined;
      const local = pair?.localCandidateId ? (stats.get(pair.localCandidateId) as { candidateType?: string } | undefined) : undefined;
      if (local?.candidateType) this.set({ relayed: local.candidateType === "relay" });
    } catch {
      // statistics are a nicety
    }
  }

  private async sendVideo(track: MediaStreamTrack): Promise<void> {
    const local = this.view.local;
    if (!local) return;
    await this.peer?.replaceTrack(track, local);
    this.swapLocal(local.getVideoTracks(), track, false);
  }

  private stopScreen(): void {
    const screen = this.screen;
    if (!screen) return;
    this.screen = null;
    screen.stop();
    const local = this.view.local;
    if (local && this.camera) void this.sendVideo(this.camera);
    else if (local) {
      for (const sender of this.peer?.pc.getSenders() ?? []) if (sender.track === screen) void sender.replaceTrack(null);
      this.swapLocal(local.getVideoTracks(), null, false);
    }
    this.set({ sharing: false });
  }

  /** Put `track` in the local stream in place of `old` (stopped unless it is the camera held
   * aside while the screen is shared); a new stream object, so that previews re-render. */
  private swapLocal(old: MediaStreamTrack[], track: MediaStreamTrack | null, stopOld = true): void {
    const local = this.view.local;
    if (!local) return;
    const kept = local.getTracks().filter((t) => !old.includes(t));
    for (const t of old) if (stopOld && t !== this.camera) t.stop();
    this.set({ local: new MediaStream(track ? [...kept, track] : kept) });
  }

  private async refreshDevices(): Promise<void> {
    try {
      const devices = await listDevices();
      if (this.busy) this.set({ devices });
    } catch {
      // no device list: the defaults stay
    }
  }

  // --- ending -------------------------------------------------------------------------------

  private fail(error: unknown): void {
    if (error instanceof MediaError) this.finish(null, error.problem === "denied" ? "mediaDenied" : "mediaUnavailable");
    else {
      this.set({ error: errorMessage(error) });
      this.finish(null);
    }
  }

  /** Stop the media and the peer, show how it ended. */
  private finish(state: CallState | null, note: CallsKey | null = null): void {
    this.teardown();
    this.set({ phase: "ended", endState: state, endedAt: Date.now(), note: note ?? this.view.note, reconnecting: false, local: null, remote: null });
    this.later(ENDED_SHOWN_MS, () => this.dismiss());
  }

  private teardown(): void {
    this.peer?.close();
    this.peer = null;
    for (const track of [...(this.view.local?.getTracks() ?? []), this.camera, this.screen]) track?.stop();
    this.camera = this.screen = null;
    this.pending = [];
    this.timers.forEach(clearTimeout);
    this.timers = [];
  }

  private reset(view: SessionView): void {
    this.teardown();
    this.lastCall = null;
    this.ice = null;
    this.restarts = 0;
    this.signalLost = false;
    this.view = view;
    this.emit();
  }

  private later(ms: number, run: () => void): void {
    this.timers.push(setTimeout(run, ms));
  }

  private set(patch: Partial<SessionView>): void {
    this.view = { ...this.view, ...patch };
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

let instance: CallSession | null = null;

/** The tab's call session, made and started on first use. */
export function callSession(store: AppStore): CallSession {
  if (!instance) {
    instance = new CallSession(store);
    instance.start();
  }
  return instance;
}

export function useCallSession(store: AppStore): SessionView {
  const session = callSession(store);
  return useSyncExternalStore(session.subscribe, session.getView);
}
