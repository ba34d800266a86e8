/**
 * Allocation per message for small messages, core against ws, parse (server receiving masked
 * frames) and encode (server sending).
 *
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 --import tsx inproc/alloc.ts --mode bytes --impl core
 *   node --expose-gc --import tsx inproc/alloc.ts --mode gc --impl ws
 *
 * bytes: after a full GC, process a batch of messages with a young generation large enough that
 *   no GC runs (checked with a PerformanceObserver; a batch with a GC is discarded), and divide
 *   the growth of heapUsed + arrayBuffers by the message count. Median of several batches.
 * gc: with V8's default heap sizes, run for a while and report GC time per message and the
 *   share of wall time spent in GC (PerformanceObserver 'gc' entries).
 */
import { PerformanceObserver } from "node:perf_hooks";
import { buildStream, chunked, openPair, payloads } from "../lib/fixtures.js";
import type { Case } from "../lib/fixtures.js";
import { emit, workerArgs } from "../lib/measure.js";
import { Receiver, Sender, wsUsesBufferUtil } from "../lib/ws-internals.js";
import type { WsSocketLike } from "../lib/ws-internals.js";

const argv = process.argv.slice(2);
const { impl, quick } = workerArgs(argv);
const mode = argv.includes("--mode") ? argv[argv.indexOf("--mode") + 1]! : "bytes";
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

let gcCount = 0;
let gcTime = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcCount++;
    gcTime += e.duration;
  }
}).observe({ entryTypes: ["gc"] });
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

/** A function that processes `n` messages (n a multiple of the stream's count for parse). */
type Work = (n: number) => void;

function parseWork(c: Case): { work: Work; unit: number } {
  const { bytes, count } = buildStream(c, 2048);
  const pristine = chunked(bytes);
  const work = chunked(bytes);
  const feed = (fn: (b: Buffer) => void): void => {
    for (let i = 0; i < work.length; i++) {
      work[i]!.set(pristine[i]!);
      fn(work[i]!);
    }
  };
  if (impl === "core") {
    const { server } = openPair(null);
    let sink = 0;
    return {
      unit: count,
      work: (n) => {
        for (let done = 0; done < n; done += count) feed((b) => (sink += server.receive(b).length));
      },
    };
  }
  const receiver = new Receiver({ isServer: true, extensions: {}, maxPayload: 0 });
  receiver.on("message", () => {});
  const cb = (): void => {};
  return {
    unit: count,
    work: (n) => {
      for (let done = 0; done < n; done += count) feed((b) => receiver._write(b, "buffer", cb));
    },
  };
}

function encodeWork(c: Case): { work: Work; unit: number } {
  const bufs = payloads(c.size).map((p) => Buffer.from(p));
  const strings = bufs.map((b) => b.toString("utf8"));
  const text = c.kind === "text";
  let sink = 0;
  if (impl === "core") {
    const { server } = openPair(null);
    return {
      unit: 1,
      work: (n) => {
        for (let i = 0; i < n; i++) {
          if (text) server.sendText(strings[i & 7]!);
          else server.sendBinary(bufs[i & 7]!);
          for (const b of server.takeOutgoing()) sink += b.length;
        }
      },
    };
  }
  const socket: WsSocketLike = {
    destroyed: false,
    write(chunk: Buffer | string, cb?: () => void): boolean {
      sink += typeof chunk === "string" ? Buffer.from(chunk).length : chunk.length;
      if (cb !== undefined) cb();
      return true;
    },
    cork() {},
    uncork() {},
  };
  const sender = new Sender(socket, {});
  const options = { binary: !text, mask: false, fin: true, compress: false };
  return {
    unit: 1,
    work: (n) => {
      for (let i = 0; i < n; i++) sender.send(text ? strings[i & 7]! : bufs[i & 7]!, options);
    },
  };
}

const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const cases: { op: "parse" | "encode"; c: Case }[] = [];
for (const op of ["parse", "encode"] as const) {
  for (const size of [16, 125]) for (const kind of ["text", "binary"] as const) cases.push({ op, c: { size, kind, masked: op === "parse", deflate: false } });
}

for (const { op, c } of cases) {
  const { work, unit } = op === "parse" ? parseWork(c) : encodeWork(c);
  const batch = Math.ceil(8192 / unit) * unit;
  work(batch * (quick ? 2 : 20)); // warm-up: optimized code allocates less than the interpreter
  const record: Record<string, unknown> = {
    suite: "alloc",
    mode,
    op,
    impl: impl === "core" ? "core" : `${impl}${wsUsesBufferUtil() ? "+bufferutil" : ""}`,
    case: `${op}/${c.size}/${c.kind}`,
    size: c.size,
    kind: c.kind,
  };
  if (mode === "bytes") {
    const perMessage: number[] = [];
    for (let attempt = 0; attempt < (quick ? 3 : 15) && perMessage.length < (quick ? 1 : 7); attempt++) {
      gc();
      await settle();
      const before = gcCount;
      const m0 = used();
      work(batch);
      const m1 = used();
      await settle();
      if (gcCount !== before + 0) continue; // a GC ran inside the batch: the difference means nothing
      perMessage.push((m1 - m0) / batch);
    }
    record.bytesPerMsg = perMessage;
  } else {
    gc();
    await settle();
    const n0 = gcCount;
    const t0 = gcTime;
    const start = performance.now();
    let messages = 0;
    while (performance.now() - start < (quick ? 100 : 1500)) {
      work(batch);
      messages += batch;
    }
    const wall = performance.now() - start;
    await settle();
    record.messages = messages;
    record.gcCount = gcCount - n0;
    record.gcMsPerMillionMsgs = ((gcTime - t0) / messages) * 1e6;
    record.gcShare = (gcTime - t0) / wall;
  }
  emit(record);
}
