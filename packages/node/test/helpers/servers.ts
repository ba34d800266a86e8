/** Real servers and raw sockets on 127.0.0.1 for the adapter's tests. */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attach, type WebSocketServer, type WebSocketServerOptions } from "../../src/index.js";

export interface HttpHarness {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** An http server with a `/health` route, listening on 127.0.0.1. */
export async function startHttp(handler?: (req: IncomingMessage, res: ServerResponse) => void): Promise<HttpHarness> {
  const server = createServer(
    handler ??
      ((req, res) => {
        if (req.url === "/health") res.end("ok");
        else {
          res.statusCode = 404;
          res.end("not found");
        }
      }),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An http server with one WebSocket server attached. */
export async function startWs(options: WebSocketServerOptions): Promise<HttpHarness & { wss: WebSocketServer }> {
  const http = await startHttp();
  const wss = attach(http.server, options);
  return {
    ...http,
    wss,
    close: async () => {
      await wss.close({ timeout: 200 });
      await http.close();
    },
  };
}

/** A raw TCP connection to 127.0.0.1:port. */
export async function rawSocket(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  return socket;
}

/** A valid upgrade request for `path`. */
export function upgradeRequest(path = "/", extra = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

/** Read from `socket` until the end of an HTTP head; returns the head and what followed. */
export async function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  let buffered = Buffer.alloc(0);
  for (;;) {
    const end = buffered.indexOf("\r\n\r\n");
    if (end !== -1) return { head: buffered.subarray(0, end).toString("latin1"), rest: buffered.subarray(end + 4) };
    const [chunk] = (await once(socket, "data")) as [Buffer];
    buffered = Buffer.concat([buffered, chunk]);
  }
}

/** A masked client frame (RFC 6455 §5.2), for raw peers. */
export function clientFrame(opcode: number, payload: Uint8Array, fin = true): Buffer {
  const key = [0x12, 0x34, 0x56, 0x78];
  const length = payload.length;
  const header = length < 126 ? [0x80 * +fin | opcode, 0x80 | length] : [0x80 * +fin | opcode, 0x80 | 126, length >> 8, length & 0xff];
  const out = Buffer.alloc(header.length + 4 + length);
  out.set(header, 0);
  out.set(key, header.length);
  for (let i = 0; i < length; i++) out[header.length + 4 + i] = payload[i]! ^ key[i & 3]!;
  return out;
}

export interface SelfSignedCert {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI. */
export function makeCertificate(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), "wsengine-tls-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every byte value, repeated to `length`. */
export function everyByte(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8)) & 0xff;
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `predicate` until it holds or `ms` pass. */
export async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(2);
  }
}
