import { ClientConnection, type UpgradeRequest } from "@wsengine/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SessionServer, type SessionServerOptions, WebSocketSession } from "../src/index.js";
import { memoryPipe } from "./helpers/memory-transport.js";
import { until } from "./helpers/pair.js";

interface Info {
  readonly id: number;
}

/** `count` clients connected to `server` over memory pipes, each served with info `{ id }`. */
function connect(server: SessionServer<Info>, count: number): { clients: WebSocketSession[]; sessions: WebSocketSession[] } {
  const clients: WebSocketSession[] = [];
  const sessions: WebSocketSession[] = [];
  for (let id = 0; id < count; id++) {
    const [clientSide, serverSide] = memoryPipe();
    clients.push(new WebSocketSession(new ClientConnection({ host: "memory.test", target: "/" }), clientSide));
    sessions.push(server.serve(serverSide, { id }));
  }
  return { clients, sessions };
}

describe("SessionServer", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("hands each connection's info to the upgrade hook and to onConnection, then tracks it until it closes", async () => {
    const seen: string[] = [];
    const options: SessionServerOptions<Info> = {
      onUpgrade: (request: UpgradeRequest, info) => void seen.push(`upgrade ${info.id} ${request.path}`),
      onConnection: (socket, request, info) => {
        seen.push(`open ${info.id} ${request.path}`);
        expect(socket.readyState).toBe(1);
      },
    };
    const server = new SessionServer(options);
    const { clients } = connect(server, 3);
    await until(() => server.clients.size === 3);
    expect(seen.sort()).toEqual(["open 0 /", "open 1 /", "open 2 /", "upgrade 0 /", "upgrade 1 /", "upgrade 2 /"]);
    await Promise.all(clients.map((c) => c.close(1000)));
    await until(() => server.clients.size === 0);
  });

  it("builds its connections' frames in one set of shared slabs, unless the adapter brought an allocator", async () => {
    // What a server writes for one 200-byte message, with and without an allocator of its own.
    async function framesWritten(options: SessionServerOptions<Info>): Promise<Uint8Array[]> {
      const written: Uint8Array[] = [];
      const server = new SessionServer<Info>({ ...options, onConnection: (socket) => void socket.send("x".repeat(200)) });
      const [clientSide, serverSide] = memoryPipe();
      const write = serverSide.write.bind(serverSide);
      serverSide.write = (chunks) => (written.push(...chunks), write(chunks));
      const client = new WebSocketSession(new ClientConnection({ host: "memory.test", target: "/" }), clientSide);
      server.serve(serverSide, { id: 0 });
      const message = new Promise((resolve) => client.on("message", resolve));
      await message;
      await server.close({ timeout: 100 });
      return written.filter((chunk) => chunk.length === 204); // the text frame: a 4-byte header
    }
    const [first] = await framesWritten({});
    const [second] = await framesWritten({});
    expect(first!.buffer.byteLength).toBe(64 * 1024);
    expect(second!.buffer).toBe(first!.buffer); // another server, the same slab
    const own: number[] = [];
    const [mine] = await framesWritten({ allocateOutgoing: (n) => (own.push(n), new Uint8Array(n)) });
    expect(own.length).toBeGreaterThan(0);
    expect(own).toContain(mine!.buffer.byteLength);
  });

  it("reports each failing connection to onError with its session", async () => {
    const errors: WebSocketSession[] = [];
    const server = new SessionServer<Info>({ onUpgrade: () => Promise.reject(new Error("no")), onError: (_error, socket) => errors.push(socket) });
    const { sessions } = connect(server, 2);
    await until(() => errors.length === 2);
    expect(new Set(errors)).toEqual(new Set(sessions));
  });

  it("runs one runtime timer per duration for all its connections' keepalive", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const server = new SessionServer<Info>({ pingInterval: 987_654 });
    const { clients } = connect(server, 20);
    await until(() => server.clients.size === 20);
    expect(spy.mock.calls.filter((call) => call[1] === 987_654)).toHaveLength(1);
    await Promise.all(clients.map((c) => c.close(1000)));
    await server.close({ timeout: 100 });
  });
});
