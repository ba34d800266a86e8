/** A client and a server session joined by an in-memory pipe. */
import { ClientConnection, type ClientOptions, ServerConnection, type ServerOptions } from "@wsengine/core";
import { type SessionOptions, WebSocketSession } from "../../src/index.js";
import { type MemoryTransport, memoryPipe } from "./memory-transport.js";

export interface PairOptions {
  readonly client?: Partial<ClientOptions>;
  readonly server?: ServerOptions;
  readonly clientSession?: SessionOptions;
  readonly serverSession?: SessionOptions;
  readonly highWaterMark?: number;
}

export interface Pair {
  readonly client: WebSocketSession;
  readonly server: WebSocketSession;
  readonly clientTransport: MemoryTransport;
  readonly serverTransport: MemoryTransport;
}

export function sessionPair(options: PairOptions = {}): Pair {
  const [clientTransport, serverTransport] = memoryPipe(options.highWaterMark);
  const server = new WebSocketSession(new ServerConnection(options.server ?? {}), serverTransport, options.serverSession ?? {});
  const client = new WebSocketSession(
    new ClientConnection({ host: "memory.test", target: "/", ...options.client }),
    clientTransport,
    options.clientSession ?? {},
  );
  return { client, server, clientTransport, serverTransport };
}

/** A pair whose handshake completed. */
export async function openPair(options: PairOptions = {}): Promise<Pair> {
  const pair = sessionPair(options);
  await Promise.all([pair.client.opened, pair.server.opened]);
  return pair;
}

/** Every byte value, repeated to `length`. */
export function everyByte(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8)) & 0xff;
  return out;
}

/** Byte-for-byte equality, fast on multi-MiB arrays (vitest's deep equality is not). */
export function sameBytes(a: unknown, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `predicate` until it holds or `ms` pass. */
export async function until(predicate: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await sleep(2);
  }
}
