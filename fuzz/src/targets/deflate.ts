/**
 * The permessage-deflate path through whole connections, against node:zlib:
 * 1. what a core sender compresses (any negotiated parameters, fragmented, context takeover on
 *    or off) inflates with node:zlib, message by message, to what was sent, and the core
 *    receiver delivers the same;
 * 2. what node:zlib compresses (sync-flushed or BFINAL, any window and level, with context
 *    takeover as a preset dictionary) a core receiver delivers intact.
 */
import zlib from "node:zlib";
import fc from "fast-check";
import { ClientConnection, type Connection, type ConnectionEvent, encodeFrame, FrameDecoder, permessageDeflate, type PerMessageDeflateOptions, ServerConnection } from "@wsengine/core";
import { apiCall, assert, checkEvents, concat, RSV1, seededRandom, toHex, xorshift32 } from "./common.js";
import type { FuzzTarget } from "./target.js";

interface Message {
  readonly text: boolean;
  readonly size: number;
  readonly seed: number;
  readonly pieces: number;
}

export interface DeflateInput {
  readonly client: PerMessageDeflateOptions;
  readonly server: PerMessageDeflateOptions;
  /** Which side sends in part 1. */
  readonly sender: "client" | "server";
  readonly messages: readonly Message[];
  /** Part 2: zlib messages to a core server. */
  readonly zlib: {
    readonly takeover: boolean;
    readonly windowBits: number;
    readonly level: number;
    readonly messages: ReadonlyArray<Message & { readonly final: boolean }>;
  };
}

const windowBits = fc.integer({ min: 8, max: 15 });
const sideOptions: fc.Arbitrary<PerMessageDeflateOptions> = fc.record(
  {
    serverNoContextTakeover: fc.boolean(),
    clientNoContextTakeover: fc.boolean(),
    serverMaxWindowBits: windowBits,
    clientMaxWindowBits: windowBits,
    threshold: fc.constantFrom(0, 1, 64, 1000),
    level: fc.integer({ min: 0, max: 9 }),
  },
  { requiredKeys: [] },
);
const message: fc.Arbitrary<Message> = fc.record({
  text: fc.boolean(),
  size: fc.oneof({ weight: 6, arbitrary: fc.nat(300) }, { weight: 3, arbitrary: fc.nat(20_000) }, { weight: 1, arbitrary: fc.integer({ min: 32_000, max: 100_000 }) }),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  pieces: fc.integer({ min: 1, max: 4 }),
});

export const deflateArbitrary: fc.Arbitrary<DeflateInput> = fc.record({
  client: sideOptions,
  server: sideOptions,
  sender: fc.constantFrom("client" as const, "server" as const),
  messages: fc.array(message, { minLength: 1, maxLength: 6 }),
  zlib: fc.record({
    takeover: fc.boolean(),
    windowBits: fc.integer({ min: 9, max: 15 }),
    level: fc.integer({ min: 0, max: 9 }),
    messages: fc.array(fc.record({ text: fc.boolean(), size: fc.nat(20_000), seed: fc.integer({ min: 1, max: 0x7fffffff }), pieces: fc.integer({ min: 1, max: 3 }), final: fc.boolean() }), { maxLength: 5 }),
  }),
});

const WORDS = ["alpha", "beta", "gamma", "ping", "pong", "frame", "é", "数据", "🎉"];
/** Compressible content: text made of words, or bytes with few distinct values. */
function contentOf(m: Message): Uint8Array {
  const next = xorshift32(m.seed);
  if (!m.text) return Uint8Array.from({ length: m.size }, () => next() % 5);
  let text = "";
  while (text.length < m.size) text += `${WORDS[next() % WORDS.length]} `;
  return new TextEncoder().encode(text.slice(0, m.size).replace(/[\ud800-\udbff]$/, ""));
}

/** A connected pair after a real handshake; both are open. */
function connect(input: DeflateInput): { client: ClientConnection; server: ServerConnection; response: string } {
  const client = new ClientConnection({ host: "h", random: seededRandom(3), extensions: [permessageDeflate(input.client)] });
  const server = new ServerConnection({ random: seededRandom(5), extensions: [permessageDeflate(input.server)] });
  const events = server.receive(concat(client.takeOutgoing()));
  assert(events[0]?.type === "upgrade-request", "setup: no upgrade-request");
  server.accept();
  server.takeEvents();
  const response = concat(server.takeOutgoing());
  const opened = client.receive(response);
  assert(opened[0]?.type === "open", `setup: client did not open: ${JSON.stringify(opened.map((e) => e.type))}`);
  return { client, server, response: Buffer.from(response).toString("latin1") };
}

/** The negotiated parameters, read off the 101. */
function params(response: string): Map<string, string | null> {
  const line = /Sec-WebSocket-Extensions: ([^\r]*)/i.exec(response)?.[1] ?? "";
  const map = new Map<string, string | null>();
  for (const part of line.split(";").slice(1)) {
    const [k, v] = part.trim().split("=");
    map.set(k!.trim(), v?.trim() ?? null);
  }
  if (line === "") map.set("(none)", null);
  return map;
}

const TRAILER = Uint8Array.of(0, 0, 0xff, 0xff);

function sendAll(sender: Connection, messages: readonly Message[]): Uint8Array[] {
  const sent: Uint8Array[] = [];
  for (const m of messages) {
    const data = contentOf(m);
    sent.push(data);
    const step = Math.ceil(data.length / m.pieces) || 1;
    for (let i = 0; i < m.pieces; i++) {
      const piece = data.subarray(i * step, (i + 1) * step);
      const fin = i === m.pieces - 1;
      // Text fragments must not split a code point for sendText; send text as one message.
      if (m.text) {
        if (i === 0) apiCall(() => sender.sendText(new TextDecoder().decode(data)), "sendText");
      } else apiCall(() => sender.sendBinary(piece.slice(), { fin }), "sendBinary");
    }
  }
  return sent;
}

