/**
 * RFC 7692 permessage-deflate against `ws`, every parameter combination, both roles, over real
 * sockets on 127.0.0.1:
 *
 * server_no_context_takeover × client_no_context_takeover × server_max_window_bits
 * {absent, 8, 9, 10, 15} × client_max_window_bits {absent, valueless, 8, 9, 15}, offered by the
 * client (ws's client to our server; our client to ws's server, both servers granting), plus
 * servers that insist on parameters the client did not ask for.
 *
 * Window bits 8: zlib refuses a 256-byte window for raw deflate, so Node's zlib (and so ws)
 * compresses with 9 bits when 8 is agreed. ws's sender therefore breaks an agreed 8 (references
 * reach 512 bytes back); we still cover 8 both ways because our inflater keeps 32 KiB and takes
 * that. ws's inflater, created with windowBits 8, rejects our references only where they reach
 * past its window across output chunks or messages (zlib accepts any distance into output of
 * the same call), so this is interop, not a proof that our sender keeps to 256 bytes.
 *
 * Each combination checks the offer the server saw, the response the client saw, the content of
 * a sequence of messages byte for byte both ways (the same compressible text twice, so context
 * takeover matters), that compression shrank what crossed the wire, and a clean close with code
 * and reason on both sides. A few combinations also send the multi-MiB plan.
 */
import { type ConnectOptions, type Message, permessageDeflate, type PerMessageDeflateOptions } from "@wsengine/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PerMessageDeflateOptions as WsDeflateOptions } from "ws";
import { type CountingProxy, countingProxy, type ExtensionElement, parseExtensions, within } from "../helpers/net.js";
import { ourClientExchange } from "../helpers/our-client.js";
import { type OurServer, startOurServer } from "../helpers/our-server.js";
import { CLIENT_CLOSE, PLANS, type PlanName, planBytes, SERVER_CLOSE } from "../helpers/plan.js";
import { startWsServer, wsClientExchange, type WsPeerServer } from "../helpers/ws-peer.js";

type ClientWindow = "absent" | "valueless" | 8 | 9 | 15;
interface Combo {
  readonly snct: boolean;
  readonly cnct: boolean;
  readonly smwb: "absent" | 8 | 9 | 10 | 15;
  readonly cmwb: ClientWindow;
}

const COMBOS: Combo[] = [];
for (const snct of [false, true])
  for (const cnct of [false, true])
    for (const smwb of ["absent", 8, 9, 10, 15] as const)
      for (const cmwb of ["absent", "valueless", 8, 9, 15] as const) COMBOS.push({ snct, cnct, smwb, cmwb });

const label = (c: Combo): string =>
  `server_no_context_takeover=${+c.snct} client_no_context_takeover=${+c.cnct} server_max_window_bits=${c.smwb} client_max_window_bits=${c.cmwb}`;

/** Combinations that also send the multi-MiB plan: the defaults, the smallest windows, no takeover. */
const FULL_PLAN = new Set(
  [
    { snct: false, cnct: false, smwb: "absent", cmwb: "valueless" },
    { snct: true, cnct: true, smwb: 9, cmwb: 9 },
    { snct: false, cnct: false, smwb: 8, cmwb: 8 },
  ].map((c) => label(c as Combo)),
);

/** The offer's parameters, as a client configured with `c` should send them. */
function expectedOffer(c: Combo): Record<string, string | true> {
  const params: Record<string, string | true> = {};
  if (c.snct) params["server_no_context_takeover"] = true;
  if (c.cnct) params["client_no_context_takeover"] = true;
  if (c.smwb !== "absent") params["server_max_window_bits"] = String(c.smwb);
  if (c.cmwb !== "absent") params["client_max_window_bits"] = c.cmwb === "valueless" ? true : String(c.cmwb);
  return params;
}

/**
 * What a granting server (ours with default options, or ws's) answers: every requested
 * parameter, and client_max_window_bits only with a value (RFC 7692 §7.1.2.2: a response may
 * not carry it valueless). Our server, allowing any client window, leaves it out; ws echoes it.
 */
function expectedResponse(c: Combo, server: "ours" | "ws"): Record<string, string | true> {
  const params = expectedOffer(c);
  if (params["client_max_window_bits"] === true || server === "ours") delete params["client_max_window_bits"];
  return params;
}

function single(header: string | undefined): ExtensionElement {
  const elements = parseExtensions(header);
  expect(elements, `Sec-WebSocket-Extensions: ${header}`).toHaveLength(1);
  expect(elements[0]!.name).toBe("permessage-deflate");
  return elements[0]!;
}


