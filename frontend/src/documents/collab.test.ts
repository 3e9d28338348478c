/**
 * The co-editing connection against a real y-websocket-protocol server on 127.0.0.1 (made
 * here from y-protocols' sync and awareness, as Portal's server speaks them), with real
 * sockets (`ws`): tickets are single use, so every connection must come with a fresh one.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket as NodeWebSocket, WebSocketServer } from "ws";
import * as Y from "yjs";
import * as syncProtocol from "y-protocols/sync";
import * as awarenessProtocol from "y-protocols/awareness";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";

import { collabServerUrl, connectDocument, userColor, type CollabConnection, type CollabStatus } from "./collab.js";

const SYNC = 0;
const AWARENESS = 1;

interface Room {
  doc: Y.Doc;
  awareness: awarenessProtocol.Awareness;
  sockets: Set<NodeWebSocket>;
}

/** A y-websocket server: `/ws/documents/<id>/?ticket=…`; a ticket works once (4401 after),
 * a document named "forbidden" is refused with 4403. */
class YServer {
  readonly wss: WebSocketServer;
  readonly rooms = new Map<string, Room>();
  readonly tickets: string[] = [];
  readonly paths: string[] = [];
  private readonly used = new Set<string>();

  constructor() {
    this.wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    this.wss.on("connection", (socket, request) => this.connect(socket, request.url ?? ""));
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.wss.address() as { port: number }).port}`;
  }

  private room(id: string): Room {
    let room = this.rooms.get(id);
    if (!room) {
      const doc = new Y.Doc();
      const awareness = new awarenessProtocol.Awareness(doc);
      awareness.setLocalState(null);
      room = { doc, awareness, sockets: new Set() };
      const made = room;
      doc.on("update", (update: Uint8Array, origin: unknown) => {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, SYNC);
        syncProtocol.writeUpdate(encoder, update);
        const frame = encoding.toUint8Array(encoder);
        for (const s of made.sockets) if (s !== origin) s.send(frame);
      });
      awareness.on("update", ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, AWARENESS);
        encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(made.awareness, [...added, ...updated, ...removed]));
        const frame = encoding.toUint8Array(encoder);
        for (const s of made.sockets) s.send(frame);
      });
      this.rooms.set(id, room);
    }
    return room;
  }

  private connect(socket: NodeWebSocket, url: string): void {
    const parsed = new URL(url, "http://x");
    this.paths.push(parsed.pathname);
    const match = /^\/ws\/documents\/([\w-]+)\/$/.exec(parsed.pathname);
    const ticket = parsed.searchParams.get("ticket") ?? "";
    this.tickets.push(ticket);
    if (!match) return socket.close(4404, "no such document");
    if (!ticket || this.used.has(ticket)) return socket.close(4401, "ticket refused");
    this.used.add(ticket);
    if (match[1] === "forbidden") return socket.close(4403, "no access");
    const room = this.room(match[1]!);
    room.sockets.add(socket);
    socket.on("message", (data: Uint8Array) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      const encoder = encoding.createEncoder();
      const type = decoding.readVarUint(decoder);
      if (type === SYNC) {
        encoding.writeVarUint(encoder, SYNC);
        syncProtocol.readSyncMessage(decoder, encoder, room.doc, socket);
        if (encoding.length(encoder) > 1) socket.send(encoding.toUint8Array(encoder));
      } else if (type === AWARENESS) {
        awarenessProtocol.applyAwarenessUpdate(room.awareness, decoding.readVarUint8Array(decoder), socket);
      }
    });
    socket.on("close", () => room.sockets.delete(socket));
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, SYNC);
    syncProtocol.writeSyncStep1(encoder, room.doc);
    socket.send(encoding.toUint8Array(encoder));
  }

  /** Drop every connection as a restarting server would. */
  dropAll(code = 1012): void {
    for (const room of this.rooms.values()) for (const s of room.sockets) s.close(code, "restart");
  }

  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let server: YServer;
const connections: CollabConnection[] = [];
let ticketCount = 0;

function open(documentId: string, statuses: CollabStatus[] = []): CollabConnection {
  const connection = connectDocument({
    documentId,
    origin: server.origin,
    fetchTicket: async () => `ticket-${++ticketCount}`,
    onStatus: (status) => statuses.push(status),
    WebSocketPolyfill: NodeWebSocket as unknown as typeof WebSocket,
  });
  connections.push(connection);
  return connection;
}

beforeEach(async () => {
  server = new YServer();
  await new Promise<void>((resolve) => server.wss.once("listening", () => resolve()));
});

afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy();
  await server.close();
});

describe("the co-editing connection", () => {
  it("connects to /ws/documents/<id>/ with a ticket, and two editors converge", async () => {
    const a = open("doc-1");
    const b = open("doc-1");
    await until(() => a.status === "online" && b.status === "online", "both online");
    expect(server.paths).toEqual(["/ws/documents/doc-1/", "/ws/documents/doc-1/"]);
    expect(new Set(server.tickets).size).toBe(2);
    a.doc.getText("t").insert(0, "Приказ № 1");
    await until(() => b.doc.getText("t").toString() === "Приказ № 1", "b sees a's text");
    b.doc.getText("t").insert(b.doc.getText("t").length, " — согласован");
    await until(() => a.doc.getText("t").toString() === "Приказ № 1 — согласован", "a sees b's text");
  });

  it("shares each editor's name and colour through awareness (what the carets draw)", async () => {
    const a = open("doc-2");
    const b = open("doc-2");
    await until(() => a.status === "online" && b.status === "online", "both online");
    a.provider.awareness.setLocalStateField("user", { name: "Анна", color: userColor("anna") });
    const seen = () => [...b.provider.awareness.getStates().values()].map((s) => (s as { user?: { name: string } }).user?.name).filter(Boolean);
    await until(() => seen().includes("Анна"), "b sees a's name");
  });

  it("reconnects after the server dropped it, with a fresh ticket each time, and sends what was typed meanwhile", async () => {
    const statuses: CollabStatus[] = [];
    const a = open("doc-3", statuses);
    const b = open("doc-3");
    await until(() => a.status === "online" && b.status === "online", "both online");
    server.dropAll();
    await until(() => statuses.includes("offline"), "a offline");
    a.doc.getText("t").insert(0, "offline edit");
    await until(() => a.status === "online" && b.status === "online", "both back", 8000);
    await until(() => b.doc.getText("t").toString() === "offline edit", "b gets the edit made offline", 8000);
    expect(server.tickets).toHaveLength(4);
    expect(new Set(server.tickets).size).toBe(4); // no ticket was used twice
    expect(server.tickets.every((t) => t.startsWith("ticket-"))).toBe(true);
  });

  it("stops for good when the server refuses access (4403), without another attempt", async () => {
    const statuses: CollabStatus[] = [];
    const c = open("forbidden", statuses);
    await until(() => c.status === "denied", "denied");
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(server.tickets).toHaveLength(1);
    expect(statuses).toEqual(["denied"]);
  });

  it("a revoked share closes an open socket with 4404: denied, no reconnect", async () => {
    const a = open("doc-5");
    await until(() => a.status === "online", "online");
    server.dropAll(4404);
    await until(() => a.status === "denied", "denied");
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(server.tickets).toHaveLength(1);
  });

  it("a ticket refused by the API (403, 404) means no access: no socket at all", async () => {
    const { ApiError } = await import("../realtime/index.js");
    const statuses: CollabStatus[] = [];
    const c = connectDocument({
      documentId: "doc-4",
      origin: server.origin,
      fetchTicket: async () => {
        throw new ApiError(404, "document_not_found", "Документ не найден", {}, null);
      },
      onStatus: (s) => statuses.push(s),
      WebSocketPolyfill: NodeWebSocket as unknown as typeof WebSocket,
    });
    connections.push(c);
    await until(() => c.status === "denied", "denied");
    expect(server.tickets).toHaveLength(0);
  });

  it("builds the socket URL from the page's origin", () => {
    expect(collabServerUrl("https://portal.example")).toBe("wss://portal.example/ws/documents");
    expect(collabServerUrl("http://127.0.0.1:8000/")).toBe("ws://127.0.0.1:8000/ws/documents");
    expect(userColor("a")).toBe(userColor("a"));
  });
});
