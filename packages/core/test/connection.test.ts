import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  ClientConnection,
  type ConnectionEvent,
  type Extension,
  FrameDecoder,
  InternalError,
  LocalProtocolError,
  type MaskFunction,
  maskInto,
  Opcode,
  permessageDeflate,
  ServerConnection,
} from "../src/index.js";
import { replacesIllFormed } from "../src/internal/utf8.js";
import { closedOf, ConnectedPair, openClient, openServer, REQUEST } from "./helpers/connections.js";
import { seededRandom } from "./helpers/random.js";
import { concat, hex, splitAt, toHex, utf8 } from "./helpers/bytes.js";
import { rawFrame } from "./helpers/wire.js";

const decodeOut = (role: "client" | "server", out: Uint8Array[]) =>
  new FrameDecoder({ role: role === "client" ? "server" : "client", maxFrameSize: 1 << 30 }).push(concat(out));

function localError(fn: () => void): LocalProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LocalProtocolError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("RFC 6455 §5.7 examples received", () => {
  it("a client reads the unmasked Hello", () => {
    expect(openClient().receive(hex("810548656c6c6f"))).toEqual([{ type: "text", data: "Hello" }]);
  });
  it("a server reads the masked Hello", () => {
    expect(openServer().receive(hex("818537fa213d7f9f4d5158"))).toEqual([{ type: "text", data: "Hello" }]);
  });
  it("a client reads the fragmented Hello", () => {
    expect(openClient().receive(hex("010348656c80026c6f"))).toEqual([{ type: "text", data: "Hello" }]);
  });
  it("a client answers the unmasked ping with a masked pong of the same payload", () => {
    const client = openClient({ random: () => undefined });
    // A RandomSource that writes nothing leaves a zero key: masking is then the identity.
    expect(client.receive(hex("890548656c6c6f"))).toEqual([{ type: "ping", data: utf8("Hello") }]);
    expect(toHex(concat(client.takeOutgoing()))).toBe("8a850000000048656c6c6f");
  });
  it("a client reads 256 bytes and 64 KiB binary frames", () => {
    const client = openClient();
    const events = client.receive(concat([hex("827e0100"), new Uint8Array(256).fill(3), hex("827f0000000000010000"), new Uint8Array(65536).fill(4)]));
    expect(events).toEqual([
      { type: "binary", data: new Uint8Array(256).fill(3) },
      { type: "binary", data: new Uint8Array(65536).fill(4) },
    ]);
  });
});

describe("sending", () => {
  it("a server sends unmasked frames and a client masks every frame with a fresh key", () => {
    const server = openServer();
    server.sendText("hi");
    expect(toHex(concat(server.takeOutgoing()))).toBe("81026869");
    const client = openClient({ random: seededRandom(1) });
    client.sendText("hi");
    client.sendText("hi");
    const [a, b] = client.takeOutgoing();
    expect(a![1]! & 0x80).toBe(0x80);
    expect(toHex(a!.subarray(2, 6))).not.toBe(toHex(b!.subarray(2, 6)));
    expect(decodeOut("client", [a!, b!]).map((f) => new TextDecoder().decode(f.payload))).toEqual(["hi", "hi"]);
  });

  it("sends a fragmented message as a first frame and continuations", () => {
    const server = openServer();
    server.sendBinary(new Uint8Array([1]), { fin: false });
    server.ping("p");
    server.sendBinary(new Uint8Array([2]), { fin: false });
    server.sendBinary(new Uint8Array([3]));
    const frames = decodeOut("server", server.takeOutgoing());
    expect(frames.map((f) => [f.opcode, f.fin])).toEqual([
      [Opcode.Binary, false],
      [Opcode.Ping, true],
      [Opcode.Continuation, false],
      [Opcode.Continuation, true],
    ]);
  });

  it("refuses a text fragment inside an open binary message", () => {
    const server = openServer();
    server.sendBinary(new Uint8Array([1]), { fin: false });
    expect(localError(() => server.sendText("x")).code).toBe("INVALID_STATE");
  });

  it("sends large server payloads without copying them", () => {
    const server = openServer();
    const big = new Uint8Array(100_000).fill(5);
    server.sendBinary(big);
    const out = server.takeOutgoing();
    expect(out).toHaveLength(2);
    expect(out[1]).toBe(big);
    expect(server.bufferedAmount).toBe(0);
  });

  it("counts queued bytes in bufferedAmount until they are taken", () => {
    const server = openServer();
    server.sendText("abc");
    expect(server.bufferedAmount).toBe(5);
    server.takeOutgoing();
    expect(server.bufferedAmount).toBe(0);
  });

  it("refuses control payloads over 125 bytes", () => {
    expect(localError(() => openServer().ping(new Uint8Array(126))).code).toBe("INVALID_ARGUMENT");
  });

  it("keeps automatic replies in causal order with application sends", () => {
    const server = openServer();
    server.sendText("before");
    server.receive(rawFrame(Opcode.Ping, "p", { masked: true }));
    server.sendText("after");
    const frames = decodeOut("server", server.takeOutgoing());
    expect(frames.map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Pong, Opcode.Text]);
  });

  it("does not answer pings when autoPong is off", () => {
    const server = openServer({ autoPong: false });
    expect(server.receive(rawFrame(Opcode.Ping, "p", { masked: true }))).toEqual([{ type: "ping", data: utf8("p") }]);
    expect(server.takeOutgoing()).toEqual([]);
  });
});