function check(input: DeflateInput): void {
  // Part 1: core to core, with node:zlib reading the wire.
  const { client, server, response } = connect(input);
  const negotiated = params(response);
  const [sender, receiver] = input.sender === "client" ? [client, server] : [server, client];
  const sent = sendAll(sender, input.messages);
  const wire = concat(sender.takeOutgoing());
  const events: ConnectionEvent[] = receiver.receive(wire);
  checkEvents(events, "receiver");
  const got = events.filter((e) => e.type === "text" || e.type === "binary").map((e) => (e.type === "text" ? new TextEncoder().encode(e.data) : (e as { data: Uint8Array }).data));
  assert(got.length === sent.length, `receiver got ${got.length} of ${sent.length} messages: ${JSON.stringify(events.map((e) => e.type))}`);
  got.forEach((g, i) => assert(toHex(g) === toHex(sent[i]!), `message ${i + 1} differs after the core round trip`));

  // node:zlib reads the same wire: every compressed message inflates to what was sent.
  const senderResets = negotiated.has(input.sender === "client" ? "client_no_context_takeover" : "server_no_context_takeover");
  const frames = new FrameDecoder({ role: input.sender === "client" ? "server" : "client", rsvAllowed: negotiated.has("(none)") ? 0 : RSV1, maxFrameSize: 1 << 24 }).push(wire);
  let history = new Uint8Array(0);
  let index = 0;
  let parts: Uint8Array[] = [];
  let compressed = false;
  for (const f of frames) {
    if (f.opcode >= 8) continue;
    if (f.opcode !== 0) {
      parts = [];
      compressed = (f.rsv & RSV1) !== 0;
    }
    parts.push(f.payload);
    if (!f.fin) continue;
    const payload = concat(parts);
    let data = payload;
    if (compressed) {
      try {
        data = new Uint8Array(zlib.inflateRawSync(concat([payload, TRAILER]), { finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(history.length > 0 ? { dictionary: history } : {}) }));
      } catch (error) {
        throw new Error(`node:zlib refuses message ${index + 1} (${payload.length} bytes, ${toHex(payload.subarray(0, 32))}...): ${error instanceof Error ? error.message : String(error)}`);
      }
      history = senderResets ? new Uint8Array(0) : concat([history, data]).slice(-32768);
    }
    assert(toHex(data) === toHex(sent[index]!), `node:zlib inflates message ${index + 1} to something else (${data.length} bytes, expected ${sent[index]!.length})`);
    index++;
  }
  assert(index === sent.length, `the wire holds ${index} messages, ${sent.length} were sent`);

  // Part 2: node:zlib compresses, a core server reads. The client promised context takeover or not.
  const offer = `permessage-deflate; client_max_window_bits=${input.zlib.windowBits}${input.zlib.takeover ? "" : "; client_no_context_takeover"}`;
  const core = new ServerConnection({ random: seededRandom(6), extensions: [permessageDeflate()] });
  const request = `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${offer}\r\n\r\n`;
  core.receive(new TextEncoder().encode(request));
  core.accept();
  core.takeEvents();
  assert(/permessage-deflate/.test(Buffer.from(concat(core.takeOutgoing())).toString("latin1")), "core declined a valid offer");
  let dictionary = new Uint8Array(0);
  const expected: string[] = [];
  const stream: Uint8Array[] = [];
  const key = Uint8Array.of(1, 2, 3, 4);
  for (const m of input.zlib.messages) {
    const data = contentOf(m);
    const options: zlib.ZlibOptions = { windowBits: input.zlib.windowBits, level: input.zlib.level, ...(dictionary.length > 0 ? { dictionary } : {}) };
    let payload: Uint8Array;
    if (m.final) {
      payload = new Uint8Array(zlib.deflateRawSync(data, options));
      dictionary = new Uint8Array(0);
    } else {
      const flushed = new Uint8Array(zlib.deflateRawSync(data, { ...options, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
      payload = flushed.subarray(0, flushed.length - 4);
      dictionary = input.zlib.takeover ? concat([dictionary, data]).slice(-(2 ** input.zlib.windowBits)) : new Uint8Array(0);
    }
    const step = Math.ceil(payload.length / m.pieces) || 1;
    for (let i = 0; i < m.pieces; i++) {
      stream.push(encodeFrame({ fin: i === m.pieces - 1, rsv: i === 0 ? RSV1 : 0, opcode: i === 0 ? (m.text ? 1 : 2) : 0, payload: payload.slice(i * step, (i + 1) * step) }, key));
    }
    expected.push(toHex(data));
  }
  const received = core.receive(concat(stream));
  checkEvents(received, "core receiving zlib");
  const messages = received.filter((e) => e.type === "text" || e.type === "binary").map((e) => toHex(e.type === "text" ? new TextEncoder().encode(e.data) : (e as { data: Uint8Array }).data));
  assert(JSON.stringify(messages) === JSON.stringify(expected), `core delivers zlib's messages differently: ${JSON.stringify(received.map((e) => (e.type === "closed" ? `closed ${e.code} ${e.reason}` : e.type)))}`);
}

export const deflate: FuzzTarget<DeflateInput> = {
  name: "deflate",
  description: "permessage-deflate through whole connections against node:zlib, both directions, every parameter combination",
  arbitrary: deflateArbitrary,
  check,
  serializable: true,
};
