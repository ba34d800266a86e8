/**
 * The shared interop suites (STYLE.md §9): every peer runs the same exchange, each
 * compression mode it supports over plain TCP and over TLS with a certificate made for the run.
 *
 * - {@link runOurServerSuite}: the peer is a client of our server.
 * - {@link runOurClientSuite}: our client talks to the peer's server.
 *
 * One exchange sends the full plan (empty to several MiB, multibyte text, every byte value,
 * incompressible bytes, the same text twice) from the client; the server checks each message
 * byte for byte and echoes it; the client checks the echoes byte for byte. Then one side closes
 * with a code and a multibyte reason (the client over TCP, the server over TLS), and both sides
 * must see a clean close with that code, the non-closing side that reason. A counting relay
 * between the two checks that compression shrank what crossed the wire, or that nothing did.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PerMessageDeflateOptions, permessageDeflate } from "@wsengine/node";
import { type CountingProxy, countingProxy, makeTlsFiles, parseExtensions, type TlsFiles, within } from "./net.js";
import { ourClientExchange } from "./our-client.js";
import { startOurServer } from "./our-server.js";
import { CLIENT_CLOSE, PLANS, type PlanName, planBytes, SERVER_CLOSE } from "./plan.js";

/** One way to configure compression on both ends. */
export interface CompressionMode {
  readonly name: string;
  /** Our side's permessage-deflate options, or `false` for none. */
  readonly ours: PerMessageDeflateOptions | false;
  /** The peer's own setting, passed to it as is (for example "deflate" or "off"). */
  readonly peer: string;
  /** Whether the two agree on permessage-deflate with these settings. */
  readonly negotiated: boolean;
  /** The agreed parameters both sides must see in the response, when negotiated. */
  readonly response?: Readonly<Record<string, string | true>>;
}

export interface CloseSeen {
  readonly code: number;
  readonly reason: string;
  readonly wasClean?: boolean;
}

/** What a peer client reports of one exchange. */
export interface PeerClientOutcome {
  /** The response's `Sec-WebSocket-Extensions` (or the negotiated extensions) as the peer saw it. */
  readonly extensions: string;
  /** Echoes that differed from what the peer sent, and anything else that went wrong. */
  readonly problems: readonly string[];
  readonly close: CloseSeen;
}

export interface ClientPeer {
  readonly name: string;
  /** Skip the suite (a missing tool, already reported loudly). */
  readonly skip: boolean;
  readonly modes: readonly CompressionMode[];
  /** Whether the peer compresses what it sends (undici only inflates). */
  readonly compresses: boolean;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  /**
   * Run one exchange against `url` (through the counting relay, query included) and report.
   * `direct` is our http server itself, for what should not be counted (the browser's page).
   */
  run(args: { url: string; direct: string; plan: PlanName; closer: "client" | "server"; mode: CompressionMode; tls: TlsFiles | null }): Promise<PeerClientOutcome>;
}

/** What a peer server reports of one connection. */
export interface PeerServerRecord {
  /** The offer our client sent, and the response the peer sent, as the peer saw them. */
  readonly offer: string | undefined;
  readonly response: string | undefined;
  readonly problems: readonly string[];
  readonly count: number;
  readonly close: CloseSeen;
}

export interface RunningPeerServer {
  readonly port: number;
  /** The record of the connection that just ended (waits for its close). */
  lastConnection(): Promise<PeerServerRecord>;
  close(): Promise<void>;
}

export interface ServerPeer {
  readonly name: string;
  readonly skip: boolean;
  readonly modes: readonly CompressionMode[];
  readonly compresses: boolean;
  start(args: { mode: CompressionMode; tls: TlsFiles | null }): Promise<RunningPeerServer>;
}

function expectWire(proxy: CountingProxy, plan: PlanName, mode: CompressionMode, clientCompresses: boolean, serverCompresses: boolean): void {
  const total = planBytes(PLANS[plan]);
  const check = (bytes: number, compressed: boolean, direction: string): void => {
    const what = `${direction}: ${bytes} bytes on the wire for ${total} bytes of messages`;
    if (compressed) expect(bytes, what).toBeLessThan(total * 0.8);
    else expect(bytes, what).toBeGreaterThan(total);
  };
  check(proxy.bytes.up, mode.negotiated && clientCompresses, "client → server");
  check(proxy.bytes.down, mode.negotiated && serverCompresses, "server → client");
}

function expectResponse(header: string | undefined, mode: CompressionMode): void {
  const elements = parseExtensions(header);
  if (!mode.negotiated) return void expect(elements, `Sec-WebSocket-Extensions: ${header}`).toEqual([]);
  expect(elements, `Sec-WebSocket-Extensions: ${header}`).toHaveLength(1);
  expect(elements[0]!.name).toBe("permessage-deflate");
  if (mode.response !== undefined) expect(elements[0]!.params).toEqual(mode.response);
}

const PLAN: PlanName = "full";

