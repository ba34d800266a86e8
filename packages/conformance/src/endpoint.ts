/**
 * An endpoint under test, whatever its transport: how the runner opens a connection to it
 * (negotiating permessage-deflate when a scenario asks) and how it sends handshake scenarios.
 * `tcp.ts` implements it for servers given by URL and clients started by a command; tests can
 * implement it in memory.
 */
import type { DeflateAgreement } from "./deflate.js";
import type { Link } from "./exchange.js";
import type { HandshakeObservation } from "./handshake.js";
import type { ParsedHead, RequestSpec, ResponseSpec } from "./http.js";
import type { Received, Ending } from "./trace.js";

/** An opened connection, or why the scenario cannot run. */
export type OpenResult =
  | {
      readonly kind: "open";
      readonly link: Link;
      readonly agreement: DeflateAgreement | null;
      /** The handshake as exchanged, for reports. */
      readonly request: string;
      readonly response: string;
    }
  /** The scenario does not apply (the endpoint declined permessage-deflate). */
  | { readonly kind: "skip"; readonly reason: string }
  /** The endpoint did not complete a valid handshake: it cannot be tested. */
  | { readonly kind: "error"; readonly reason: string; readonly request?: string; readonly response?: string };

/** What a client under test did with a response. */
export interface ClientResponseObservation {
  /** The client's request. */
  readonly request: ParsedHead;
  readonly requestText: string;
  readonly responseText: string;
  readonly received: readonly Received[];
  /** Whether the client echoed the kit's probe message. */
  readonly echoed: boolean;
  readonly ending: Ending;
}

/** The endpoint under test. */
export interface Endpoint {
  /** The role of the endpoint under test. */
  readonly role: "server" | "client";
  /** For reports: the URL or the command. */
  readonly description: string;
  /** Get ready (start the client process, for instance). */
  start(): Promise<void>;
  /** Open a connection; with `deflate`, offer (server under test) or expect (client) permessage-deflate. */
  open(options: { readonly deflate: boolean; readonly timeoutMs: number; readonly offer?: string }): Promise<OpenResult>;
  /**
   * Server under test: send a request, read the answer. `$HOST` and `$TARGET` in the request
   * stand for the URL's host and path; the request as sent is returned as `spec`.
   */
  handshake?(spec: RequestSpec, timeoutMs: number): Promise<{ spec: RequestSpec; observation: HandshakeObservation; requestText: string; responseText: string }>;
  /** Client under test: answer its next request with `spec`, then send a probe message. */
  respond?(spec: ResponseSpec, timeoutMs: number): Promise<ClientResponseObservation | { readonly error: string }>;
  /** Client requests seen so far (client under test), for the request checks. */
  readonly requests?: readonly ParsedHead[];
  /** Whether the endpoint still answers a plain echo. */
  probe?(timeoutMs: number): Promise<string | null>;
  /** Output of the process under test, if any (last lines), for reports on failures. */
  output?(): string;
  stop(): Promise<void>;
}
