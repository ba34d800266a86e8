/**
 * In-process parse throughput: the same wire bytes, in the same 64 KiB reads, fed to core's
 * Connection.receive() and to ws's Receiver. One implementation per process (run.ts starts one
 * for each), so no JIT site is shared between them.
 *
 *   tsx inproc/parse.ts --impl core|core+bufferutil|core-string|ws|ws-string [--quick]
 *       [--only 1024/text/masked/plain | --match REGEX] [--samples N] [--warmup MS] [--lockstep]
 *       [--read-size BYTES]
 *
 * ws's Receiver hands text over as validated bytes (a Buffer), and so do `core` and
 * `core+bufferutil` here (core's `textAs: "bytes"`): like for like. `ws-string` adds the
 * `toString()` an application needs to get a string, and `core-string` is core delivering
 * strings (its default), with @wsengine/node's defaults; both run the text cases only. Every pass
 * first copies the pristine input into the read buffers (ws unmasks in place, core adopts them),
 * for every implementation alike; the cost of that copy alone is reported as `refreshPerSec`.
 */
import { allCases, buildStream, caseKey, CHUNK_SIZE, chunked, openPair, SIZES } from "../lib/fixtures.js";
import type { Case } from "../lib/fixtures.js";
import { NODE_DEFLATE, requireNodeDefaults } from "../lib/native-mask.js";
import { flagValue } from "../lib/args.js";
import { budgetFrom, emit, sample, turns, workerArgs } from "../lib/measure.js";
import type { Pass } from "../lib/measure.js";
import { Receiver, wsDeflate, wsUsesBufferUtil } from "../lib/ws-internals.js";

const argv = process.argv.slice(2);
const { impl, quick, only } = workerArgs(argv);
const lockstep = turns(argv);
// --match REGEX: only the cases whose key matches, in their usual order (to study a case after the ones before it).
const matchFlag = flagValue(argv, "match");
const match = matchFlag === undefined ? null : new RegExp(matchFlag);
// --read-size N: cut the stream into reads of N bytes instead of 64 KiB (not part of run.ts: a
// large message in small reads measures what each receive() call costs apart from the copying).
const readSize = Number(flagValue(argv, "read-size") ?? CHUNK_SIZE);
if (!Number.isSafeInteger(readSize) || readSize < 1) throw new Error(`--read-size must be a positive integer, got ${readSize}`);
// `core+bufferutil`: core with what @wsengine/node passes it by default (bufferutil's mask loop,
// unzeroed buffers, buffer.isUtf8, node:zlib for long compressed messages).
const isCore = impl === "core" || impl === "core+bufferutil" || impl === "core-string";
const coreOptions = impl === "core" ? { textAs: "bytes" as const } : impl === "core+bufferutil" ? { ...requireNodeDefaults(), textAs: "bytes" as const } : impl === "core-string" ? requireNodeDefaults() : undefined;
const deflateOptions = impl === "core" ? {} : NODE_DEFLATE;
const sizes = quick ? [16, 1024] : SIZES;

function makePass(c: Case, pristine: readonly Buffer[], work: readonly Buffer[], count: number): Pass {
  const refresh = (i: number): Buffer => {
    const w = work[i]!;
    w.set(pristine[i]!);
    return w;
  };
  const n = work.length;
  const check = (got: number): void => {
    if (got !== count) throw new Error(`${impl} ${caseKey(c)}: ${got} of ${count} messages`);
  };

  if (isCore) {
    const fresh = (): ReturnType<typeof openPair> => openPair(c.deflate ? deflateOptions : null, undefined, coreOptions);
    let pair = fresh();
    return () => {
      // With compression the inflater's window carries over: decode each pass on a new connection.
      if (c.deflate) pair = fresh();
      const conn = c.masked ? pair.server : pair.client;
      let got = 0;
      for (let i = 0; i < n; i++) got += conn.receive(refresh(i)).length;
      check(got);
    };
  }

  const toString = impl === "ws-string";
  const fresh = (): { receiver: ReturnType<typeof newReceiver>; done: () => number } => {
    const receiver = newReceiver(c);
    let got = 0;
    receiver.on("message", (data: Buffer, isBinary: boolean) => {
      if (toString && !isBinary) data.toString();
      got++;
    });
    receiver.on("error", (e: Error) => {
      throw e;
    });
    return { receiver, done: () => got };
  };
  if (!c.deflate) {
    const r = fresh();
    let base = 0;
    const cb = (err?: Error | null): void => {
      if (err) throw err;
    };
    return () => {
      // _write straight into the parser: the Writable machinery around it is left out (in ws's favour).
      for (let i = 0; i < n; i++) r.receiver._write(refresh(i), "buffer", cb);
      check(r.done() - base);
      base = r.done();
    };
  }
  // Compressed: ws inflates on zlib's thread pool and finishes asynchronously.
  return () =>
    new Promise<void>((resolve, reject) => {
      const r = fresh();
      r.receiver.on("message", () => {
        if (r.done() === count) resolve();
      });
      r.receiver.on("error", reject);
      for (let i = 0; i < n; i++) r.receiver.write(refresh(i));
    });
}

function newReceiver(c: Case): InstanceType<typeof Receiver> {
  const isServer = c.masked;
  const extensions = c.deflate ? { "permessage-deflate": wsDeflate(isServer) } : {};
  return new Receiver({ isServer, extensions, maxPayload: 0 });
}

for (const c of allCases(sizes)) {
  const key = caseKey(c);
  if (only !== null && key !== only) continue;
  if (match !== null && !match.test(key)) continue;
  if ((impl === "ws-string" || impl === "core-string") && c.kind !== "text") continue;
  await lockstep.turn(key);
  const { bytes, count } = buildStream(c);
  const pristine = chunked(bytes, readSize);
  const work = chunked(bytes, readSize);
  const passes = await sample(makePass(c, pristine, work, count), budgetFrom(argv, c.size));
  // The cost of the input refresh alone, once per case (core's worker only).
  const refresh = quick || impl !== "core" ? [] : await sample(() => {
    for (let i = 0; i < work.length; i++) work[i]!.set(pristine[i]!);
  }, { warmupMs: 20, sampleMs: 100, samples: 1 });
  emit({
    suite: "parse",
    impl: isCore ? impl : `${impl}${wsUsesBufferUtil() ? "+bufferutil" : ""}`,
    case: key,
    ...c,
    messagesPerPass: count,
    bytesPerPass: bytes.length,
    msgsPerSec: passes.map((p) => p * count),
    refreshPerSec: refresh.map((p) => p * count),
  });
}
lockstep.end();