describe("RFC 6455 §7 closing", () => {
  it("a locally started close completes when the peer answers", () => {
    const server = openServer();
    server.close(1000, "done");
    expect(server.state).toBe("local-closing");
    expect(server.closeExpected).toBe(true);
    expect(server.outgoingEnded).toBe(false);
    expect(localError(() => server.sendText("x")).code).toBe("INVALID_STATE");
    expect(localError(() => server.close()).code).toBe("INVALID_STATE");
    const events = server.receive(rawFrame(Opcode.Close, concat([hex("03e8"), utf8("ok")]), { masked: true }));
    expect(events).toEqual([{ type: "closed", code: 1000, reason: "ok", wasClean: true, error: null }]);
    expect(server.outgoingEnded).toBe(true);
  });

  it("a client waits for the server to end TCP after the closing handshake", () => {
    const client = openClient();
    client.close(1001);
    client.receive(rawFrame(Opcode.Close, hex("03e9"), { masked: false }));
    expect(client.state).toBe("closed");
    expect(client.outgoingEnded).toBe(false);
    expect(client.closeExpected).toBe(true);
    expect(client.receiveEof()).toEqual([]);
    expect(client.outgoingEnded).toBe(true);
    expect(client.closeExpected).toBe(false);
  });

  it("still delivers data and answers pings while waiting for the close reply", () => {
    const server = openServer();
    server.close(1000);
    server.takeOutgoing();
    const events = server.receive(concat([rawFrame(Opcode.Text, "late", { masked: true }), rawFrame(Opcode.Ping, "p", { masked: true })]));
    expect(events).toEqual([{ type: "text", data: "late" }, { type: "ping", data: utf8("p") }]);
    // Our Close is out: no more frames of any kind.
    expect(server.takeOutgoing()).toEqual([]);
  });

  it("with autoClose off, the application answers the peer's close", () => {
    const server = openServer({ autoClose: false });
    const events = server.receive(rawFrame(Opcode.Close, hex("0fa0"), { masked: true }));
    expect(events).toEqual([{ type: "closing", code: 4000, reason: "" }]);
    expect(server.state).toBe("remote-closing");
    server.sendText("last words");
    server.close(4000);
    expect(server.state).toBe("closed");
    expect(server.takeEvents()).toEqual([{ type: "closed", code: 4000, reason: "", wasClean: true, error: null }]);
    expect(decodeOut("server", server.takeOutgoing()).map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Close]);
  });

  it.each([1004, 1005, 1006, 1015, 999, 5000, 2000, 1.5])("refuses to send close code %s", (code) => {
    expect(localError(() => openServer().close(code)).code).toBe("INVALID_ARGUMENT");
  });

  it("refuses a reason without a code", () => {
    expect(localError(() => openServer().close(undefined, "why")).code).toBe("INVALID_ARGUMENT");
  });

  it("cuts a long reason on a code-point boundary", () => {
    const server = openServer();
    server.close(1000, "é".repeat(100));
    const [frame] = decodeOut("server", server.takeOutgoing());
    expect(frame!.payload.length).toBe(2 + 122);
    expect(new TextDecoder("utf-8", { fatal: true }).decode(frame!.payload.subarray(2))).toBe("é".repeat(61));
  });

  it("sends an empty close without a code", () => {
    const server = openServer();
    server.close();
    expect(toHex(concat(server.takeOutgoing()))).toBe("8800");
  });

  it("reports 1006 when the transport ends without a close", () => {
    const server = openServer();
    const closed = closedOf(server.receiveEof());
    expect(closed.code).toBe(1006);
    expect(closed.wasClean).toBe(false);
    expect(closed.error?.code).toBe("UNEXPECTED_EOF");
    expect(server.receiveEof()).toEqual([]);
    expect(localError(() => server.sendText("x")).code).toBe("INVALID_STATE");
  });

  it("reports 1006 when the transport ends during the closing handshake", () => {
    const client = openClient();
    client.close(1000);
    expect(closedOf(client.receiveEof()).code).toBe(1006);
  });

  it("fail() sends the code, ends output and queues one closed event", () => {
    const server = openServer();
    server.fail(1008, "policy");
    expect(server.state).toBe("closed");
    expect(server.outgoingEnded).toBe(true);
    expect(server.takeEvents()).toEqual([{ type: "closed", code: 1008, reason: "policy", wasClean: false, error: null }]);
    expect(toHex(concat(server.takeOutgoing()))).toBe("880803f0706f6c696379");
    server.fail(1008);
    expect(server.takeEvents()).toEqual([]);
  });
});

