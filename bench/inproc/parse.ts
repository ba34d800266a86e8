/**
 * In-process parse throughput: the same wire bytes, in the same 64 KiB reads, fed to core's
 * Connection.receive() and to ws's Receiver. One implementation per process (run.ts starts one
 * for each), so no JIT site is shared between them.
 *
 *   tsx inproc/parse.ts --impl core|core+bufferutil|core-string|ws|ws-string [--quick]
 *       [--only 1024/text/masked/plain | --match REGEX] [--samples N] [--warmup MS] [--lockstep]
 *       [--read-size BYTES]
 *
 * `--impl A,B` (a study tool, not part of run.ts) measures two implementations in this one
 * process, alternating their sample windows (A B B A ...), and prints their medians and the
 * spread of the ratio A ÷ B between neighbouring windows: it tells a difference in the code from
 * one in the process (its heap, its allocator's layout, the machine's phase when it ran).
 * ws's bufferutil is per process (WS_NO_BUFFER_UTIL), so pair core with ws and core+bufferutil
 * with ws as the environment leaves it.
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
import { flagValue, positiveIntFlag } from "../lib/args.js";
import { budgetFrom, emit, loop, sample, turns, workerArgs } from "../lib/measure.js";
import type { Pass } from "../lib/measure.js";
import { summarize } from "../lib/stats.js";
import { Receiver, wsDeflate, wsUsesBufferUtil } from "../lib/ws-internals.js";

const argv = process.argv.slice(2);
const { impl: implFlag, quick, only } = workerArgs(argv);
const impls = implFlag.split(",");
if (impls.length > 2) throw new Error(`--impl takes one implementation or a pair, got ${implFlag}`);
const lockstep = turns(argv);
// --match REGEX: only the cases whose key matches, in their usual order (to study a case after the ones before it).
const matchFlag = flagValue(argv, "match");
const match = matchFlag === undefined ? null : new RegExp(matchFlag);
// --read-size N: cut the stream into reads of N bytes instead of 64 KiB (not part of run.ts: a
// large message in small reads measures what each receive() call costs apart from the copying).
const readSize = positiveIntFlag(argv, "read-size", CHUNK_SIZE);
const sizes = quick ? [16, 1024] : SIZES;

const isCore = (impl: string): boolean => impl === "core" || impl === "core+bufferutil" || impl === "core-string";
const textOnly = (impl: string): boolean => impl === "ws-string" || impl === "core-string";
/** The name results carry: ws's says whether this process's ws found bufferutil. */
const implName = (impl: string): string => (isCore(impl) ? impl : `${impl}${wsUsesBufferUtil() ? "+bufferutil" : ""}`);

function makePass(impl: string, c: Case, pristine: readonly Buffer[], work: readonly Buffer[], count: number): Pass {
  const refresh = (i: number): Buffer => {
    const w = work[i]!;
    w.set(pristine[i]!);
    return w;
  };
  const n = work.length;
  const check = (got: number): void => {
    if (got !== count) throw new Error(`${impl} ${caseKey(c)}: ${got} of ${count} messages`);
  };

  if (isCore(impl)) {
    // `core+bufferutil`: core with what @wsengine/node passes it by default (bufferutil's mask
    // loop, unzeroed buffers, buffer.isUtf8, node:zlib for long compressed messages).
    const coreOptions = impl === "core" ? { textAs: "bytes" as const } : impl === "core+bufferutil" ? { ...requireNodeDefaults(), textAs: "bytes" as const } : requireNodeDefaults();
    const deflateOptions = impl === "core" ? {} : NODE_DEFLATE;
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
  if (impls.some(textOnly) && c.kind !== "text") continue;
  await lockstep.turn(key);
  const { bytes, count } = buildStream(c);
  const pristine = chunked(bytes, readSize);
  if (impls.length === 2) {
    await comparePair(c, pristine, bytes, count);
    continue;
  }
  const impl = impls[0]!;
  const work = chunked(bytes, readSize);
  const passes = await sample(makePass(impl, c, pristine, work, count), budgetFrom(argv, c.size));
  // The cost of the input refresh alone, once per case (core's worker only).
  const refresh = quick || impl !== "core" ? [] : await sample(() => {
    for (let i = 0; i < work.length; i++) work[i]!.set(pristine[i]!);
  }, { warmupMs: 20, sampleMs: 100, samples: 1 });
  emit({
    suite: "parse",
    impl: implName(impl),
    case: key,
    ...c,
    messagesPerPass: count,
    bytesPerPass: bytes.length,
    msgsPerSec: passes.map((p) => p * count),
    refreshPerSec: refresh.map((p) => p * count),
  });
}
lockstep.end();

/**
 * `--impl A,B`: both implementations' passes in this process, each on its own copy of the reads,
 * sample windows alternating A B B A so that neither always runs first; prints one line.
 */
async function comparePair(c: Case, pristine: readonly Buffer[], bytes: Uint8Array, count: number): Promise<void> {
  const key = caseKey(c);
  const { warmupMs, sampleMs, samples } = budgetFrom(argv, c.size);
  const passes = impls.map((impl) => makePass(impl, c, pristine, chunked(bytes, readSize), count));
  const rates: number[][] = [[], []];
  for (const pass of passes) await loop(pass, warmupMs);
  // Twice --samples windows each (default 5 → 10 ratios).
  for (let i = 0; i < 2 * samples; i++) {
    for (const side of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const { passes: n, ms } = await loop(passes[side]!, sampleMs);
      rates[side]!.push((n * count * 1000) / ms);
    }
  }
  const ratio = summarize(rates[0]!.map((a, i) => a / rates[1]![i]!));
  const [a, b] = impls.map(implName);
  console.log(
    `${key}: ${a} ${summarize(rates[0]!).median.toFixed(0)} msg/s, ${b} ${summarize(rates[1]!).median.toFixed(0)} msg/s; ` +
      `${a} ÷ ${b} median ${ratio.median.toFixed(3)} (quartiles ${ratio.q1.toFixed(3)}–${ratio.q3.toFixed(3)}, ${ratio.n} pairs of windows)`,
  );
}
