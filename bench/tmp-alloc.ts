import { buildStream, chunked, openPair } from "./lib/fixtures.js";
const size = Number(process.argv[2] ?? 65536);
const kind = (process.argv[3] ?? "binary") as "binary" | "text";
const variants: Record<string, ((n: number) => Uint8Array) | undefined> = {
  zeroed: undefined,
  unsafeSlow: (n) => Buffer.allocUnsafeSlow(n),
  unsafe: (n) => Buffer.allocUnsafe(n),
  u8: (n) => new Uint8Array(n),
  hybrid: (n) => n < 262144 ? new Uint8Array(n) : Buffer.allocUnsafeSlow(n),
};
const order = (process.argv[4] ?? "zeroed,unsafeSlow,zeroed,unsafeSlow").split(",");
const masked = process.argv[5] === "masked";
const c = { size, kind, masked, deflate: false };
import { requireNodeDefaults } from "./lib/native-mask.js";
const nd = requireNodeDefaults();
const { bytes, count } = buildStream(c);
const pristine = chunked(bytes);
const work = chunked(bytes);
for (const round of [0, 1, 2, 3]) for (const name of order) {
  const pair = openPair(null, undefined, { textAs: "bytes", allocate: variants[name], validateUtf8: nd.validateUtf8, mask: nd.mask, allocateOutgoing: nd.allocateOutgoing } as never);
  const conn = masked ? pair.server : pair.client;
  const t0 = performance.now(); let msgs = 0;
  while (performance.now() - t0 < 1000) {
    for (let i = 0; i < work.length; i++) { work[i]!.set(pristine[i]!); msgs += conn.receive(work[i]!).length; }
  }
  const dt = performance.now() - t0;
  if (round > 0) console.log(name.padEnd(12), Math.round(msgs / dt * 1000), "msg/s");
}
