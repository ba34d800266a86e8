/**
 * Cross-runtime interop: a client on one runtime against the echo peer ({@link serveEchoPeer})
 * running on another. The cases only use a `connect` function, so any adapter's client can run
 * them against any adapter's server.
 */
import { type ClientExtensionFactory, permessageDeflate } from "@wsengine/core";
import type { Message, WebSocketSession } from "@wsengine/session";
import { assert, assertBytes, assertEqual, pattern, within } from "./assert.js";
import type { SuiteClientOptions, SuiteServerOptions } from "./harness.js";
import type { Case } from "./runner.js";

const BIG = 8 << 20;
const TIMEOUT = 10_000;

/** The options of an interop echo peer: compression on offer, 8 MiB messages. */
export const ECHO_PEER_OPTIONS: Pick<SuiteServerOptions, "extensions" | "maxMessageSize"> = { extensions: [permessageDeflate()], maxMessageSize: BIG };

/**
 * What an echo peer does with a session: echo every message, except the text `close <code> <reason>`,
 * which makes the server start the closing handshake with that code and reason.
 */
export function serveEchoPeer(session: WebSocketSession): void {
  session.on("message", (m) => {
    const command = typeof m === "string" ? /^close (\d{4}) (.*)$/.exec(m) : null;
    if (command !== null) void session.close(Number(command[1]), command[2]);
    else void session.send(m).catch(() => {});
  });
}

/** Marks the line on which a peer process announces its URL: `@@wsengine-peer {"url":"ws://..."}`. */
export const PEER_PREFIX = "@@wsengine-peer ";

/**
 * Marks a peer's answer to a command it read from its stdin, one JSON line each, in order:
 * `@@wsengine-reply {...}` (see `PeerProcess.request` in `@wsengine/adapter-suite/node`).
 */
export const REPLY_PREFIX = "@@wsengine-reply ";

type Connect = (url: string, options?: SuiteClientOptions) => Promise<WebSocketSession>;

async function roundTrip(ws: WebSocketSession, message: Message): Promise<Message> {
  const reply = new Promise<Message>((resolve) => ws.once("message", resolve));
  await ws.send(message);
  return within(reply, TIMEOUT, "echo");
}

/**
 * Cases for a client (`connect`) against an echo peer at `url` (or the URL it returns once a case
 * runs). `deflate` makes the client's permessage-deflate: pass the adapter's own (Node's and
 * Bun's hand whole messages to zlib), core's by default.
 */
export function interopCases(connect: Connect, url: string | (() => string), deflate: () => ClientExtensionFactory = permessageDeflate): Case[] {
  const open = async (compress: boolean): Promise<WebSocketSession> =>
    within(connect(typeof url === "string" ? url : url(), { maxMessageSize: BIG, ...(compress ? { extensions: [deflate()] } : {}) }), TIMEOUT, "connect");
  const echoes = (compress: boolean): Case => ({
    name: `echo with compression ${compress ? "on" : "off"}: text and binary from 0 B to 4 MiB, then a clean close`,
    timeout: 30_000,
    async run(scope) {
      const ws = await open(compress);
      scope.defer(() => ws.terminate());
      assertEqual(ws.extensions, compress ? ["permessage-deflate"] : [], "negotiated extensions");
      for (const text of ["", "hello", "héllo wörld ✓ 日本語 🎉", "ü".repeat(50_000)]) assertEqual(await roundTrip(ws, text), text, `text of ${text.length}`);
      for (const size of [0, 125, 126, 65_536, 1 << 20, 4 << 20]) assertBytes(await roundTrip(ws, pattern(size, size)), pattern(size, size), `${size} bytes`);
      const info = await within(ws.close(1000, "bye"), TIMEOUT, "close");
      assertEqual([info.code, info.reason, info.wasClean], [1000, "bye", true], "close info");
    },
  });
  return [
    echoes(false),
    echoes(true),
    {
      name: "ping round trip",
      async run(scope) {
        const ws = await open(false);
        scope.defer(() => ws.terminate());
        const rtt = await within(ws.ping(), TIMEOUT, "pong");
        assert(rtt >= 0, `round trip ${rtt}`);
      },
    },
    {
      name: "a server-initiated close code and reason reach the client, clean",
      async run(scope) {
        const ws = await open(false);
        scope.defer(() => ws.terminate());
        await ws.send("close 4003 peer says bye");
        const info = await within(ws.closed, TIMEOUT, "close");
        assertEqual([info.code, info.reason, info.wasClean], [4003, "peer says bye", true], "close info");
      },
    },
  ];
}
