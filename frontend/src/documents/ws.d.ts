/**
 * The part of the `ws` package (a devDependency: Node's WebSocket client and server) that
 * collab.test.ts uses; `ws` ships no types and @types/node is not installed.
 */
declare module "ws" {
  export class WebSocket {
    constructor(url: string, protocols?: string | string[]);
    send(data: Uint8Array): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    on(event: "message", listener: (data: Uint8Array) => void): this;
    on(event: "close", listener: () => void): this;
  }
  export class WebSocketServer {
    constructor(options: { host: string; port: number });
    readonly clients: Set<WebSocket>;
    address(): { port: number } | string | null;
    on(event: "connection", listener: (socket: WebSocket, request: { url?: string }) => void): this;
    once(event: "listening", listener: () => void): this;
    close(callback?: () => void): void;
  }
}
