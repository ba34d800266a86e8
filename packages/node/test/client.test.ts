import { once } from "node:events";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { attach, connect, HandshakeRejectedError, listen, type UpgradeRequest, WebSocketError } from "../src/index.js";
import { makeCertificate, rawSocket, readHead, type SelfSignedCert, startHttp, startWs } from "./helpers/servers.js";

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A server that redirects every upgrade to `location(request)`. */
async function redirector(location: (request: UpgradeRequest) => string, status = 302): Promise<{ url: string; port: number }> {
  const h = await startWs({ onUpgrade: (request) => ({ action: "reject", status, headers: [["Location", location(request)]] }) });
  cleanup.push(h.close);
  return h;
}

describe("redirects", () => {
  it("follows redirects up to maxRedirects and keeps credentials on the same origin", async () => {
    const seen: Array<string | undefined> = [];
    const target = await startWs({ onUpgrade: (request) => void seen.push(request.headers.get("authorization")) });
    cleanup.push(target.close);
    const hop = await redirector(() => `${target.url}/final`, 307);
    const ws = await connect(`${hop.url}/start`, { maxRedirects: 2, headers: [["Authorization", "Bearer t"], ["Cookie", "c=1"]] });
    expect(ws.request).toBeNull();
    expect(ws.readyState).toBe(1);
    ws.terminate();
    // 127.0.0.1 on another port is another origin: credentials were dropped.
    expect(seen).toEqual([undefined]);
  });

  it("keeps Authorization on a same-origin redirect", async () => {
    const seen: Array<string | undefined> = [];
    const h = await startWs({
      onUpgrade: (request) => {
        if (request.path === "/old") return { action: "reject", status: 301, headers: [["Location", "/new"]] };
        seen.push(request.headers.get("authorization"));
      },
    });
    cleanup.push(h.close);
    const ws = await connect(`${h.url}/old`, { maxRedirects: 1, headers: { Authorization: "Bearer t" } });
    ws.terminate();
    expect(seen).toEqual(["Bearer t"]);
  });

  it("stops after maxRedirects", async () => {
    const loop = await redirector((request) => request.path);
    const error = await connect(loop.url, { maxRedirects: 3 }).catch((e: unknown) => e);
    expect((error as WebSocketError).code).toBe("TOO_MANY_REDIRECTS");
  });

  it("does not follow redirects by default: the 3xx is the error", async () => {
    const hop = await redirector(() => "ws://127.0.0.1:1/");
    const error = await connect(hop.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandshakeRejectedError);
    expect((error as HandshakeRejectedError).headers.get("location")).toBe("ws://127.0.0.1:1/");
  });
});

describe("wss:// with TLS", () => {
  let cert: SelfSignedCert;
  beforeAll(() => {
    cert = makeCertificate();
  });

  it("connects to a standalone tls listener, verifying the test CA", async () => {
    const wss = await listen({ host: "127.0.0.1", tls: { key: cert.key, cert: cert.cert }, onConnection: (ws) => ws.on("message", (m) => void ws.send(m)) });
    cleanup.push(() => wss.close({ timeout: 100 }));
    const ws = await connect(`wss://localhost:${wss.address()!.port}/`, { tls: { ca: cert.cert } });
    const reply = new Promise((resolve) => ws.once("message", resolve));
    await ws.send("secure ✓");
    expect(await reply).toBe("secure ✓");
    await ws.close(1000);
  });

  it("works on an https server beside its routes", async () => {
    const https = createHttpsServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end("ok"));
    https.listen(0, "127.0.0.1");
    await once(https, "listening");
    const wss = attach(https, { onConnection: (ws) => void ws.send("hello over tls") });
    cleanup.push(async () => {
      await wss.close({ timeout: 100 });
      https.closeAllConnections();
      await new Promise((r) => https.close(r));
    });
    const ws = await connect(`wss://127.0.0.1:${(https.address() as AddressInfo).port}`, { tls: { ca: cert.cert } });
    expect(await new Promise((resolve) => ws.once("message", resolve))).toBe("hello over tls");
    ws.terminate();
  });

  it("refuses an untrusted certificate with TRANSPORT_ERROR", async () => {
    const wss = await listen({ host: "127.0.0.1", tls: { key: cert.key, cert: cert.cert } });
    cleanup.push(() => wss.close({ timeout: 100 }));
    const error = await connect(`wss://localhost:${wss.address()!.port}/`).catch((e: unknown) => e);
    expect((error as WebSocketError).code).toBe("TRANSPORT_ERROR");
  });

  it("refuses a redirect from wss to ws", async () => {
    const wss = await listen({
      host: "127.0.0.1",
      tls: { key: cert.key, cert: cert.cert },
      onUpgrade: () => ({ action: "reject", status: 302, headers: [["Location", "ws://127.0.0.1:1/"]] }),
    });
    cleanup.push(() => wss.close({ timeout: 100 }));
    const error = await connect(`wss://localhost:${wss.address()!.port}/`, { tls: { ca: cert.cert }, maxRedirects: 5 }).catch((e: unknown) => e);
    expect((error as WebSocketError).code).toBe("INVALID_REDIRECT");
  });
});

describe("connection failures", () => {
  it("rejects with TRANSPORT_ERROR carrying the cause when the port is closed", async () => {
    const http = await startHttp();
    await http.close();
    const error = await connect(http.url).catch((e: unknown) => e);
    expect((error as WebSocketError).code).toBe("TRANSPORT_ERROR");
    expect(((error as WebSocketError).cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
  });

  it("rejects with HANDSHAKE_TIMEOUT when the server never answers", async () => {
    const silent = await startHttp();
    cleanup.push(silent.close);
    // An upgrade listener that holds the socket and says nothing.
    const held: Array<{ destroy(): void }> = [];
    silent.server.on("upgrade", (_req, socket) => held.push(socket));
    cleanup.push(async () => held.forEach((s) => s.destroy()));
    const started = Date.now();
    const error = await connect(silent.url, { handshakeTimeout: 60 }).catch((e: unknown) => e);
    expect((error as WebSocketError).code).toBe("HANDSHAKE_TIMEOUT");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("fails the handshake when the server's 101 is invalid", async () => {
    const bad = await startHttp();
    cleanup.push(bad.close);
    bad.server.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n"));
    const error = await connect(bad.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(HandshakeRejectedError);
  });

  it("throws synchronously-rejected INVALID_URL for a bad URL", async () => {
    await expect(connect("ftp://127.0.0.1/")).rejects.toMatchObject({ code: "INVALID_URL" });
  });

  it("sends custom headers and reads the server's raw request", async () => {
    const http = await startHttp();
    cleanup.push(http.close);
    const seen = new Promise<string>((resolve) =>
      http.server.on("upgrade", (req, socket) => {
        resolve(String(req.headers["x-custom"]));
        socket.destroy();
      }),
    );
    void connect(http.url, { headers: [["X-Custom", "value ✓".replace("✓", "ok")]] }).catch(() => {});
    expect(await seen).toBe("value ok");
  });
});

it("is reachable by a raw client: the 101 response is well-formed", async () => {
  const h = await startWs({});
  cleanup.push(h.close);
  const socket = await rawSocket(h.port);
  socket.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  const { head } = await readHead(socket);
  expect(head).toMatch(/^HTTP\/1\.1 101/);
  expect(head).toMatch(/Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
  socket.destroy();
});