describe("errors", () => {
  it("turns an exception inside core into 1011 with no details on the wire", () => {
    const exploding: Extension = {
      name: "x-explode",
      rsvBits: 0x20,
      decode: () => {
        throw new TypeError("secret internal detail");
      },
      encode: (data) => ({ data, rsv: 0 }),
      dispose: () => undefined,
    };
    const server = new ServerConnection({
      extensions: [{ name: "x-explode", negotiate: () => ({ response: { name: "x-explode", params: [] }, extension: exploding }) }],
    });
    server.receive(utf8(REQUEST.replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-explode\r\n\r\n")));
    server.accept();
    server.takeEvents();
    server.takeOutgoing();
    const closed = closedOf(server.receive(rawFrame(Opcode.Text, "x", { masked: true, rsv: 0x20 })));
    expect(closed.code).toBe(1011);
    expect(closed.error).toBeInstanceOf(InternalError);
    expect((closed.error as InternalError).cause).toBeInstanceOf(TypeError);
    const [frame] = decodeOut("server", server.takeOutgoing());
    expect(toHex(frame!.payload)).toBe("03f3");
  });

  it("copies input kept until accept(), even from a Node Buffer the caller then reuses", () => {
    const server = new ServerConnection({});
    const chunk = Buffer.concat([utf8(REQUEST), rawFrame(Opcode.Text, "early", { masked: true })]);
    server.receive(chunk);
    const late = Buffer.from(rawFrame(Opcode.Text, "later", { masked: true }));
    server.receive(late);
    chunk.fill(0);
    late.fill(0);
    server.accept();
    expect(server.takeEvents().filter((e) => e.type === "text")).toEqual([
      { type: "text", data: "early" },
      { type: "text", data: "later" },
    ]);
  });

  it("drops input after failing", () => {
    const server = openServer();
    server.receive(rawFrame(3, "", { masked: true }));
    expect(server.receive(rawFrame(Opcode.Text, "x", { masked: true }))).toEqual([]);
  });
});

describe("streaming mode", () => {
  it("delivers a large message as fragments with bounded pieces", () => {
    const client = openClient({ streaming: true, maxMessageSize: Number.POSITIVE_INFINITY });
    const size = 8 * 1024 * 1024;
    const header = hex("827f0000000000800000");
    let received = 0;
    let largest = 0;
    let fins = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0xab);
    const handle = (events: ConnectionEvent[]): void => {
      for (const ev of events) {
        expect(ev.type).toBe("binary-fragment");
        if (ev.type !== "binary-fragment") continue;
        received += ev.data.length;
        largest = Math.max(largest, ev.data.length);
        if (ev.fin) fins++;
      }
    };
    handle(client.receive(header));
    for (let sent = 0; sent < size; sent += chunk.length) handle(client.receive(chunk));
    expect(received).toBe(size);
    expect(largest).toBeLessThanOrEqual(chunk.length);
    expect(fins).toBe(1);
  });

  it("delivers text fragments with code points split across pieces", () => {
    const client = openClient({ streaming: true });
    const bytes = utf8("añ🎉");
    const events = [
      ...client.receive(concat([hex("01"), new Uint8Array([3]), bytes.subarray(0, 3)])),
      ...client.receive(concat([hex("80"), new Uint8Array([bytes.length - 3]), bytes.subarray(3)])),
    ];
    expect(events.map((e) => (e.type === "text-fragment" ? e.data : "?")).join("")).toBe("añ🎉");
    expect(events.at(-1)).toMatchObject({ type: "text-fragment", fin: true });
  });
});

describe("in-memory client and server pair", () => {
  it("exchanges messages and closes cleanly on both sides, the server ending TCP first", () => {
    const pair = new ConnectedPair({ protocols: ["chat"] }, { subprotocols: ["chat"] });
    expect(pair.client.state).toBe("open");
    expect(pair.client.protocol).toBe("chat");
    pair.client.sendText("hello ✓");
    pair.server.sendBinary(new Uint8Array([0, 255]));
    pair.pump();
    expect(pair.serverEvents.filter((e) => e.type === "text")).toEqual([{ type: "text", data: "hello ✓" }]);
    expect(pair.clientEvents.filter((e) => e.type === "binary")).toEqual([{ type: "binary", data: new Uint8Array([0, 255]) }]);
    pair.client.close(1000, "bye");
    pair.pump();
    expect(pair.server.closedEvent).toEqual({ type: "closed", code: 1000, reason: "bye", wasClean: true, error: null });
    expect(pair.client.closedEvent).toEqual({ type: "closed", code: 1000, reason: "bye", wasClean: true, error: null });
    expect(pair.client.outgoingEnded && pair.server.outgoingEnded).toBe(true);
  });
});

describe("server handshake", () => {
  it("refuses invalid head limits when it is made, not when the request comes", () => {
    expect(localError(() => new ServerConnection({ maxHandshakeSize: 0 })).code).toBe("INVALID_ARGUMENT");
    expect(localError(() => new ServerConnection({ maxHeaderCount: 1.5 })).code).toBe("INVALID_ARGUMENT");
  });

  it("holds the upgrade request only until accept(), so an open connection does not keep it", () => {
    const server = new ServerConnection();
    expect(server.request).toBeNull();
    const [event] = server.receive(utf8(REQUEST));
    expect(event?.type).toBe("upgrade-request");
    expect(server.request?.path).toBe(event?.type === "upgrade-request" ? event.request.path : "?");
    server.accept();
    expect(server.request).toBeNull();
    expect(server.takeEvents().map((e) => e.type)).toEqual(["open"]);
  });

  it("lets go of the request when it rejects it, and keeps it when accept() refuses its arguments", () => {
    const server = new ServerConnection();
    server.receive(utf8(REQUEST));
    expect(localError(() => server.accept({ protocol: "never-offered" })).code).toBe("INVALID_ARGUMENT");
    expect(server.request).not.toBeNull();
    server.reject(403);
    expect(server.request).toBeNull();
  });
});

describe("client handshake", () => {
  it("queues its request in the constructor", () => {
    const client = new ClientConnection({ host: "example.com", target: "/chat?x=1", random: seededRandom() });
    const text = new TextDecoder().decode(concat(client.takeOutgoing()));
    expect(text.startsWith("GET /chat?x=1 HTTP/1.1\r\n")).toBe(true);
    expect(text).toMatch(/\r\nHost: example\.com\r\n/i);
  });

  it("keeps frames that arrive in the same chunk as the 101 response", async () => {
    const { responseFor } = await import("./helpers/connections.js");
    const client = new ClientConnection({ host: "example.com", random: seededRandom() });
    const response = responseFor(concat(client.takeOutgoing()));
    const events = client.receive(concat([response, hex("810548656c6c6f")]));
    expect(events.map((e) => e.type)).toEqual(["open", "text"]);
  });

  it("answers a valid 101 with an unoffered extension with a Close 1010", async () => {
    const { responseFor } = await import("./helpers/connections.js");
    const client = new ClientConnection({ host: "example.com", random: seededRandom() });
    const response = responseFor(concat(client.takeOutgoing()), "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    const closed = closedOf(client.receive(response));
    expect(closed.code).toBe(1010);
    expect(closed.error?.code).toBe("EXTENSION_NOT_ACCEPTED");
    const [frame] = decodeOut("client", client.takeOutgoing());
    expect(frame!.opcode).toBe(Opcode.Close);
    expect((frame!.payload[0]! << 8) | frame!.payload[1]!).toBe(1010);
  });

  it("sends no Close when the 101's accept key is wrong", () => {
    const client = new ClientConnection({ host: "example.com", random: seededRandom() });
    client.takeOutgoing();
    const bad = utf8("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n");
    const closed = closedOf(client.receive(bad));
    expect(closed.code).toBe(1006);
    expect(closed.error?.code).toBe("BAD_HANDSHAKE");
    expect(client.takeOutgoing()).toEqual([]);
  });
});

describe("received message storage", () => {
  const binaryFrames = (sizes: readonly number[]) =>
    concat(sizes.map((n, i) => rawFrame(Opcode.Binary, new Uint8Array(n).fill(i + 1), { masked: true })));

  it("small messages of one chunk share storage no larger than the chunk, never the chunk itself", () => {
    const server = openServer();
    const chunk = binaryFrames([16, 125, 1000, 4096, 3]);
    const events = server.receive(chunk);
    const data = events.map((e) => (e.type === "binary" ? e.data : null));
    expect(data.map((d) => d?.length)).toEqual([16, 125, 1000, 4096, 3]);
    data.forEach((d, i) => expect(d).toEqual(new Uint8Array(d!.length).fill(i + 1)));
    for (const d of data) {
      expect(d!.buffer).not.toBe(chunk.buffer);
      expect(d!.buffer.byteLength).toBeLessThanOrEqual(chunk.length);
    }
    // Writing to one message, or to the input, changes no other message.
    chunk.fill(0);
    data[1]!.fill(0xff);
    data.forEach((d, i) => {
      if (i !== 1) expect(d).toEqual(new Uint8Array(d!.length).fill(i + 1));
    });
  });

  it("storage is not carried over to the next chunk", () => {
    const server = openServer();
    // The ping after the message leaves room in the slab that the next chunk must not use.
    const [first] = server.receive(concat([binaryFrames([100]), rawFrame(Opcode.Ping, new Uint8Array(125), { masked: true })]));
    const [second] = server.receive(binaryFrames([100]));
    expect(first!.type === "binary" && second!.type === "binary").toBe(true);
    if (first!.type === "binary" && second!.type === "binary") expect(second.data.buffer).not.toBe(first.data.buffer);
  });

  it("a message in many small frames costs a bounded amount of allocation, in any split", () => {
    // A fragmented message does not announce its size. Growing the buffer by each frame copied
    // the message so far every time: 16 MiB in 16 KiB frames took 4 s. It must grow geometrically.
    const total = 1 << 20;
    const frame = 1024;
    const payload = new Uint8Array(total).map((_, i) => (i * 13) & 0xff);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < total; at += frame) {
      const last = at + frame >= total;
      parts.push(rawFrame(at === 0 ? Opcode.Binary : Opcode.Continuation, payload.subarray(at, at + frame), { masked: true, fin: last }));
    }
    const wire = concat(parts);
    for (const adoptInput of [false, true]) {
      for (const step of [wire.length, 65536, 1500]) {
        let allocated = 0;
        const server = openServer({ adoptInput, allocate: (size) => ((allocated += size), new Uint8Array(size)) });
        const cuts: number[] = [];
        for (let at = step; at < wire.length; at += step) cuts.push(at);
        const events = splitAt(wire, cuts).flatMap((c) => server.receive(c.slice()));
        expect(events).toHaveLength(1);
        const [event] = events;
        expect(event!.type === "binary" && event.data.length === total && event.data.every((b, i) => b === payload[i])).toBe(true);
        // Doubling allocates about twice the message in all; growing by each frame, ~512 times.
        expect(allocated, `adoptInput ${adoptInput}, reads of ${step}`).toBeLessThan(4 * total);
      }
    }
  });

  it("a replacement mask function does all payload masking, with the same results", () => {
    const calls: number[] = [];
    const counting: MaskFunction = (src, srcStart, dst, dstStart, length, key, keyOffset) => {
      calls.push(length);
      maskInto(src, srcStart, dst, dstStart, length, key, keyOffset);
    };
    const input = concat([binaryFrames([5, 300]), rawFrame(Opcode.Text, "héllo", { masked: true })]);
    const custom = openServer({ mask: counting }).receive(input);
    expect(custom).toEqual(openServer().receive(input));
    expect(calls).toEqual([5, 300, 6]);
    calls.length = 0;
    const client = openClient({ mask: counting, random: seededRandom(3) });
    client.sendBinary(new Uint8Array(70).fill(1));
    expect(calls).toEqual([70]);
    const plain = openClient({ random: seededRandom(3) });
    plain.sendBinary(new Uint8Array(70).fill(1));
    expect(concat(client.takeOutgoing())).toEqual(concat(plain.takeOutgoing()));
  });
});

describe("allocate option", () => {
  it("uninitialised memory from `allocate` never reaches a message, whatever the split", () => {
    let calls = 0;
    const dirty = (size: number): Uint8Array => {
      calls++;
      return new Uint8Array(size).fill(0xee);
    };
    const sizes = [5000, 70_000, 300_000, 4097, 0, 12];
    const message = (n: number, i: number) => new Uint8Array(n).map((_, j) => (i * 7 + j) & 0x7f);
    const parts: Uint8Array[] = [];
    sizes.forEach((n, i) => {
      const payload = message(n, i);
      if (n > 100_000) {
        // Fragmented, with a text fragment split across frames.
        parts.push(rawFrame(Opcode.Binary, payload.subarray(0, 1000), { masked: true, fin: false }));
        parts.push(rawFrame(Opcode.Continuation, payload.subarray(1000), { masked: true }));
      } else {
        parts.push(rawFrame(i % 2 === 0 ? Opcode.Binary : Opcode.Text, payload, { masked: true }));
      }
    });
    const wire = concat(parts);
    for (const step of [wire.length, 65536, 1000, 7]) {
      const cuts: number[] = [];
      for (let at = step; at < wire.length; at += step) cuts.push(at);
      const feed = (conn: ServerConnection) => splitAt(wire, cuts).flatMap((c) => conn.receive(c));
      const got = feed(openServer({ allocate: dirty }));
      expect(got).toEqual(feed(openServer()));
      expect(got).toHaveLength(sizes.length);
    }
    expect(calls).toBeGreaterThan(0);
  });

  it("says whether core unmasks into the array or copies plain bytes into it", () => {
    const payload = new Uint8Array(300_000).map((_, i) => 0x20 + (i % 90));
    // Some cases make no array (a message whole in one adopted read is a view of it; unmasked
    // text whole in a read is decoded from it): these count the ones made.
    const arrays = { server: 0, client: 0 };
    const seen = (role: "server" | "client", opcode: Opcode, fragmented: boolean, adoptInput: boolean, readSize: number, streaming = false): boolean[] => {
      const flags: boolean[] = [];
      const allocate = (size: number, unmasks: boolean): Uint8Array => (flags.push(unmasks), new Uint8Array(size));
      const masked = role === "server";
      const frames = fragmented
        ? [rawFrame(opcode, payload.subarray(0, 100_000), { masked, fin: false }), rawFrame(Opcode.Continuation, payload.subarray(100_000), { masked })]
        : [rawFrame(opcode, payload, { masked })];
      const wire = concat(frames);
      const cuts = Array.from({ length: Math.ceil(wire.length / readSize) - 1 }, (_, i) => (i + 1) * readSize);
      const options = { adoptInput, allocate, streaming };
      const conn = role === "server" ? openServer(options) : openClient(options);
      const events = splitAt(wire, cuts).flatMap((read) => conn.receive(read));
      expect(events.filter((e) => e.type !== "binary-fragment" && e.type !== "text-fragment")).toHaveLength(streaming ? 0 : 1);
      arrays[role] += flags.length;
      return flags;
    };
    for (const opcode of [Opcode.Binary, Opcode.Text]) {
      for (const fragmented of [false, true]) {
        for (const adoptInput of [false, true]) {
          // Whole in one read (a copying connection makes the message's array at once) or in 64 KiB reads.
          // 99,000-byte reads leave short slices after kept ones, which move a message into its buffer.
          for (const readSize of [1 << 20, 65536, 99_000]) {
            // Every array a server's (masked) input fills is unmasked into; a client's is copied into.
            expect(seen("server", opcode, fragmented, adoptInput, readSize).filter((unmasks) => !unmasks)).toEqual([]);
            expect(seen("client", opcode, fragmented, adoptInput, readSize).filter((unmasks) => unmasks)).toEqual([]);
          }
        }
      }
      expect(seen("server", opcode, false, false, 65536, true).filter((unmasks) => !unmasks)).toEqual([]);
      expect(seen("client", opcode, false, false, 65536, true).filter((unmasks) => unmasks)).toEqual([]);
    }
    expect(arrays.server).toBeGreaterThan(20);
    expect(arrays.client).toBeGreaterThan(20);
    // A compressed frame a copying connection reads: its payload is unmasked (server) or copied
    // (client) into an array for the inflater.
    const flags = { server: [] as boolean[], client: [] as boolean[] };
    const recording = (into: boolean[]) => (size: number, unmasks: boolean) => (into.push(unmasks), new Uint8Array(size));
    const extensions = [permessageDeflate()];
    const pair = new ConnectedPair({ extensions, allocate: recording(flags.client) }, { extensions, allocate: recording(flags.server) });
    const noise = new Uint8Array(20_000);
    seededRandom(3)(noise);
    pair.client.sendBinary(noise);
    pair.server.sendBinary(noise);
    pair.pump();
    expect(pair.serverEvents.filter((e) => e.type === "binary")).toHaveLength(1);
    expect(pair.clientEvents.filter((e) => e.type === "binary")).toHaveLength(1);
    // Then the inflater's output, in more than one piece here, is copied into the message's array.
    expect(flags).toEqual({ server: [true, false], client: [false, false] });
  });
});

describe("one options object, many connections", () => {
  // The defaults-filled copy of the options is shared between connections made from one options
  // object (a server's), so an idle connection does not carry its own. Read through a cast: it
  // is a protected field, and sharing it is the point.
  const resolved = (conn: ServerConnection): unknown => (conn as unknown as { options: unknown }).options;

  it("shares the resolved options while the values stay the same", () => {
    const options = { maxMessageSize: 1000, autoPong: false };
    const a = openServer(options);
    const b = openServer(options);
    expect(resolved(b)).toBe(resolved(a));
    expect(Object.isFrozen(resolved(a))).toBe(true);
    // Another object with the same values gets its own copy.
    expect(resolved(openServer({ ...options }))).not.toBe(resolved(a));
  });

  it("makes a new copy when any one option changes", () => {
    // A value for every option the connection resolves, other than its default.
    const other: Record<string, unknown> = {
      maxMessageSize: 5000,
      maxFrameSize: 4000,
      maxFragments: 3,
      autoPong: false,
      autoClose: false,
      streaming: true,
      mask: (...args: Parameters<MaskFunction>) => maskInto(...args),
      allocate: (size: number) => new Uint8Array(size),
      allocateOutgoing: (size: number) => new Uint8Array(size),
      adoptInput: true,
      textAs: "bytes",
      validateUtf8: () => true,
      decodeUtf8Slice: () => "",
      writeUtf8: () => 0,
    };
    const keys = Object.keys(resolved(openServer()) as object);
    expect(keys.sort()).toEqual(Object.keys(other).sort());
    for (const key of keys) {
      const options: Record<string, unknown> = {};
      const first = resolved(new ServerConnection(options));
      options[key] = other[key];
      const second = resolved(new ServerConnection(options));
      expect(second, key).not.toBe(first);
      expect((second as Record<string, unknown>)[key], key).toBe(other[key]);
    }
  });

  it("sees a value changed between connections, and leaves earlier connections as they were", () => {
    const options: { maxMessageSize: number } = { maxMessageSize: 100 };
    const before = openServer(options);
    options.maxMessageSize = 1000;
    const after = openServer(options);
    expect(resolved(after)).not.toBe(resolved(before));
    const frame = rawFrame(Opcode.Binary, new Uint8Array(500), { masked: true });
    expect(closedOf(before.receive(frame)).code).toBe(1009);
    expect(after.receive(frame)[0]).toMatchObject({ type: "binary" });
    // Back to the first value: a third copy, again with that value.
    options.maxMessageSize = 100;
    expect(closedOf(openServer(options).receive(frame)).code).toBe(1009);
  });
});

describe("adoptInput option", () => {
  it("hands out a whole message as a view of its chunk, unmasked in place", () => {
    const server = openServer({ adoptInput: true });
    const chunk = concat([rawFrame(Opcode.Binary, new Uint8Array([1, 2, 3, 4, 5]), { masked: true }), rawFrame(Opcode.Text, utf8("héllo"), { masked: true })]);
    const events = server.receive(chunk);
    expect(events).toEqual([{ type: "binary", data: new Uint8Array([1, 2, 3, 4, 5]) }, { type: "text", data: "héllo" }]);
    const binary = events[0] as { data: Uint8Array };
    expect(binary.data.buffer).toBe(chunk.buffer);
    expect(chunk.subarray(6, 11)).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
  });

  it("hands out plain Uint8Arrays even when the chunk is a subclass (a Node Buffer's slice() is a view)", () => {
    class Chunk extends Uint8Array {}
    const wire = rawFrame(Opcode.Binary, new Uint8Array([9, 8, 7]), { masked: true });
    const chunk = new Chunk(wire.length);
    chunk.set(wire);
    const [event] = openServer({ adoptInput: true }).receive(chunk);
    expect(Object.getPrototypeOf((event as { data: Uint8Array }).data)).toBe(Uint8Array.prototype);
  });

  it("decodes text of up to 256 bytes with decodeUtf8Slice, straight from its read, and longer text without it", () => {
    const calls: Array<[Uint8Array, number, number, boolean]> = [];
    const decodeUtf8Slice = (read: Uint8Array, start: number, end: number, ascii: boolean): string => {
      calls.push([read, start, end, ascii]);
      return new TextDecoder("utf-8", { ignoreBOM: true }).decode(read.subarray(start, end));
    };
    const texts = ["", "héllo", "\ufeffkept", "a".repeat(256), `${"é".repeat(127)}ab`, "b".repeat(257), "\ufffd is text too"];
    for (const masked of [true, false]) {
      calls.length = 0;
      const frames = texts.map((t) => rawFrame(Opcode.Text, utf8(t), { masked }));
      const read = concat(frames);
      const conn = masked ? openServer({ adoptInput: true, decodeUtf8Slice }) : openClient({ adoptInput: true, decodeUtf8Slice });
      expect(conn.receive(read)).toEqual(texts.map((data) => ({ type: "text", data })));
      // Each range is the payload's place in the read: after the frames before it and its own header.
      let at = 0;
      const ranges = frames.map((f, i) => {
        const end = at + f.length;
        at = end;
        return [end - utf8(texts[i]!).length, end];
      });
      // Core tries the decoder once on ill-formed arrays of its own (replacesIllFormed).
      expect(calls.filter(([r]) => r === read).map(([, s, e]) => [s, e])).toEqual([...ranges.slice(0, 5), ranges[6]]);
      expect(calls.filter(([r]) => r !== read).length).toBeGreaterThan(10);
      // All-ASCII text is told so when core's unmasking saw it; unmasked text is never looked at first.
      const ascii = (t: string): boolean => masked && utf8(t).every((b) => b < 0x80);
      expect(calls.filter(([r]) => r === read).map(([, , , a]) => a)).toEqual([...texts.slice(0, 5), texts[6]!].map(ascii));
      expect(calls.filter(([r]) => r !== read).every(([, , , a]) => !a)).toBe(true);
    }
  });

  it("checks short text itself before a decodeUtf8Slice that does not show ill-formed input as U+FFFD, and after one that does when it holds U+FFFD", () => {
    const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const seen: Uint8Array[] = [];
    const replacing = (read: Uint8Array, start: number, end: number): string => {
      seen.push(read.slice(start, end));
      return textDecoder.decode(read.subarray(start, end));
    };
    // Drops what it cannot decode: right on valid text, wrong on the rest.
    const dropping = (read: Uint8Array, start: number, end: number): string => {
      seen.push(read.slice(start, end));
      return textDecoder.decode(read.subarray(start, end)).replaceAll("\ufffd", "");
    };
    expect(replacesIllFormed(replacing)).toBe(true);
    expect(replacesIllFormed(dropping)).toBe(false);
    expect(replacesIllFormed((read, start, end) => String.fromCharCode(...read.subarray(start, end)))).toBe(false);
    expect(replacesIllFormed((read, start, end) => new TextDecoder("utf-8", { fatal: true }).decode(read.subarray(start, end)))).toBe(false);
    const invalid = new Uint8Array([0x61, 0xed, 0xa0, 0x80]);
    const holding = concat([utf8("\ufffd"), invalid]);
    for (const decodeUtf8Slice of [replacing, dropping]) {
      for (const payload of [invalid, holding]) {
        seen.length = 0;
        const bad = rawFrame(Opcode.Text, payload, { masked: true });
        const withSlice = openServer({ adoptInput: true, decodeUtf8Slice });
        const without = openServer({ adoptInput: true });
        expect(withSlice.receive(bad.slice())).toEqual(without.receive(bad.slice()));
        expect(concat(withSlice.takeOutgoing())).toEqual(concat(without.takeOutgoing()));
        // The one that drops never gets the ill-formed text; the one that replaces does.
        expect(seen.some((range) => range.length === payload.length && range.every((b, i) => b === payload[i]))).toBe(decodeUtf8Slice === replacing);
      }
    }
  });

  it("unmasks payloads under 1 KiB itself and leaves longer ones to a replacement mask function, with the same results", () => {
    const calls: number[] = [];
    const counting: MaskFunction = (src, srcStart, dst, dstStart, length, key, keyOffset) => {
      calls.push(length);
      maskInto(src, srcStart, dst, dstStart, length, key, keyOffset);
    };
    // Odd sizes move every later payload off word alignment.
    const sizes = [3, 64, 125, 1023, 1024, 70, 5000, 17];
    const wire = concat(sizes.map((n, i) => rawFrame(Opcode.Binary, Uint8Array.from({ length: n }, (_, j) => (i * 31 + j) & 0xff), { masked: true })));
    const adopted = openServer({ adoptInput: true, mask: counting }).receive(wire.slice());
    expect(adopted).toEqual(openServer().receive(wire.slice()));
    expect(calls).toEqual([1024, 5000]);
  });

  it("lets go of the chunk when receive() returns (once the application drops its messages)", async () => {
    setFlagsFromString("--expose_gc");
    const gc = runInNewContext("gc") as () => void;
    const server = openServer({ adoptInput: true });
    const ref = ((): WeakRef<ArrayBufferLike> => {
      const chunk = concat([rawFrame(Opcode.Binary, new Uint8Array(500), { masked: true }), rawFrame(Opcode.Binary, new Uint8Array(500), { masked: true })]);
      expect(server.receive(chunk)).toHaveLength(2);
      return new WeakRef(chunk.buffer);
    })();
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(ref.deref()).toBeUndefined();
    expect(server.state).toBe("open");
  });

  it("keeps the reads of a message larger than a read, unmasked until the bound allows an array of its exact size and masked to its end, and copies each read into it once", () => {
    const sizes: number[] = [];
    const allocate = (n: number): Uint8Array => {
      sizes.push(n);
      return new Uint8Array(n);
    };
    const payload = Uint8Array.from({ length: (1 << 20) + 5 }, (_, i) => (i * 7) & 0xff);
    for (const masked of [true, false]) {
      sizes.length = 0;
      const first = rawFrame(Opcode.Binary, payload, { masked });
      const wire = concat([first, rawFrame(Opcode.Binary, new Uint8Array([1]), { masked })]);
      const reads = splitAt(wire, Array.from({ length: 17 }, (_, i) => (i + 1) * 65536));
      const conn = masked ? openServer({ adoptInput: true, allocate }) : openClient({ adoptInput: true, allocate });
      const events: ConnectionEvent[] = [];
      const arraysAfterRead = reads.map((read) => {
        events.push(...conn.receive(read));
        return sizes.length;
      });
      expect(events).toHaveLength(2);
      const data = (events[0] as { data: Uint8Array }).data;
      // Compared by hand: a failing toEqual on 1 MiB arrays takes minutes to print its diff.
      expect(data.length === payload.length && data.every((b, i) => b === payload[i])).toBe(true);
      expect(reads.some((read) => read.buffer === data.buffer)).toBe(false);
      // A copying connection sizes a buffer from the announced length (256 KiB first), then grows it.
      expect(sizes).toEqual([payload.length]);
      // Unmasked: made when four times the bytes arrived cover the announced 1 MiB (after the
      // header, four reads hold a few bytes less than 256 KiB, so at the fifth). Masked: at the
      // read that ends the message, where the kept reads are unmasked into it in one pass.
      const lastRead = Math.floor((first.length - 1) / 65536);
      expect(lastRead).toBe(16);
      expect(arraysAfterRead.indexOf(1), masked ? "masked" : "unmasked").toBe(masked ? lastRead : 4);
    }
    // In two frames the size is not announced: the reads are kept to the end and copied there.
    // (Each frame's slices are long enough to be kept: a short one moves the message into the buffer.)
    sizes.length = 0;
    const half = 500_000;
    const fragmented = concat([
      rawFrame(Opcode.Binary, payload.subarray(0, half), { masked: true, fin: false }),
      rawFrame(Opcode.Continuation, payload.subarray(half), { masked: true }),
    ]);
    const server = openServer({ adoptInput: true, allocate });
    const reads = splitAt(fragmented, Array.from({ length: 16 }, (_, i) => (i + 1) * 65536));
    const arraysAfterRead = reads.map((read) => (server.receive(read).length, sizes.length));
    expect(arraysAfterRead.indexOf(1)).toBe(reads.length - 1);
    expect(sizes).toEqual([payload.length]);
  });

  it("unmasks the kept reads of a binary message while copying them, in one pass, at every key phase", () => {
    const calls: { inPlace: boolean; dstLength: number }[] = [];
    const counting: MaskFunction = (src, srcStart, dst, dstStart, length, key, keyOffset) => {
      calls.push({ inPlace: src.buffer === dst.buffer, dstLength: dst.length });
      maskInto(src, srcStart, dst, dstStart, length, key, keyOffset);
    };
    const payload = Uint8Array.from({ length: 300_001 }, (_, i) => (i * 13 + (i >> 8)) & 0xff);
    const wire = rawFrame(Opcode.Binary, payload, { masked: true });
    // Reads of odd lengths start the kept slices at every phase of the masking key.
    for (const step of [65_537, 65_538, 65_539, 65_540, 8_191]) {
      calls.length = 0;
      const reads = splitAt(wire, Array.from({ length: Math.floor(wire.length / step) }, (_, i) => (i + 1) * step));
      const server = openServer({ adoptInput: true, mask: counting });
      const events = reads.flatMap((read) => server.receive(read));
      expect(events.map((e) => e.type)).toEqual(["binary"]);
      const data = (events[0] as { data: Uint8Array }).data;
      expect(data.length === payload.length && data.every((b, i) => b === payload[i]), `reads of ${step}`).toBe(true);
      // Nothing was unmasked in place first: each kept read went once into the message's array.
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((c) => !c.inPlace && c.dstLength === payload.length), `reads of ${step}`).toBe(true);
    }
  });

  it("unmasks masked text of any length into the reassembly buffer, never in place, and fails it at the read holding an invalid byte", () => {
    const calls: { inPlace: boolean; dstLength: number }[] = [];
    const counting: MaskFunction = (src, srcStart, dst, dstStart, length, key, keyOffset) => {
      calls.push({ inPlace: src.buffer === dst.buffer, dstLength: dst.length });
      maskInto(src, srcStart, dst, dstStart, length, key, keyOffset);
    };
    const sizes: number[] = [];
    const allocate = (n: number): Uint8Array => {
      sizes.push(n);
      return new Uint8Array(n);
    };
    // Mostly ASCII with two- to four-byte characters: reads of 64 KiB cut some of them.
    const text = "{\"k\":\"héllo wörld €\",\"e\":\"🙂\"},".repeat(28_000);
    const payload = utf8(text);
    const wire = rawFrame(Opcode.Text, payload, { masked: true });
    const cuts = Array.from({ length: Math.floor(wire.length / 65_536) }, (_, i) => (i + 1) * 65_536);
    const server = openServer({ adoptInput: true, mask: counting, allocate });
    const events = splitAt(wire, cuts).flatMap((read) => server.receive(read));
    expect(events).toEqual([{ type: "text", data: text }]);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => !c.inPlace)).toBe(true);
    // Sized as a copying connection sizes it: 256 KiB from the announced length, then all of it.
    expect(sizes).toEqual([256 * 1024, payload.length]);

    // An invalid byte in the 2nd or the 12th read (before and after the buffer is made at its
    // full size): that read fails the connection, the ones before it do not.
    for (const at of [1, 11]) {
      const bad = payload.slice();
      bad[at * 65_536 + 100] = 0xff;
      const badWire = rawFrame(Opcode.Text, bad, { masked: true });
      const reads = splitAt(badWire, cuts);
      const failing = openServer({ adoptInput: true });
      for (let i = 0; i < at; i++) expect(failing.receive(reads[i]!), `read ${i} of ${at}`).toEqual([]);
      expect(closedOf(failing.receive(reads[at]!)).code).toBe(1007);
    }
  });

  it("unmasks a binary message that is one kept read in place, and fragments of several keys each with its own", () => {
    const first = Uint8Array.from({ length: 8_195 }, (_, i) => (i * 7) & 0xff);
    const second = Uint8Array.from({ length: 20_002 }, (_, i) => (i * 11 + 3) & 0xff);
    // A sole kept read: the first fragment, then an empty last one.
    const sole = concat([rawFrame(Opcode.Binary, first, { masked: true, fin: false }), rawFrame(Opcode.Continuation, new Uint8Array(0), { masked: true })]);
    const server = openServer({ adoptInput: true });
    expect([...server.receive(sole.subarray(0, 8_203).slice()), ...server.receive(sole.subarray(8_203).slice())]).toEqual([{ type: "binary", data: first }]);
    // Two fragments masked with different keys, each in reads of its own.
    const frame1 = rawFrame(Opcode.Binary, first, { masked: true, fin: false });
    const frame2 = rawFrame(Opcode.Continuation, second, { masked: true });
    frame2.set([0x11, 0x22, 0x33, 0x44], 4);
    const expected = second.map((b, i) => b ^ [0x37, 0xfa, 0x21, 0x3d][i & 3]! ^ [0x11, 0x22, 0x33, 0x44][i & 3]!);
    const reads = [frame1, frame2.subarray(0, 9_001), frame2.subarray(9_001)].map((r) => r.slice());
    const events = reads.flatMap((read) => server.receive(read));
    expect(events.map((e) => e.type)).toEqual(["binary"]);
    expect(toHex((events[0] as { data: Uint8Array }).data)).toBe(toHex(concat([first, expected])));
  });

  it("unmasks a masked single-frame message up to 256 KiB into an array of its size as its reads come", () => {
    const calls: boolean[] = [];
    const sizes: number[] = [];
    const counting: MaskFunction = (src, srcStart, dst, dstStart, length, key, keyOffset) => {
      calls.push(src.buffer === dst.buffer);
      maskInto(src, srcStart, dst, dstStart, length, key, keyOffset);
    };
    const allocate = (n: number): Uint8Array => {
      sizes.push(n);
      return new Uint8Array(n);
    };
    // Text too: kept reads of text are unmasked in place to be checked, this needs no second pass.
    const text = "aé東🙂".repeat(12_000);
    const wire = rawFrame(Opcode.Text, utf8(text), { masked: true });
    const server = openServer({ adoptInput: true, mask: counting, allocate, textAs: "bytes" });
    const events = splitAt(wire, [65_536]).flatMap((read) => server.receive(read.slice()));
    expect(events).toEqual([{ type: "text-bytes", data: utf8(text) }]);
    expect(sizes).toEqual([utf8(text).length]);
    expect(calls).toEqual([false, false]);
  });

  it("moves a message into the reassembly buffer when its reads would pin more than the bound", () => {
    const sizes: number[] = [];
    const allocate = (n: number): Uint8Array => {
      sizes.push(n);
      return new Uint8Array(n);
    };
    const first = new Uint8Array(4096).fill(1);
    const last = new Uint8Array(8192).fill(2);
    // The first fragment shares its read with 300 KB of pings: keeping a view would pin all of it.
    const pings = Array.from({ length: 2400 }, () => rawFrame(Opcode.Ping, new Uint8Array(125), { masked: true }));
    const read1 = concat([rawFrame(Opcode.Binary, first, { masked: true, fin: false }), ...pings]);
    const read2 = rawFrame(Opcode.Continuation, last, { masked: true });
    const server = openServer({ adoptInput: true, allocate });
    const events = server.receive(read1);
    // Copied into a buffer during the first read (room for more: the size is not announced).
    expect(sizes).toHaveLength(1);
    expect(sizes[0]).toBeGreaterThanOrEqual(4096);
    expect(sizes[0]).toBeLessThanOrEqual(2 * 4096);
    events.push(...server.receive(read2));
    const message = events.find((e) => e.type === "binary") as { data: Uint8Array };
    expect(message.data).toEqual(concat([first, last]));
  });

  it("lets go of a message's kept reads once it is delivered, whether it took a few reads or many", async () => {
    setFlagsFromString("--expose_gc");
    const gc = runInNewContext("gc") as () => void;
    let reading = 0;
    const allocatedAt: number[] = [];
    const allocate = (n: number): Uint8Array => {
      allocatedAt.push(reading);
      return new Uint8Array(n);
    };
    const client = openClient({ adoptInput: true, allocate });
    // Two frames, so that the size is not announced (a single-frame message up to 256 KiB goes
    // into its own array at once), each in reads of 5,000 bytes, the first frame ending at a
    // read's end: every read but the last holds at least 4 KiB of payload and is kept to the
    // message's end, where the message gets its one array.
    const deliver = (payload: Uint8Array): WeakRef<ArrayBufferLike>[] => {
      const reads5000 = (frame: Uint8Array): Uint8Array[] => splitAt(frame, Array.from({ length: Math.floor((frame.length - 1) / 5_000) }, (_, i) => (i + 1) * 5_000));
      const split = 5_000 * Math.floor(payload.length / 10_000);
      const first = split - (split - 4 < 65_536 ? 4 : 10);
      const frames = [rawFrame(Opcode.Binary, payload.subarray(0, first), { masked: false, fin: false }), rawFrame(Opcode.Continuation, payload.subarray(first), { masked: false })];
      expect(frames[0]!.length % 5_000).toBe(0);
      const reads = frames.flatMap(reads5000).map((r) => r.slice());
      allocatedAt.length = 0;
      const events = reads.flatMap((read, i) => ((reading = i), client.receive(read)));
      expect(events.map((e) => e.type)).toEqual(["binary"]);
      expect(allocatedAt).toEqual([reads.length - 1]);
      const data = (events[0] as { data: Uint8Array }).data;
      expect(data.length === payload.length && data.every((b, i) => b === payload[i])).toBe(true);
      return reads.map((read) => new WeakRef(read.buffer));
    };
    const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 9)) & 0xff);
    // 3 reads (the last kept too), then 100 (more than the list of kept reads is reused for),
    // then 3 again (the last copied after the others).
    const refs = [...deliver(bytes(14_500, 7)), ...deliver(bytes(500_000, 13)), ...deliver(bytes(13_000, 5))];
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(client.state).toBe("open");
  });

  it("delivers text as bytes, checked after ASCII runs read by words, exactly when a copying connection accepts it", () => {
    // ASCII runs of every length up to past 2 KiB words then anything valid or invalid, many
    // messages to a chunk (the word view is then kept from one message to the next), at every
    // alignment the frame headers leave.
    const tails = [new Uint8Array(0), utf8("é"), utf8("🙂 ok"), new Uint8Array([0xff]), new Uint8Array([0xc3]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0xe2, 0x82])];
    for (const masked of [true, false]) {
      const frames: Uint8Array[] = [];
      for (let n = 0; n < 2200; n += n < 300 ? 1 : 97) {
        for (const tail of tails) frames.push(concat([new Uint8Array(n).fill(0x61), tail, new Uint8Array(n % 5).fill(0x62)]));
      }
      const run = (adoptInput: boolean, payload: Uint8Array): unknown => {
        const chunk = concat([rawFrame(Opcode.Binary, new Uint8Array(200), { masked }), rawFrame(Opcode.Text, payload, { masked })]);
        const connection = masked ? openServer({ adoptInput, textAs: "bytes" }) : openClient({ adoptInput, textAs: "bytes" });
        return connection.receive(chunk).map((e) => (e.type === "closed" ? [e.code, e.reason] : e.type === "text-bytes" ? e.data : e.type));
      };
      const outcomes = frames.map((payload) => {
        const adopted = run(true, payload);
        expect(adopted, `${payload.length} bytes`).toEqual(run(false, payload));
        return JSON.stringify(adopted).includes("1007") ? "refused" : "accepted";
      });
      expect(new Set(outcomes)).toEqual(new Set(["accepted", "refused"]));
    }
  });

  it("fails invalid UTF-8 with the reason a copying connection gives", () => {
    const frame = rawFrame(Opcode.Text, new Uint8Array([0x68, 0xc3, 0x28]), { masked: true });
    const closed = (adoptInput: boolean) => closedOf(openServer({ adoptInput }).receive(frame.slice()));
    expect(closed(true)).toEqual(closed(false));
    expect(closed(true).code).toBe(1007);
  });
});

