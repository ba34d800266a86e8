/**
 * Micro-benchmark for strict UTF-8 validation and decoding (packages/core/src/internal/utf8.ts).
 * Run: npx tsx bench/micro/utf8.bench.ts
 * Prints the best throughput of several timed rounds after a warm-up, in GB/s (1e9 bytes/s).
 */
import { isUtf8 } from "node:buffer";
import { Utf8Validator, decodeUtf8, decodeUtf8Strict, isValidUtf8 } from "../../packages/core/src/internal/utf8.js";

const SIZES = [16, 125, 1024, 64 * 1024, 1024 * 1024];

const TEXTS = {
  ascii: "The quick brown fox jumps over the lazy dog. {\"id\":42,\"ok\":true} ",
  "mostly ascii": "Hello, world! Grüße aus Köln, naïve café. JSON {\"name\":\"Zoë\"} ",
  cyrillic: "Съешь же ещё этих мягких французских булок, да выпей чаю. ",
  cjk: "我能吞下玻璃而不伤身体。私はガラスを食べられます。유리를 먹을 수 있어요",
  "mixed+emoji": "Привет 你好 😀 مرحبا 🎉 Grüße ok 👍🏽 ",
} as const;

const encoder = new TextEncoder();

/** `text` repeated to about `size` bytes, cut on a code point boundary. */
function sample(text: string, size: number): Uint8Array {
  let s = text;
  while (encoder.encode(s).length < size + 4) s += text;
  const bytes = encoder.encode(s);
  let n = size;
  while ((bytes[n]! & 0xc0) === 0x80) n--;
  return bytes.slice(0, n);
}

function measure(fn: (b: Uint8Array) => unknown, bytes: Uint8Array): number {
  const size = bytes.length;
  const calls = Math.max(8, Math.floor((32 * 1024 * 1024) / size));
  for (let i = 0; i < Math.min(calls, 50_000); i++) fn(bytes);
  let best = 0;
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn(bytes);
    const ms = performance.now() - t0;
    best = Math.max(best, (size * calls) / ms / 1e6);
  }
  return best;
}

const validator = new Utf8Validator();
const fatal = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8", { ignoreBOM: true });

const cases: Record<string, (b: Uint8Array) => unknown> = {
  "Utf8Validator.push, 1 chunk": (b) => {
    validator.reset();
    if (validator.push(b) !== -1 || !validator.isComplete()) throw new Error("invalid");
  },
  "Utf8Validator.push, 100 B chunks": (b) => {
    validator.reset();
    for (let i = 0; i < b.length; i += 100) {
      if (validator.push(b, i, Math.min(i + 100, b.length)) !== -1) throw new Error("invalid");
    }
  },
  isValidUtf8: (b) => {
    if (!isValidUtf8(b)) throw new Error("invalid");
  },
  "TextDecoder fatal (validate)": (b) => fatal.decode(b),
  "node:buffer isUtf8 (simdutf)": (b) => {
    if (!isUtf8(b)) throw new Error("invalid");
  },
  "decodeUtf8 (after validation)": (b) => decodeUtf8(b),
  "isValidUtf8 + decodeUtf8": (b) => {
    if (!isValidUtf8(b)) throw new Error("invalid");
    return decodeUtf8(b);
  },
  "decodeUtf8Strict (one pass)": (b) => {
    if (decodeUtf8Strict(b) === null) throw new Error("invalid");
  },
  "TextDecoder non-fatal": (b) => lenient.decode(b),
};

console.log(`node ${process.version}, GB/s (best of 7); sizes are approximate (cut on code point boundaries)`);
for (const [textName, text] of Object.entries(TEXTS)) {
  console.log(`\n${textName}`);
  console.log(["case".padEnd(34), ...SIZES.map((s) => String(s).padStart(9))].join(""));
  for (const [caseName, fn] of Object.entries(cases)) {
    const row = [caseName.padEnd(34)];
    for (const size of SIZES) row.push(measure(fn, sample(text, size)).toFixed(3).padStart(9));
    console.log(row.join(""));
  }
}
