/** The Node side of the tests: real servers on 127.0.0.1 made with @wsengine/node. */
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import type { TestCertificate } from "@wsengine/adapter-suite/node";
import { type CloseInfo, listen, permessageDeflate, type WebSocketServer, type WebSocketSession } from "@wsengine/node";

const MiB = 1 << 20;

function everyByte(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8)) & 0xff;
  return out;
}

/** How each server-side connection ended, by the client's `X-Case-Id` header. */
export type ServerCloses = Map<string, Promise<CloseInfo>>;

/** What a connection does, by request path. */
function serve(ws: WebSocketSession, path: string): void {
  switch (path) {
    case "/inspect": {
      const h = ws.request!.headers;
      void ws.send(JSON.stringify({
        path: ws.request!.target,
        custom: h.get("x-custom") ?? null,
        authorization: h.get("authorization") ?? null,
        offered: h.get("sec-websocket-protocol") ?? null,
        host: h.get("host") ?? null,
      }));
      ws.on("message", (m) => void ws.send(m));
      return;
    }
    case "/close":
      void ws.close(4002, "server bye ✓");
      return;
    case "/abrupt":
      void ws.send("bye").then(() => setTimeout(() => ws.terminate(), 20));
      return;
    case "/hold": {
      // Read nothing for 500 ms (the session pauses the socket past its receive high-water
      // mark), then count the bytes and answer "done" with the total.
      setTimeout(async () => {
        let bytes = 0;
        for await (const m of ws) {
          if (m === "done") {
            void ws.send(JSON.stringify({ bytes }));
            break;
          }
          bytes += typeof m === "string" ? m.length : m.byteLength;
        }
      }, 500);
      return;
    }
    case "/flood": {
      void (async () => {
        const chunk = everyByte(MiB);
        let maxWaitMs = 0;
        for (let i = 0; i < 24; i++) {
          const started = performance.now();
          await ws.send(chunk);
          maxWaitMs = Math.max(maxWaitMs, performance.now() - started);
        }
        await ws.send(JSON.stringify({ maxWaitMs }));
      })().catch(() => {});
      return;
    }
    default:
      ws.on("message", (m) => void ws.send(m));
  }
}

/**
 * The echo server the Worker connects to: subprotocol "chat", permessage-deflate, and routes
 * for the scenarios (`/inspect`, `/close`, `/abrupt`, `/reject`, `/redirect`, `/hold`, `/flood`;
 * anything else echoes). `autoPong: false` makes the keepalive-timeout server.
 */
export async function startEchoServer(options: { tls?: TestCertificate; autoPong?: boolean; closes?: ServerCloses } = {}): Promise<WebSocketServer> {
  return listen({
    host: "127.0.0.1",
    ...(options.tls === undefined ? {} : { tls: { key: options.tls.key, cert: options.tls.cert } }),
    ...(options.autoPong === undefined ? {} : { autoPong: options.autoPong }),
    subprotocols: ["chat"],
    extensions: [permessageDeflate()],
    closeTimeout: 2000,
    onUpgrade: (request) => {
      if (request.path === "/reject") return { action: "reject", status: 401, headers: [["WWW-Authenticate", "Bearer"]], body: "login required" };
      if (request.path === "/redirect") return { action: "reject", status: 302, headers: [["Location", "/echo"]] };
      return { action: "accept", headers: [["X-Server", "wsengine-node"]] };
    },
    onConnection: (ws, request) => {
      const id = request.headers.get("x-case-id");
      if (id !== undefined) options.closes?.set(id, ws.closed);
      serve(ws, request.path);
    },
  });
}

/** A TCP server that accepts connections and never writes: for the handshake timeout. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
