/// <reference path="../../session/src/globals.d.ts" />
// The Workers APIs this adapter touches, declared minimally on purpose (as core and session do):
// WHATWG streams and `cloudflare:sockets`. @cloudflare/workers-types is not used because its
// `TextDecoderConstructorOptions` makes `fatal` and `ignoreBOM` required, which rejects core's
// valid `new TextDecoder("utf-8", { ignoreBOM: true })`.
// Docs: https://developers.cloudflare.com/workers/runtime-apis/tcp-sockets/

type ReadableStreamReadResult<R> = { done: false; value: R } | { done: true; value?: undefined };
interface ReadableStreamDefaultReader<R> {
  read(): Promise<ReadableStreamReadResult<R>>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
  readonly closed: Promise<void>;
}
interface ReadableStream<R> {
  getReader(): ReadableStreamDefaultReader<R>;
  cancel(reason?: unknown): Promise<void>;
  readonly locked: boolean;
}
interface WritableStreamDefaultWriter<W> {
  write(chunk: W): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
  releaseLock(): void;
  readonly closed: Promise<void>;
  readonly ready: Promise<void>;
  readonly desiredSize: number | null;
}
interface WritableStream<W> {
  getWriter(): WritableStreamDefaultWriter<W>;
  abort(reason?: unknown): Promise<void>;
  close(): Promise<void>;
  readonly locked: boolean;
}

declare module "cloudflare:sockets" {
  export interface SocketAddress {
    hostname: string;
    port: number;
  }
  export interface SocketOptions {
    /** "off" (plain TCP), "on" (TLS from the start), "starttls" (plain, upgradable with startTls()). */
    secureTransport?: "off" | "on" | "starttls";
    /** Keep the writable side open after the readable side ends. Default false. */
    allowHalfOpen?: boolean;
  }
  export interface SocketInfo {
    remoteAddress?: string;
    localAddress?: string;
  }
  export interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    readonly opened: Promise<SocketInfo>;
    readonly closed: Promise<void>;
    readonly upgraded: boolean;
    readonly secureTransport: "on" | "off" | "starttls";
    close(): Promise<void>;
    startTls(options?: { expectedServerHostname?: string }): Socket;
  }
  export function connect(address: string | SocketAddress, options?: SocketOptions): Socket;
}
