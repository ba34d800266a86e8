/**
 * ws's own Receiver, Sender and PerMessageDeflate, loaded by path (they are not in ws's exports
 * map). Whether ws uses the native `bufferutil` is decided when ws/lib/buffer-util.js loads:
 * set WS_NO_BUFFER_UTIL=1 in the environment to measure ws without it.
 */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve("ws"));

export interface WsReceiver extends EventEmitter {
  _write(chunk: Buffer, encoding: string, cb: (err?: Error | null) => void): void;
  write(chunk: Buffer, cb?: (err?: Error | null) => void): boolean;
}
export interface WsReceiverOptions {
  readonly isServer?: boolean;
  readonly extensions?: Record<string, unknown>;
  readonly maxPayload?: number;
  readonly allowSynchronousEvents?: boolean;
  readonly skipUTF8Validation?: boolean;
}
export interface WsSocketLike {
  readonly destroyed: boolean;
  write(chunk: Buffer | string, cb?: () => void): boolean;
  cork(): void;
  uncork(): void;
}
export interface WsSender {
  send(data: Buffer | string, options: { binary: boolean; mask: boolean; fin: boolean; compress: boolean }, cb?: (err?: Error) => void): void;
}
export interface WsPerMessageDeflate {
  accept(configurations: Record<string, unknown[]>[]): Record<string, unknown>;
  cleanup(): void;
}

export const Receiver = require(join(wsDir, "lib/receiver.js")) as new (options: WsReceiverOptions) => WsReceiver;
export const Sender = require(join(wsDir, "lib/sender.js")) as new (socket: WsSocketLike, extensions?: Record<string, unknown>) => WsSender;
export const PerMessageDeflate = require(join(wsDir, "lib/permessage-deflate.js")) as new (options: Record<string, unknown>) => WsPerMessageDeflate;
export const bufferUtil = require(join(wsDir, "lib/buffer-util.js")) as {
  mask(source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number): void;
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
};

/** Whether ws loaded the native bufferutil in this process. */
export function wsUsesBufferUtil(): boolean {
  return /bufferUtil\.mask/.test(bufferUtil.mask.toString());
}

/** A negotiated ws PerMessageDeflate for one side, with context takeover (ws's default). */
export function wsDeflate(isServer: boolean, threshold = 1024): WsPerMessageDeflate {
  const pmd = new PerMessageDeflate({ isServer, threshold, maxPayload: 0 });
  // The server accepts the client's offer; the client accepts the server's (empty) response.
  pmd.accept(isServer ? [{ client_max_window_bits: [true] }] : [{}]);
  return pmd;
}