/** Our server against a peer client: each compression mode × {TCP, TLS}. */
export function runOurServerSuite(peer: ClientPeer): void {
  describe.skipIf(peer.skip)(`our server × ${peer.name} client`, () => {
    let tls: TlsFiles;
    beforeAll(async () => {
      tls = makeTlsFiles();
      await peer.setup?.();
    });
    afterAll(async () => {
      await peer.teardown?.();
      tls?.remove();
    });

    for (const mode of peer.modes) {
      for (const secure of [false, true]) {
        const closer = secure ? "server" : "client";
        it(`${mode.name}, ${secure ? "TLS" : "TCP"}: ${PLAN} plan byte for byte, ${closer} closes`, async () => {
          const server = await startOurServer({ deflate: mode.ours, ...(secure ? { tls } : {}) });
          const proxy = await countingProxy(server.port);
          try {
            const url = `${secure ? "wss" : "ws"}://127.0.0.1:${proxy.port}/?plan=${PLAN}&closer=${closer}`;
            const outcome = await peer.run({ url, direct: server.url, plan: PLAN, closer, mode, tls: secure ? tls : null });
            const record = await within(server.nextConnection(), 1000, `our server's connection record; ${peer.name} said: ${outcome.problems.join("; ")}`);
            const serverSaw = await within(record.closed, 10_000, "our server's close");

            // The handshake from both ends.
            const offered = parseExtensions(record.offer).map((e) => e.name);
            if (mode.peer === "off") expect(offered).toEqual([]);
            else expect(offered).toContain("permessage-deflate");
            expectResponse(outcome.extensions, mode);
            expect(record.session.extensions).toEqual(mode.negotiated ? ["permessage-deflate"] : []);
            // Content both ways.
            expect(record.problems).toEqual([]);
            expect(record.received.count).toBe(PLANS[PLAN].length);
            expect(outcome.problems).toEqual([]);
            expectWire(proxy, PLAN, mode, peer.compresses, true);
            // A clean close with code and reason, on both sides.
            const sent = closer === "client" ? CLIENT_CLOSE : SERVER_CLOSE;
            expect(serverSaw).toMatchObject({ code: sent.code, wasClean: true, error: null });
            expect(outcome.close.code).toBe(sent.code);
            if (outcome.close.wasClean !== undefined) expect(outcome.close.wasClean).toBe(true);
            if (closer === "client") expect(serverSaw.reason).toBe(CLIENT_CLOSE.reason);
            else expect(outcome.close.reason).toBe(SERVER_CLOSE.reason);
          } finally {
            await proxy.close();
            await server.close();
          }
        });
      }
    }
  });
}

/** Our client against a peer server: each compression mode × {TCP, TLS}. */
export function runOurClientSuite(peer: ServerPeer): void {
  describe.skipIf(peer.skip)(`${peer.name} server × our client`, () => {
    let tls: TlsFiles;
    beforeAll(() => void (tls = makeTlsFiles()));
    afterAll(() => tls?.remove());

    for (const mode of peer.modes) {
      for (const secure of [false, true]) {
        const closer = secure ? "server" : "client";
        it(`${mode.name}, ${secure ? "TLS" : "TCP"}: ${PLAN} plan byte for byte, ${closer} closes`, async () => {
          const server = await peer.start({ mode, tls: secure ? tls : null });
          const proxy = await countingProxy(server.port);
          try {
            const url = `${secure ? "wss" : "ws"}://127.0.0.1:${proxy.port}/?plan=${PLAN}&closer=${closer}`;
            const outcome = await ourClientExchange(
              url,
              { ...(mode.ours === false ? {} : { extensions: [permessageDeflate(mode.ours)] }), ...(secure ? { tls: { ca: tls.cert } } : {}) },
              PLANS[PLAN],
              closer,
            );
            const record = await within(server.lastConnection(), 10_000, `${peer.name} server's record`);

            expectResponse(outcome.response, mode);
            expect(record.response ?? "").toBe(outcome.response ?? "");
            expect(outcome.extensions).toEqual(mode.negotiated ? ["permessage-deflate"] : []);
            if (mode.ours !== false) expect(parseExtensions(record.offer).map((e) => e.name)).toEqual(["permessage-deflate"]);
            expect(record.problems).toEqual([]);
            expect(record.count).toBe(PLANS[PLAN].length);
            expect(outcome.problems).toEqual([]);
            expectWire(proxy, PLAN, mode, true, peer.compresses);
            const sent = closer === "client" ? CLIENT_CLOSE : SERVER_CLOSE;
            expect(outcome.closeInfo).toMatchObject({ code: sent.code, wasClean: true, error: null });
            expect(record.close.code).toBe(sent.code);
            if (closer === "client") expect(record.close.reason).toBe(CLIENT_CLOSE.reason);
            else expect(outcome.closeInfo.reason).toBe(SERVER_CLOSE.reason);
          } finally {
            await proxy.close();
            await server.close();
          }
        });
      }
    }
  });
}
