/**
 * The handshake parser, both ways. A server gets requests built from a valid one with random
 * header names and values (hostile ones included), random start lines and random splits; a
 * client gets random responses. Checks: totality, split invariance of the decision, a
 * well-formed HTTP answer with a status from core's documented set, and the client opening only
 * on a response that RFC 6455 §4.1 allows (checked with node:crypto, not core).
 */
import fc from "fast-check";
import { ClientConnection, type ConnectionEvent, permessageDeflate, ServerConnection } from "@wsengine/core";
import { acceptFor, apiCall, assert, checkEvents, comparable, concat, latin1, seededRandom, splitAt, toHex } from "./common.js";
import type { FuzzTarget } from "./target.js";

export interface HandshakeInput {
  readonly role: "server" | "client";
  readonly startLine: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Bytes after the head (frames, garbage, a body). */
  readonly rest: Uint8Array;
  readonly cuts: readonly number[];
  /** `$ACCEPT` in a header value stands for the right accept value of the client's key. */
  readonly maxHandshakeSize: number;
}

const NAMES = ["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Sec-WebSocket-Accept", "Origin", "Content-Length", "Transfer-Encoding", "__proto__", "constructor", "hasOwnProperty", "toString"];

const headerName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMES).chain((n) => fc.constantFrom(n, n.toLowerCase(), n.toUpperCase())) },
  { weight: 2, arbitrary: fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 8 }) },
);

const headerValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("websocket", "Upgrade", "keep-alive, Upgrade", "13", "8", "dGhlIHNhbXBsZSBub25jZQ==", "$ACCEPT", "chat, superchat", "permessage-deflate", "permessage-deflate; client_max_window_bits", "permessage-deflate; server_max_window_bits=8", 'permessage-deflate; a="\\"b"', "0", "chunked", "example.com") },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3000 }).map((n) => "a".repeat(n)) },
);

const VALID_REQUEST: ReadonlyArray<readonly [string, string]> = [
  ["Host", "example.com"],
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
  ["Sec-WebSocket-Version", "13"],
];
const VALID_RESPONSE: ReadonlyArray<readonly [string, string]> = [
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Accept", "$ACCEPT"],
];

/** A template's headers with some dropped, some replaced, some added. */
const headersFrom = (template: ReadonlyArray<readonly [string, string]>): fc.Arbitrary<Array<readonly [string, string]>> =>
  fc
    .tuple(
      fc.subarray([...template.keys()], { minLength: Math.max(0, template.length - 2) }),
      fc.array(fc.tuple(fc.nat(), headerValue), { maxLength: 2 }),
      fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }),
      fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 50, max: 150 }) }),
    )
    .map(([kept, replaced, added, filler]) => {
      const headers: Array<readonly [string, string]> = kept.map((i) => template[i]!);
      for (const [i, v] of replaced) if (headers.length > 0) headers[i % headers.length] = [headers[i % headers.length]![0], v];
      for (let i = 0; i < filler; i++) headers.push([`X-F${i}`, "v"]);
      return [...headers, ...added];
    });

export const handshakeArbitrary: fc.Arbitrary<HandshakeInput> = fc.constantFrom("server" as const, "client" as const).chain((role) =>
  fc.record({
    role: fc.constant(role),
    startLine:
      role === "server"
        ? fc.oneof({ weight: 8, arbitrary: fc.constant("GET /chat HTTP/1.1") }, { weight: 2, arbitrary: fc.constantFrom("GET / HTTP/1.0", "POST / HTTP/1.1", "GET /a?b#c HTTP/1.1", "GET http://example.com/ HTTP/1.1", "GET  / HTTP/1.1", "GET / HTTP/2.0", "GET / HTTP/1.1 ") }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) })
        : fc.oneof({ weight: 8, arbitrary: fc.constant("HTTP/1.1 101 Switching Protocols") }, { weight: 2, arbitrary: fc.constantFrom("HTTP/1.1 101", "HTTP/1.0 101 Switching Protocols", "HTTP/1.1 200 OK", "HTTP/1.1 302 Found", "HTTP/1.1 401 Unauthorized", "HTTP/1.1 999 What") }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }),
    headers: headersFrom(role === "server" ? VALID_REQUEST : VALID_RESPONSE),
    rest: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 40 }), fc.constant(Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58))),
    cuts: fc.array(fc.nat(4000), { maxLength: 12 }),
    maxHandshakeSize: fc.constantFrom(16 * 1024, 1024),
  }),
);

const SERVER_STATUSES = new Set([400, 403, 405, 426, 431, 500, 505]);

