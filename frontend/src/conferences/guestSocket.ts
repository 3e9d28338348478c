/**
 * A guest's socket, `/ws/conferences/guest/` (docs/api.md, "Conferences"): authenticates
 * with the pass in a first frame, then hears `conference.guest` snapshots of the meeting and
 * the `conference.signal` frames addressed to this guest, and sends the guest's own signals.
 * A dropped connection is opened again a few times; one the server closed because the pass
 * stopped working (4401), or for a bad frame, is not.
 */
import type { Conference, Media, Participant } from "./api.js";
import type { Signal } from "./mesh.js";

export interface GuestSnapshot {
  type: "conference.guest";
  conference: Conference;
  participant: Participant;
  participants: Participant[];
  media: Media | null;
}

export interface SignalFrame extends Signal {
  type: "conference.signal";
  conference_id: string;
  from: string;
}

export interface GuestSocketHandlers {
  snapshot: (snapshot: GuestSnapshot) => void;
  signal: (frame: SignalFrame) => void;
  /** The server closed for good (4401: the pass no longer works). */
  ended: (code: number) => void;
}

const FINAL_CODES = new Set([4400, 4401, 4408, 4413]);
const MAX_RECONNECTS = 5;

export class GuestSocket {
  private ws: WebSocket | null = null;
  private attempts = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly pass: string,
    private readonly handlers: GuestSocketHandlers,
  ) {}

  open(): void {
    const url = `${window.location.origin.replace(/^http/, "ws")}/ws/conferences/guest/`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
      ws.send(JSON.stringify({ type: "auth", token: this.pass }));
    };
    ws.onmessage = (message) => {
      let frame: { type?: string } | null = null;
      try {
        frame = JSON.parse(String(message.data)) as { type?: string };
      } catch {
        return;
      }
      if (frame?.type === "conference.guest") this.handlers.snapshot(frame as GuestSnapshot);
      else if (frame?.type === "conference.signal") this.handlers.signal(frame as SignalFrame);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      if (FINAL_CODES.has(event.code) || this.attempts >= MAX_RECONNECTS) {
        this.handlers.ended(event.code);
        return;
      }
      this.attempts += 1;
      this.timer = setTimeout(() => this.open(), 500 * 2 ** this.attempts);
    };
  }

  send(frame: object): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
  }
}