/** Bytes of the plan one way, with compression: less than the plan itself. */
function expectCompressed(bytes: number, plan: readonly Message[], direction: string): void {
  expect(bytes, `${direction}: ${bytes} bytes on the wire for ${planBytes(plan)} bytes of messages`).toBeLessThan(planBytes(plan));
}

describe("our server × ws client, the client offers each combination", () => {
  let server: OurServer;
  let proxy: CountingProxy;
  beforeAll(async () => {
    server = await startOurServer({ deflate: { threshold: 0 } });
    proxy = await countingProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  COMBOS.forEach((combo, index) => {
    const planName: PlanName = FULL_PLAN.has(label(combo)) ? "full" : "small";
    const closer = index % 2 === 0 ? "client" : "server";
    it(`${label(combo)} (${planName} plan, ${closer} closes)`, async () => {
      const plan = PLANS[planName];
      const deflate: WsDeflateOptions = {
        threshold: 0,
        serverNoContextTakeover: combo.snct,
        clientNoContextTakeover: combo.cnct,
        ...(combo.smwb === "absent" ? {} : { serverMaxWindowBits: combo.smwb }),
        // ws takes `true` (offer it valueless) and `false` (leave it out) too; @types/ws says number.
        clientMaxWindowBits: (combo.cmwb === "absent" ? false : combo.cmwb === "valueless" ? true : combo.cmwb) as number,
      };
      proxy.reset();
      const url = `ws://127.0.0.1:${proxy.port}/?plan=${planName}&closer=${closer}`;
      const outcome = await wsClientExchange(url, { perMessageDeflate: deflate }, planName, closer);
      const record = await within(server.nextConnection(), 1000, "our server's record");
      const serverSaw = await within(record.closed, 10_000, "our server's close");

      // The handshake, seen from both ends.
      expect(single(record.offer).params).toEqual(expectedOffer(combo));
      expect(single(outcome.response).params).toEqual(expectedResponse(combo, "ours"));
      expect(record.session.extensions).toEqual(["permessage-deflate"]);

      expect(record.problems).toEqual([]);
      expect(record.received.count).toBe(plan.length);
      expect(outcome.problems).toEqual([]);
      expectCompressed(proxy.bytes.up, plan, "ws client → our server");
      expectCompressed(proxy.bytes.down, plan, "our server → ws client");
      const sent = closer === "client" ? CLIENT_CLOSE : SERVER_CLOSE;
      expect(serverSaw).toMatchObject({ code: sent.code, wasClean: true, error: null });
      expect(outcome.close.code).toBe(sent.code);
      // The side that did not close sees the reason exactly.
      if (closer === "client") expect(serverSaw.reason).toBe(CLIENT_CLOSE.reason);
      else expect(outcome.close.reason).toBe(SERVER_CLOSE.reason);
    });
  });
});

/** Our client's options that make it offer `c`. */
function ourClientDeflate(c: Combo): PerMessageDeflateOptions {
  const options: PerMessageDeflateOptions = {
    threshold: 0,
    serverNoContextTakeover: c.snct,
    clientNoContextTakeover: c.cnct,
    ...(c.smwb === "absent" ? {} : { serverMaxWindowBits: c.smwb }),
    ...(typeof c.cmwb === "number" ? { clientMaxWindowBits: c.cmwb } : {}),
  };
  if (c.cmwb !== "absent") return options;
  // Our client always offers client_max_window_bits; an exact offer leaves it out.
  const params = Object.entries(expectedOffer(c)).map(([k, v]) => [k, v === true ? null : v] as const);
  return { ...options, offers: [params] };
}

describe("ws server × our client, our client offers each combination", () => {
  let server: WsPeerServer;
  let proxy: CountingProxy;
  beforeAll(async () => {
    server = await startWsServer({ threshold: 0 });
    proxy = await countingProxy(server.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  COMBOS.forEach((combo, index) => {
    const planName: PlanName = FULL_PLAN.has(label(combo)) ? "full" : "small";
    const closer = index % 2 === 0 ? "server" : "client";
    it(`${label(combo)} (${planName} plan, ${closer} closes)`, async () => {
      const plan = PLANS[planName];
      proxy.reset();
      const options: ConnectOptions = { extensions: [permessageDeflate(ourClientDeflate(combo))] };
      const outcome = await ourClientExchange(`ws://127.0.0.1:${proxy.port}/?plan=${planName}&closer=${closer}`, options, plan, closer);
      const record = server.next();
      const wsSaw = await within(record.closed, 10_000, "ws server close");

      expect(single(record.offer).params).toEqual(expectedOffer(combo));
      expect(single(outcome.response).params).toEqual(expectedResponse(combo, "ws"));
      expect(record.response).toBe(outcome.response);
      expect(outcome.extensions).toEqual(["permessage-deflate"]);

      expect(record.problems).toEqual([]);
      expect(record.count).toBe(plan.length);
      expect(outcome.problems).toEqual([]);
      expectCompressed(proxy.bytes.up, plan, "our client → ws server");
      expectCompressed(proxy.bytes.down, plan, "ws server → our client");
      const sent = closer === "client" ? CLIENT_CLOSE : SERVER_CLOSE;
      expect(outcome.closeInfo).toMatchObject({ code: sent.code, wasClean: true, error: null });
      expect(wsSaw.code).toBe(sent.code);
      if (closer === "client") expect(wsSaw.reason).toBe(CLIENT_CLOSE.reason);
      else expect(outcome.closeInfo.reason).toBe(SERVER_CLOSE.reason);
    });
  });
});

/**
 * Servers that insist: parameters the client did not ask for (RFC 7692 §7.1.1.2, §7.1.2), against
 * the other side's default offer `permessage-deflate; client_max_window_bits`.
 */
const POLICIES: ReadonlyArray<{ readonly name: string; readonly ours: PerMessageDeflateOptions; readonly ws: WsDeflateOptions; readonly response: Record<string, string | true> }> = [
  { name: "server_no_context_takeover", ours: { serverNoContextTakeover: true }, ws: { serverNoContextTakeover: true }, response: { server_no_context_takeover: true } },
  { name: "client_no_context_takeover", ours: { clientNoContextTakeover: true }, ws: { clientNoContextTakeover: true }, response: { client_no_context_takeover: true } },
  { name: "server_max_window_bits=9", ours: { serverMaxWindowBits: 9 }, ws: { serverMaxWindowBits: 9 }, response: { server_max_window_bits: "9" } },
  { name: "client_max_window_bits=10", ours: { clientMaxWindowBits: 10 }, ws: { clientMaxWindowBits: 10 }, response: { client_max_window_bits: "10" } },
  {
    name: "all four, windows 8",
    ours: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 8, clientMaxWindowBits: 8 },
    ws: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 8, clientMaxWindowBits: 8 },
    response: { server_no_context_takeover: true, client_no_context_takeover: true, server_max_window_bits: "8", client_max_window_bits: "8" },
  },
];

describe("servers that insist on parameters, against the other side's default offer", () => {
  for (const policy of POLICIES) {
    it(`our server insists on ${policy.name}; ws client`, async () => {
      const server = await startOurServer({ deflate: { threshold: 0, ...policy.ours } });
      try {
        const outcome = await wsClientExchange(`${server.url}/?plan=small&closer=client`, { perMessageDeflate: { threshold: 0 } }, "small", "client");
        const record = await within(server.nextConnection(), 1000, "our server's record");
        expect(single(record.offer).params).toEqual({ client_max_window_bits: true });
        expect(single(outcome.response).params).toEqual(policy.response);
        expect(record.problems).toEqual([]);
        expect(outcome.problems).toEqual([]);
        expect(outcome.close.code).toBe(CLIENT_CLOSE.code);
        expect(await within(record.closed, 10_000, "our close")).toMatchObject({ ...CLIENT_CLOSE, wasClean: true });
      } finally {
        await server.close();
      }
    });

    it(`ws server insists on ${policy.name}; our client`, async () => {
      const server = await startWsServer({ threshold: 0, ...policy.ws });
      try {
        const outcome = await ourClientExchange(`ws://127.0.0.1:${server.port}/?plan=small&closer=server`, { extensions: [permessageDeflate({ threshold: 0 })] }, PLANS.small, "server");
        const record = server.next();
        expect(single(record.offer).params).toEqual({ client_max_window_bits: true });
        expect(single(outcome.response).params).toEqual(policy.response);
        expect(record.problems).toEqual([]);
        expect(outcome.problems).toEqual([]);
        expect(outcome.closeInfo).toMatchObject({ ...SERVER_CLOSE, wasClean: true });
        expect((await within(record.closed, 10_000, "ws server close")).code).toBe(SERVER_CLOSE.code);
      } finally {
        await server.close();
      }
    });
  }
});