describe("outgoing frames between two takeOutgoing() calls", () => {
  for (const role of ["server", "client"] as const) {
    it(`are built in one array, byte for byte what one takeOutgoing() per frame gives (${role})`, () => {
      const batched = role === "server" ? openServer() : openClient({ random: seededRandom(5) });
      const single = role === "server" ? openServer() : openClient({ random: seededRandom(5) });
      const payload = new Uint8Array(300).fill(7);
      const each: Uint8Array[] = [];
      const sends: Array<(c: ServerConnection | ClientConnection) => void> = [
        (c) => c.sendText("hello"),
        (c) => c.sendBinary(payload),
        (c) => c.ping("p"),
        (c) => c.sendText("x".repeat(20_000)), // over 16 KiB: on the server, header and payload apart
        (c) => c.sendBinary(payload.subarray(0, 10), { fin: false }),
        (c) => c.sendBinary(payload.subarray(0, 70)),
      ];
      for (let round = 0; round < 2; round++) {
        each.length = 0;
        for (const send of sends) {
          send(batched);
          send(single);
          each.push(...single.takeOutgoing());
        }
        const out = batched.takeOutgoing();
        expect(concat(out)).toEqual(concat(each));
        // Once a batch has shown its size: the large text ends the run before it (the server
        // queues its header and payload apart; a client's has a buffer of its own), and the
        // frames after it continue in the same buffer.
        if (round === 1) {
          expect(out.length).toBe(role === "server" ? 4 : 3);
          expect(out.at(-1)!.buffer).toBe(out[0]!.buffer);
        }
      }
    });
  }

  for (const role of ["server", "client"] as const) {
    it(`go out as one array per batch once batches have shown their size, text of any length (${role})`, () => {
      const sizes: number[] = [];
      const allocateOutgoing = (n: number): Uint8Array => {
        sizes.push(n);
        return new Uint8Array(n);
      };
      const conn = role === "server" ? openServer({ allocateOutgoing }) : openClient({ random: seededRandom(9), allocateOutgoing });
      const decodeRole = role === "server" ? "server" : "client";
      // 64 and 1,000 characters take the encoder's path, which reserved three bytes per
      // character and so started a new array for the last message of each batch.
      for (const text of ["a".repeat(64), "b".repeat(1000), "short"]) {
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 16; i++) conn.sendText(text);
          const out = conn.takeOutgoing();
          expect(decodeOut(decodeRole, out).map((f) => new TextDecoder().decode(f.payload))).toEqual(Array(16).fill(text));
          if (round > 0) expect(out.length).toBe(1);
        }
      }
      // The last message needs more than the batch before left room for: it still goes out whole.
      const texts = [...Array(15).fill("c".repeat(64)), "é".repeat(64)];
      for (let i = 0; i < 16; i++) conn.sendText("c".repeat(64));
      conn.takeOutgoing();
      for (const t of texts) conn.sendText(t);
      const out = conn.takeOutgoing();
      expect(out.length).toBe(2);
      expect(decodeOut(decodeRole, out).map((f) => new TextDecoder().decode(f.payload))).toEqual(texts);
      // The next batch's array is sized by what that batch used, not by the room it tried first.
      conn.sendText("d");
      expect(sizes.at(-1)).toBe(out[0]!.length + out[1]!.length);
    });
  }

  it("copy the payload at once: the caller may reuse it before takeOutgoing()", () => {
    const server = openServer();
    const buffer = new Uint8Array(100).fill(1);
    server.sendBinary(buffer);
    buffer.fill(2);
    server.sendBinary(buffer);
    const frames = decodeOut("server", server.takeOutgoing());
    expect(frames.map((f) => f.payload[0])).toEqual([1, 2]);
  });

  it("are not written into an array handed out before", () => {
    const server = openServer();
    server.sendBinary(new Uint8Array(100));
    const [first] = server.takeOutgoing();
    server.sendBinary(new Uint8Array(100).fill(9));
    const [second] = server.takeOutgoing();
    expect(first!.buffer).not.toBe(second!.buffer);
    expect(first!.every((b, i) => i < 2 || b === 0)).toBe(true);
  });
});

