/**
 * In-process encode throughput: core's sendText/sendBinary + takeOutgoing() against ws's Sender
 * writing to a socket stub, for the same payloads. Masked = the client role, unmasked = the
 * server role. With compression both compress every message (thresholds 0) with context
 * takeover; ws deflates on zlib's thread pool, so its pass ends when every write callback ran.
 *
 *   tsx inproc/encode.ts --impl core|core+bufferutil|ws [--quick] [--only KEY] [--samples N] [--warmup MS] [--lockstep]
 *
 * The stub models what net.Socket.write does with a string (ws hands unmasked text over as a
 * string and lets the socket encode it): it encodes it with Buffer.from. Buffers cost nothing.
 */
import { allCases, caseKey, messagesPerStream, openPair, payloads, SIZES } from "../lib/fixtures.js";
import type { Case } from "../lib/fixtures.js";
import { NODE_DEFLATE, requireNodeDefaults } from "../lib/native-mask.js";
import { budgetFrom, emit, sample, turns, workerArgs } from "../lib/measure.js";
import type { Pass } from "../lib/measure.js";
import { Sender, wsDeflate, wsUsesBufferUtil } from "../lib/ws-internals.js";
import type { WsSocketLike } from "../lib/ws-internals.js";

const argv = process.argv.slice(2);
const { impl, quick, only } = workerArgs(argv);
const lockstep = turns(argv);
// `core+bufferutil`: core with what @wsengine/node passes it by default (bufferutil's mask loop,
// unzeroed buffers, node:zlib for long compressed messages).
const isCore = impl === "core" || impl === "core+bufferutil";
const coreNode = impl === "core+bufferutil" ? requireNodeDefaults() : undefined;
const deflateOptions = { threshold: 0, ...(impl === "core" ? {} : NODE_DEFLATE) };
const sizes = quick ? [16, 1024] : SIZES;

/** Messages per pass: as in the parse suite, at least 1 MiB of payload. */
function makePass(c: Case, count: number): Pass {
  const bufs = payloads(c.size).map((p) => Buffer.from(p));
  const strings = bufs.map((b) => b.toString("utf8"));
  const v = bufs.length;
  let written = 0;

  if (isCore) {
    const pair = openPair(c.deflate ? deflateOptions : null, undefined, coreNode);
    const conn = c.masked ? pair.client : pair.server;
    const text = c.kind === "text";
    return () => {
      for (let i = 0; i < count; i++) {
        if (text) conn.sendText(strings[i % v]!);
        else conn.sendBinary(bufs[i % v]!);
        for (const b of conn.takeOutgoing()) written += b.length;
      }
    };
  }

  let pending = 0;
  let resolvePass: (() => void) | null = null;
  const done = (): void => {
    if (--pending === 0 && resolvePass !== null) {
      const r = resolvePass;
      resolvePass = null;
      r();
    }
  };
  const socket: WsSocketLike = {
    destroyed: false,
    write(chunk: Buffer | string, cb?: () => void): boolean {
      written += typeof chunk === "string" ? Buffer.from(chunk).length : chunk.length;
      if (cb !== undefined) cb();
      return true;
    },
    cork() {},
    uncork() {},
  };
  const extensions = c.deflate ? { "permessage-deflate": wsDeflate(!c.masked, 0) } : {};
  const sender = new Sender(socket, extensions);
  const options = { binary: c.kind === "binary", mask: c.masked, fin: true, compress: c.deflate };
  const data: (Buffer | string)[] = c.kind === "text" ? strings : bufs;
  if (!c.deflate) {
    return () => {
      for (let i = 0; i < count; i++) sender.send(data[i % v]!, options);
    };
  }
  return () =>
    new Promise<void>((resolve) => {
      pending = count;
      resolvePass = resolve;
      for (let i = 0; i < count; i++) sender.send(data[i % v]!, options, done);
    });
}

for (const c of allCases(sizes)) {
  const key = caseKey(c);
  if (only !== null && key !== only) continue;
  await lockstep.turn(key);
  const count = messagesPerStream(c.size, c.deflate);
  const passes = await sample(makePass(c, count), budgetFrom(argv, c.size));
  emit({
    suite: "encode",
    impl: isCore ? impl : `${impl}${wsUsesBufferUtil() ? "+bufferutil" : ""}`,
    case: key,
    ...c,
    messagesPerPass: count,
    msgsPerSec: passes.map((p) => p * count),
  });
}
lockstep.end();
