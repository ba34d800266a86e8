/**
 * The shared adapter suite inside workerd. The harness's client is this adapter; its "server"
 * is a @wsengine/node echo peer the test started on 127.0.0.1 (`serveEchoPeer` with
 * `ECHO_PEER_OPTIONS`), because a Worker cannot listen. Cases that need the server side are
 * skipped (see ../suite-cases.ts).
 */
import {
  adapterCases,
  type Case,
  type Harness,
  interopCases,
  type SuiteClientOptions,
  type SuiteServer,
  type SuiteServerOptions,
  type WebSocketLike,
} from "@wsengine/adapter-suite";
import { connect, WebSocket as AdapterWebSocket } from "../../src/index.js";
import { SERVER_SIDE_REASON } from "../suite-cases.js";

/** Bindings for the suite. */
export interface SuiteEnv {
  /** The Node echo peer. */
  readonly SUITE_WS_URL: string;
  /** The same peer over TLS, its certificate signed by the suite's test CA, which the Worker's outbound network trusts. */
  readonly SUITE_WSS_URL: string;
  /** A TLS peer whose certificate comes from a CA nothing trusts. */
  readonly UNTRUSTED_URL: string;
}

const PEER_MAX_MESSAGE_SIZE = 8 << 20;

function remoteServer(url: string): SuiteServer {
  return { url, port: Number(new URL(url).port), clients: new Set(), close: async () => {} };
}

/** The suite's view of this runtime. */
export function workersHarness(env: SuiteEnv): Harness {
  const builtin = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => unknown }).WebSocket;
  return {
    runtime: "workerd (miniflare)",
    capabilities: { tls: true, builtinWebSocket: builtin === undefined ? "no global WebSocket" : true },
    // A connect() socket's reader gave chunks of at most 4 KiB (32 MiB from a Node server, workerd via miniflare).
    largestRead: 4096,
    // The peer stands in for the case's server: it echoes, offers permessage-deflate, takes 8 MiB
    // messages and confirms the subprotocol "chat" when offered (what the suite's WHATWG cases'
    // upgrade hook does). Only the cases in CLIENT_SIDE_CASES get here; the rest are skipped.
    async listen(options: SuiteServerOptions) {
      if (options.receiveHighWaterMark !== undefined || (options.maxMessageSize ?? 0) > PEER_MAX_MESSAGE_SIZE) throw new Error(SERVER_SIDE_REASON);
      return remoteServer(options.tls === true ? env.SUITE_WSS_URL : env.SUITE_WS_URL);
    },
    connect(url: string, options: SuiteClientOptions = {}) {
      const { trustTestCa = true, ...rest } = options;
      // workerd trusts certificates per network service, not per socket (and a network service
      // bound as a Fetcher cannot open TLS sockets), so "a client without the test CA" is the
      // same client meeting an identical peer whose certificate comes from an unknown CA.
      const target = trustTestCa || !url.startsWith(env.SUITE_WSS_URL) ? url : env.UNTRUSTED_URL + url.slice(env.SUITE_WSS_URL.length);
      return connect(target, rest);
    },
    createWebSocket: (url, protocols) => new AdapterWebSocket(url, protocols) as unknown as WebSocketLike,
    createBuiltinWebSocket: builtin === undefined ? null : (url, protocols) => new builtin(url, protocols) as WebSocketLike,
  };
}

/** The suite's case `name` (`kind` "adapter" or "interop") for this Worker, or `undefined`. */
export function findSuiteCase(env: SuiteEnv, kind: string, name: string): Case | undefined {
  const cases = kind === "interop" ? interopCases((url, options) => workersHarness(env).connect(url, options), env.SUITE_WS_URL) : adapterCases(workersHarness(env));
  return cases.find((c) => c.name === name);
}