describe("messages an extension decodes", () => {
  /**
   * A server with an `x-out` extension (RSV2) that swallows every slice and, at the message's
   * end, returns `output()`'s arrays: what a decompressor does with a whole message.
   */
  function serverWithOutput(output: () => Uint8Array[], options: { maxMessageSize?: number; textAs?: "string" | "bytes" } = {}): ServerConnection {
    const ext: Extension = {
      name: "x-out",
      rsvBits: 0x20,
      decode: (_data, _rsv, end) => (end ? output() : []),
      encode: (data) => ({ data, rsv: 0 }),
      dispose: () => undefined,
    };
    const server = new ServerConnection({
      ...options,
      extensions: [{ name: "x-out", negotiate: () => ({ response: { name: "x-out", params: [] }, extension: ext }) }],
    });
    server.receive(utf8(REQUEST.replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: x-out\r\n\r\n")));
    server.accept();
    server.takeEvents();
    server.takeOutgoing();
    return server;
  }
  const compressed = (opcode: number, fin = true) => rawFrame(opcode, "zz", { masked: true, rsv: 0x20, fin });

  it("hands a whole message that comes out in one array to the application as that array", () => {
    const out = utf8("binary out");
    const [binary] = serverWithOutput(() => [out]).receive(compressed(Opcode.Binary));
    expect(binary).toEqual({ type: "binary", data: out });
    expect((binary as { data: Uint8Array }).data).toBe(out);
    const text = utf8("text out ✓");
    const [bytes] = serverWithOutput(() => [text], { textAs: "bytes" }).receive(compressed(Opcode.Text));
    expect((bytes as { data: Uint8Array }).data).toBe(text);
    expect(serverWithOutput(() => [text]).receive(compressed(Opcode.Text))).toEqual([{ type: "text", data: "text out ✓" }]);
  });

  it("does the same when the message came in several frames", () => {
    const out = utf8("from three frames");
    const server = serverWithOutput(() => [out]);
    expect(server.receive(compressed(Opcode.Binary, false))).toEqual([]);
    expect(server.receive(rawFrame(Opcode.Continuation, "zz", { masked: true, fin: false }))).toEqual([]);
    const [binary] = server.receive(rawFrame(Opcode.Continuation, "zz", { masked: true }));
    expect((binary as { data: Uint8Array }).data).toBe(out);
  });

  it("joins a message that comes out in several arrays", () => {
    const parts = [utf8("one, "), utf8("two, "), utf8("three")];
    expect(serverWithOutput(() => parts).receive(compressed(Opcode.Text))).toEqual([{ type: "text", data: "one, two, three" }]);
    const [binary] = serverWithOutput(() => parts).receive(compressed(Opcode.Binary));
    expect(toHex((binary as { data: Uint8Array }).data)).toBe(toHex(utf8("one, two, three")));
  });

  it("fails invalid UTF-8 with 1007 whether it comes out in one array or in several", () => {
    for (const parts of [[hex("61c3")], [hex("61"), hex("c328")], [hex("ed"), hex("a080")]]) {
      for (const textAs of ["string", "bytes"] as const) {
        const closed = closedOf(serverWithOutput(() => parts, { textAs }).receive(compressed(Opcode.Text)));
        expect(closed.code).toBe(1007);
      }
    }
  });

  it("fails a message that comes out longer than maxMessageSize with 1009, even from an extension that ignores its limit", () => {
    expect(serverWithOutput(() => [new Uint8Array(100)], { maxMessageSize: 100 }).receive(compressed(Opcode.Binary))[0]).toMatchObject({ type: "binary" });
    expect(closedOf(serverWithOutput(() => [new Uint8Array(101)], { maxMessageSize: 100 }).receive(compressed(Opcode.Binary))).code).toBe(1009);
    expect(closedOf(serverWithOutput(() => [new Uint8Array(60), new Uint8Array(41)], { maxMessageSize: 100 }).receive(compressed(Opcode.Binary))).code).toBe(1009);
  });
});
