/**
 * Failing the connection on the real `bun` binary: a raw 127.0.0.1 server answers the upgrade,
 * then sends a frame the client must refuse followed by much more input, as the conformance kit
 * did when it found the client resetting the connection without its Close frame
 * (reports/bun-client.md). The Close must arrive, masked and with the right code, and the
 * connection must end with FINs rather than a reset, which can destroy that Close before the
 * server reads it.
 */
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRuntime, killChildren, runArgs, runToExit } from "@wsengine/adapter-suite/node";

const bun = findRuntime("bun");
if (bun.path === null) console.warn(`[bun] skipping the fail-close tests: ${bun.reason}`);

/** What the server saw, in order. */
type Seen = { readonly kind: "close"; readonly masked: boolean; readonly code: number | null } | { readonly kind: "other-frame"; readonly opcode: number } | { readonly kind: "fin" } | { readonly kind: "reset"; readonly error: string };

/** A text frame of `n` (< 65536) bytes of "a": input the client reads after failing and must discard. */
function textFrame(n: number): Uint8Array {
  const frame = new Uint8Array(4 + n).fill(0x61);
  frame.set([0x81, 126, n >>> 8, n & 0xff]);
  return frame;
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, "hex"));
// 16 MiB: more than the socket buffers on both sides hold, so the server is still writing when
// the client fails. A client that closed instead of half-closing leaves input unread, its kernel
// answers with a reset, and the server's pending write reports it: no timing involved.
const TRAILING = Buffer.concat(Array.from({ length: 256 }, () => textFrame(65535)));

/** Answer one upgrade with 101, then write `script`; record what comes back until the connection ends. */
function serveOnce(server: Server, script: Uint8Array): Promise<Seen[]> {
  return new Promise((resolve) => {
    server.once("connection", (socket: Socket) => {
      const seen: Seen[] = [];
      let buffered = Buffer.alloc(0);
      let upgraded = false;
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (!upgraded) {
          const end = buffered.indexOf("\r\n\r\n");
          if (end < 0) return;
          const key = /^sec-websocket-key:\s*(\S+)/im.exec(buffered.subarray(0, end).toString("latin1"))?.[1] ?? "";
          const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
          buffered = buffered.subarray(end + 4);
          upgraded = true;
          socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
          socket.write(script);
        }
        for (let frame = parseFrame(buffered); frame !== null; frame = parseFrame(buffered)) {
          buffered = buffered.subarray(frame.size);
          if (frame.opcode !== 0x8) {
            seen.push({ kind: "other-frame", opcode: frame.opcode });
            continue;
          }
          seen.push({ kind: "close", masked: frame.masked, code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null });
          // RFC 6455 §7.1.1: the server closes the TCP connection first.
          socket.end();
        }
      });
      socket.on("end", () => seen.push({ kind: "fin" }));
      socket.on("error", (error) => seen.push({ kind: "reset", error: error.message }));
      socket.on("close", () => resolve(seen));
    });
  });
}

function parseFrame(bytes: Buffer): { opcode: number; masked: boolean; payload: Buffer; size: number } | null {
  if (bytes.length < 2) return null;
  const masked = (bytes[1]! & 0x80) !== 0;
  let length = bytes[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return null;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return null;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  const key = masked ? bytes.subarray(offset, offset + 4) : null;
  if (key !== null) offset += 4;
  if (bytes.length < offset + length) return null;
  const payload = Buffer.from(bytes.subarray(offset, offset + length));
  if (key !== null) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
  return { opcode: bytes[0]! & 0x0f, masked, payload, size: offset + length };
}

/** Run the Bun client against `server`; resolves with its close info and exit code. */
async function runClient(url: string, binary: string): Promise<{ closed: { code: number; reason: string; wasClean: boolean } | null; exitCode: number | null; stderr: string }> {
  const { exitCode, stdout, stderr } = await runToExit(binary, runArgs("bun", "packages/bun/test/fail-close-client.ts", [url]));
  const line = stdout.trim().split("\n").at(-1) ?? "";
  return { closed: line.startsWith("{") ? (JSON.parse(line) as { code: number; reason: string; wasClean: boolean }) : null, exitCode, stderr };
}

describe("RFC 6455 §7.1.7 Fail the WebSocket Connection, on the bun binary (client)", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(async () => {
    killChildren();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const cases = [
    // The kit's script: a 64-bit length with its most significant bit set, then more frames.
    { name: "sends Close 1002 for a 64-bit length with the MSB set, then FIN, not a reset", script: "827f8000000000000000" + "0200" + "800519e8196da9", code: 1002 },
    { name: "sends Close 1007 for invalid UTF-8 in a text message, then FIN, not a reset", script: "8101ff", code: 1007 },
    { name: "sends Close 1009 for a header announcing 2^31 bytes, then FIN, not a reset", script: "827f0000000080000000", code: 1009 },
  ];
  for (const { name, script, code } of cases) {
    it.skipIf(bun.path === null)(name, async () => {
      const seen = serveOnce(server, Buffer.concat([hex(script), TRAILING]));
      const client = await runClient(url, bun.path!);
      expect(client.closed, client.stderr).toMatchObject({ code, wasClean: false });
      expect(client.exitCode).toBe(0);
      // The Close comes first and whole, masked (RFC 6455 §5.3), and the client half-closes
      // without a reset even though the server's bytes kept coming.
      expect(await seen).toEqual([{ kind: "close", masked: true, code }, { kind: "fin" }]);
    });
  }
});