function run(input: HandshakeInput, chunks: readonly Uint8Array[] | null): { events: ConnectionEvent[]; out: Uint8Array; key: string } {
  const options = { random: seededRandom(7), maxHandshakeSize: input.maxHandshakeSize, extensions: [permessageDeflate()] };
  const conn = input.role === "server" ? new ServerConnection(options) : new ClientConnection({ host: "example.com", ...options });
  let key = "";
  if (conn instanceof ClientConnection) {
    const request = new TextDecoder().decode(concat(conn.takeOutgoing()));
    key = /Sec-WebSocket-Key: (\S+)/.exec(request)![1]!;
  }
  const head = latin1(`${input.startLine}\r\n${input.headers.map(([n, v]) => `${n}: ${v.replaceAll("$ACCEPT", acceptFor(key))}`).join("\r\n")}${input.headers.length > 0 ? "\r\n" : ""}\r\n`);
  const bytes = concat([head, input.rest]);
  const events: ConnectionEvent[] = [];
  const out: Uint8Array[] = [];
  for (const chunk of chunks ?? [bytes]) {
    for (const ev of conn.receive(chunk)) {
      events.push(ev);
      if (ev.type === "upgrade-request" && conn instanceof ServerConnection) apiCall(() => conn.accept(), "accept()");
    }
    events.push(...conn.takeEvents());
    out.push(...conn.takeOutgoing());
  }
  events.push(...conn.receiveEof());
  out.push(...conn.takeOutgoing());
  return { events, out: concat(out), key };
}

function headersOf(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    map.set(name, [...(map.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return map;
}

function check(input: HandshakeInput): void {
  const whole = run(input, null);
  checkEvents(whole.events, `${input.role} handshake`);
  // Split invariance: the same decision and the same bytes out, however the head arrives.
  const chunked = runSplit(input);
  assert(JSON.stringify(comparable(chunked.events)) === JSON.stringify(comparable(whole.events)), `events differ when split: ${JSON.stringify(comparable(chunked.events)).slice(0, 300)} vs ${JSON.stringify(comparable(whole.events)).slice(0, 300)}`);
  assert(toHex(chunked.out) === toHex(whole.out), "bytes out differ when split");

  if (input.role === "server") {
    const text = Buffer.from(whole.out).toString("latin1");
    if (whole.out.length === 0) return;
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? NaN);
    assert(status === 101 || SERVER_STATUSES.has(status), `server answered ${text.slice(0, 40)}`);
    assert((status === 101) === whole.events.some((e) => e.type === "upgrade-request"), `status ${status} without a matching upgrade-request`);
    if (status !== 101) {
      const end = text.indexOf("\r\n\r\n");
      const length = Number(headersOf(text.slice(0, end)).get("content-length")?.[0] ?? NaN);
      assert(length === whole.out.length - end - 4, `Content-Length ${length} but ${whole.out.length - end - 4} body bytes`);
    }
    return;
  }
  // A client may open only on a 101 with the right accept, Upgrade and Connection (RFC 6455 §4.1).
  if (whole.events.some((e) => e.type === "open")) {
    const headers = new Map<string, string[]>();
    for (const [n, v] of input.headers) headers.set(n.toLowerCase(), [...(headers.get(n.toLowerCase()) ?? []), v.replaceAll("$ACCEPT", acceptFor(whole.key))]);
    assert(/^HTTP\/1\.1 101( |$)/.test(input.startLine), `opened on ${input.startLine}`);
    assert(JSON.stringify(headers.get("sec-websocket-accept")) === JSON.stringify([acceptFor(whole.key)]), `opened with Sec-WebSocket-Accept ${JSON.stringify(headers.get("sec-websocket-accept"))}`);
    assert((headers.get("upgrade") ?? []).some((v) => v.split(",").some((t) => t.trim().toLowerCase() === "websocket")), "opened without Upgrade: websocket");
    assert((headers.get("connection") ?? []).some((v) => v.split(",").some((t) => t.trim().toLowerCase() === "upgrade")), "opened without Connection: Upgrade");
  }
}

/** The same input, cut at its cut points. */
function runSplit(input: HandshakeInput): { events: ConnectionEvent[]; out: Uint8Array; key: string } {
  // The bytes depend on the client's key, so build them inside run() and cut there.
  const options = { random: seededRandom(7), maxHandshakeSize: input.maxHandshakeSize, extensions: [permessageDeflate()] };
  const probe = input.role === "client" ? new ClientConnection({ host: "example.com", ...options }) : null;
  let key = "";
  if (probe !== null) key = /Sec-WebSocket-Key: (\S+)/.exec(new TextDecoder().decode(concat(probe.takeOutgoing())))![1]!;
  const head = latin1(`${input.startLine}\r\n${input.headers.map(([n, v]) => `${n}: ${v.replaceAll("$ACCEPT", acceptFor(key))}`).join("\r\n")}${input.headers.length > 0 ? "\r\n" : ""}\r\n`);
  return run(input, splitAt(concat([head, input.rest]), input.cuts));
}

export const handshake: FuzzTarget<HandshakeInput> = {
  name: "handshake",
  description: "the HTTP head parser and handshake validation, both roles: total, split-invariant, well-formed answers, no client opening on an invalid 101",
  arbitrary: handshakeArbitrary,
  check,
  serializable: true,
};
