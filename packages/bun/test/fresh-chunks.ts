/**
 * For test/fresh-chunks.test.ts: whether the chunks Bun hands a socket's `data` handler (with the
 * adapter's handler options) are the handler's to keep and write into, as `adoptInput` assumes.
 * A Bun client sends a known byte stream in writes of many sizes; the server checks each chunk
 * against the stream, copies it, then overwrites it (as unmasking in place does). Afterwards every
 * kept chunk must still hold what was written into it, and no two chunks may share a buffer.
 * Prints one JSON line per transport.
 *   node_modules/.bin/bun run packages/bun/test/fresh-chunks.ts
 */
import { SOCKET_HANDLERS } from "../src/transport.js";

const TOTAL = 8 * 1024 * 1024;
const byteAt = (i: number): number => (i * 31 + 7 + (i >>> 13)) & 0xff;
const SCRIBBLE = 0xa5;

export interface Report {
  readonly transport: string;
  readonly bytes: number;
  readonly chunks: number;
  readonly distinctBuffers: number;
  /** Chunks whose bytes differed from the stream when they arrived. */
  readonly wrongOnArrival: number;
  /** Kept chunks whose bytes changed after the handler returned. */
  readonly changedLater: number;
}

async function check(transport: string, tls: { cert: string; key: string; ca: string } | null): Promise<Report> {
  const kept: Uint8Array[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let received = 0;
  let wrongOnArrival = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    ...(tls === null ? {} : { tls: { cert: tls.cert, key: tls.key } }),
    socket: {
      binaryType: SOCKET_HANDLERS.binaryType ?? "buffer",
      data(_socket, chunk: Uint8Array) {
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] !== byteAt(received + i)) {
            wrongOnArrival++;
            break;
          }
        }
        received += chunk.length;
        buffers.add(chunk.buffer);
        chunk.fill(SCRIBBLE);
        kept.push(chunk);
        if (received >= TOTAL) done();
      },
    },
  });
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    ...(tls === null ? {} : { tls: { ca: tls.ca, serverName: "localhost" } }),
    socket: { data() {}, drain() {} },
  });
  let sent = 0;
  for (let n = 1; sent < TOTAL; n = (n * 7 + 3) % 70_000) {
    const size = Math.min(n + 1, TOTAL - sent);
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = byteAt(sent + i);
    let written = 0;
    while (written < size) {
      written += client.write(bytes.subarray(written));
      if (written < size) await Bun.sleep(1);
    }
    sent += size;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, 20_000)))]);
  clearTimeout(timer);
  // Let Bun run its read loop a while longer with the chunks kept.
  await Bun.sleep(50);
  client.end();
  server.stop(true);
  const changedLater = kept.filter((chunk) => chunk.some((b) => b !== SCRIBBLE)).length;
  return { transport, bytes: received, chunks: kept.length, distinctBuffers: buffers.size, wrongOnArrival, changedLater };
}

const env = process.env;
console.log(JSON.stringify(await check("tcp", null)));
if (env.WSENGINE_TEST_CERT !== undefined && env.WSENGINE_TEST_KEY !== undefined && env.WSENGINE_TEST_CA !== undefined) {
  console.log(JSON.stringify(await check("tls", { cert: env.WSENGINE_TEST_CERT, key: env.WSENGINE_TEST_KEY, ca: env.WSENGINE_TEST_CA })));
}
