/**
 * What a runtime provides to the shared suite: a server and a client on that runtime's adapter,
 * and the capabilities it has. Every adapter maps its own options onto these few.
 */
import type { ClientExtensionFactory, ServerExtensionFactory, UpgradeRequest } from "@wsengine/core";
import type { UpgradeDecision, WebSocketSession } from "@wsengine/session";

/** Features a case may need. `true`, or why the runtime under test lacks it (shown as the skip reason). */
export interface Capabilities {
  /** wss:// server and client with a test certificate authority. */
  readonly tls: true | string;
  /** The runtime's own global `WebSocket` client. */
  readonly builtinWebSocket: true | string;
}
export type Capability = keyof Capabilities;

/** Server options every adapter accepts (its own options are a superset). */
export interface SuiteServerOptions {
  readonly onConnection?: (session: WebSocketSession, request: UpgradeRequest) => void;
  readonly onUpgrade?: (request: UpgradeRequest) => UpgradeDecision | void | Promise<UpgradeDecision | void>;
  readonly extensions?: readonly ServerExtensionFactory[];
  readonly maxMessageSize?: number;
  readonly receiveHighWaterMark?: number;
  /** Serve wss:// with the harness's test certificate. */
  readonly tls?: boolean;
}

/** A listening server. */
export interface SuiteServer {
  readonly port: number;
  /** `ws://127.0.0.1:port` (or `wss://`). */
  readonly url: string;
  readonly clients: ReadonlySet<WebSocketSession>;
  close(options?: { readonly code?: number; readonly timeout?: number }): Promise<void>;
}

/** Client options every adapter accepts. */
export interface SuiteClientOptions {
  readonly protocols?: readonly string[];
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly extensions?: readonly ClientExtensionFactory[];
  readonly maxMessageSize?: number;
  readonly receiveHighWaterMark?: number;
  /** wss:// only: trust the harness's test CA (default `true`); `false` trusts only the system's. */
  readonly trustTestCa?: boolean;
}

/** The part of a WHATWG WebSocket the suite uses: the adapter's class and the runtime's own. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  send(data: string | ArrayBuffer | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
}
/** Opens a WHATWG-style client: `new WebSocket(url, protocols)` of some implementation. */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/** A runtime under test. */
export interface Harness {
  /** For reports: `"deno 2.9.6"`. */
  readonly runtime: string;
  readonly capabilities: Capabilities;
  /** The most bytes one read of the runtime's sockets hands the adapter: what may still arrive after a pause. */
  readonly largestRead: number;
  listen(options: SuiteServerOptions): Promise<SuiteServer>;
  connect(url: string, options?: SuiteClientOptions): Promise<WebSocketSession>;
  /** `new WebSocket(url, protocols)` with the adapter's WHATWG `WebSocket`. */
  readonly createWebSocket: WebSocketFactory;
  /** The same with the runtime's own `WebSocket`, when `capabilities.builtinWebSocket` is `true`. */
  readonly createBuiltinWebSocket: WebSocketFactory | null;
}

/** What an adapter's server gives the suite once it listens on 127.0.0.1. */
export interface ListeningServer {
  readonly port: number;
  readonly clients: ReadonlySet<WebSocketSession>;
  close(options?: { readonly code?: number; readonly timeout?: number }): Promise<void>;
}

/** The test certificate authority and server certificate (PEM); a missing part turns TLS off. */
export interface TestCertificatePem {
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
}

/** An adapter's side of a {@link Harness}: only the calls into the adapter and the runtime. */
export interface AdapterBinding {
  /** For reports: `"deno 2.9.6"`. */
  readonly runtime: string;
  readonly certificate: TestCertificatePem;
  /** See {@link Harness.largestRead}. */
  readonly largestRead: number;
  /** Listen on 127.0.0.1 with `options`, serving wss:// with `tls` when given. */
  listen(options: Omit<SuiteServerOptions, "tls">, tls: { readonly cert: string; readonly key: string } | undefined): ListeningServer | Promise<ListeningServer>;
  /** Connect with `options`, trusting the test CA `ca` (PEM) when given. */
  connect(url: string, options: Omit<SuiteClientOptions, "trustTestCa">, ca: string | undefined): Promise<WebSocketSession>;
  readonly createWebSocket: WebSocketFactory;
  /** The runtime's own `WebSocket`, or why the runtime has none. */
  readonly builtinWebSocket: WebSocketFactory | string;
}

/** A {@link Harness} from an adapter's binding: the capabilities, URLs and test-CA handling every harness shares. */
export function adapterHarness(binding: AdapterBinding): Harness {
  const { ca, cert, key } = binding.certificate;
  const serverTls = cert !== undefined && key !== undefined ? { cert, key } : undefined;
  const builtin = binding.builtinWebSocket;
  return {
    runtime: binding.runtime,
    capabilities: {
      tls: ca !== undefined && serverTls !== undefined ? true : "no test certificate in WSENGINE_TEST_CA/_CERT/_KEY",
      builtinWebSocket: typeof builtin === "string" ? builtin : true,
    },
    largestRead: binding.largestRead,
    async listen({ tls, ...options }) {
      if (tls === true && serverTls === undefined) throw new Error("no test certificate");
      const server = await binding.listen(options, tls === true ? serverTls : undefined);
      return {
        port: server.port,
        url: `${tls === true ? "wss" : "ws"}://127.0.0.1:${server.port}`,
        get clients() {
          return server.clients;
        },
        close: (shutdown) => server.close(shutdown),
      };
    },
    connect: (url, { trustTestCa = true, ...options } = {}) => binding.connect(url, options, trustTestCa ? ca : undefined),
    createWebSocket: binding.createWebSocket,
    createBuiltinWebSocket: typeof builtin === "string" ? null : builtin,
  };
}
