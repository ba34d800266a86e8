/**
 * fast-check arbitraries for the opening handshake: requests (a valid one with mutations, so
 * shrinking removes mutations one by one), permessage-deflate and unknown extension offers, and
 * responses for a client under test.
 */
import fc from "fast-check";
import { formatExtensionHeader, type ExtensionElement } from "../deflate.js";
import { KIT_KEY, type RequestSpec, type ResponseSpec, validRequest } from "../http.js";

type Headers = ReadonlyArray<readonly [string, string]>;

/** A named change to a request. */
export interface RequestMutation {
  readonly name: string;
  readonly apply: (spec: RequestSpec) => RequestSpec;
}

const setHeader = (headers: Headers, name: string, value: string | null): Headers => {
  const lower = name.toLowerCase();
  const i = headers.findIndex(([n]) => n.toLowerCase() === lower);
  const without = headers.filter(([n]) => n.toLowerCase() !== lower);
  if (value === null) return without;
  const at = i === -1 ? without.length : i;
  return [...without.slice(0, at), [name, value], ...without.slice(at)];
};

const mutate = (name: string, apply: (spec: RequestSpec) => RequestSpec): RequestMutation => ({ name, apply });
const header = (name: string, value: string | null): RequestMutation =>
  mutate(value === null ? `without ${name}` : `${name}: ${value.length > 40 ? value.slice(0, 40) + "..." : value}`, (s) => ({ ...s, headers: setHeader(s.headers, name, value) }));
const add = (name: string, value: string): RequestMutation => mutate(`extra ${name}`, (s) => ({ ...s, headers: [...s.headers, [name, value]] }));

const b64 = (n: number): string => Buffer.alloc(n, 7).toString("base64");

/** A permessage-deflate parameter, valid or not. */
const deflateParam: fc.Arbitrary<readonly [string, string | null]> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<readonly [string, string | null]>(["server_no_context_takeover", null], ["client_no_context_takeover", null], ["client_max_window_bits", null]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("server_max_window_bits", "client_max_window_bits"), fc.integer({ min: 8, max: 15 })).map(([k, v]) => [k, String(v)] as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<readonly [string, string | null]>(
      ["server_max_window_bits", "7"],
      ["server_max_window_bits", "16"],
      ["client_max_window_bits", "08"],
      ["server_max_window_bits", "1000"],
      ["server_max_window_bits", null],
      ["server_no_context_takeover", "1"],
      ["x_unknown", null],
      ["constructor", null],
      ["__proto__", "1"],
    ),
  },
);

/** One extension offer: permessage-deflate with random (possibly invalid or duplicated) parameters, or an unknown extension. */
export const extensionOffer: fc.Arbitrary<ExtensionElement> = fc.oneof(
  { weight: 4, arbitrary: fc.array(deflateParam, { maxLength: 4 }).map((params) => ({ name: "permessage-deflate", params })) },
  { weight: 1, arbitrary: fc.constantFrom("x-webkit-deflate-frame", "x-unknown", "permessage-bzip2").map((name) => ({ name, params: [] })) },
);

/** A `Sec-WebSocket-Extensions` value of 1-3 offers. */
export const extensionOffers: fc.Arbitrary<string> = fc.array(extensionOffer, { minLength: 1, maxLength: 3 }).map(formatExtensionHeader);

/** Changes to a valid request; some keep it valid (case, token lists, extra headers), most break one rule. */
export const requestMutation: fc.Arbitrary<RequestMutation> = fc.oneof(
  fc.constantFrom("POST", "HEAD", "get", "PUT").map((m) => mutate(`method ${m}`, (s) => ({ ...s, method: m }))),
  fc.constantFrom("HTTP/1.0", "HTTP/0.9").map((v) => mutate(`version ${v}`, (s) => ({ ...s, version: v }))),
  fc.constantFrom("Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version").map((h) => header(h, null)),
  fc.constantFrom("WebSocket", "websocket, h2c", "h2c", "").map((v) => header("Upgrade", v)),
  fc.constantFrom("keep-alive, Upgrade", "upgrade", "close", "keep-alive").map((v) => header("Connection", v)),
  fc.constantFrom("not base64!!", b64(15), b64(17), "", `${KIT_KEY.slice(0, -2)}`).map((v) => header("Sec-WebSocket-Key", v)),
  fc.constant(add("Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw==")),
  fc.constantFrom("8", "12", "14", "0", "13, 8", "abc", "").map((v) => header("Sec-WebSocket-Version", v)),
  fc.constant(add("Sec-WebSocket-Version", "13")),
  fc.constant(add("Host", "other.example")),
  fc.constant(add("Origin", "http://example.com")),
  fc.constantFrom("__proto__", "constructor", "hasOwnProperty", "toString", "prototype").map((n) => add(n, "1")),
  fc.constant(add("Sec-WebSocket-Protocol", "chat, superchat")),
  extensionOffers.map((v) => add("Sec-WebSocket-Extensions", v)),
  fc.integer({ min: 50, max: 300 }).map((n) => mutate(`${n} extra headers`, (s) => ({ ...s, headers: [...s.headers, ...Array.from({ length: n }, (_, i) => [`X-Filler-${i}`, "v"] as const)] }))),
  fc.integer({ min: 4, max: 40 }).map((k) => add("X-Long", "a".repeat(k * 1024))),
  fc.constant(mutate("lower-case header names", (s) => ({ ...s, headers: s.headers.map(([n, v]) => [n.toLowerCase(), v] as const) }))),
);

/** A request: valid, then up to three mutations. */
export function requestSpec(host: string, target: string): fc.Arbitrary<{ readonly spec: RequestSpec; readonly mutations: readonly string[] }> {
  return fc.array(requestMutation, { maxLength: 3 }).map((mutations) => ({
    spec: mutations.reduce((s, m) => m.apply(s), validRequest(host, target)),
    mutations: mutations.map((m) => m.name),
  }));
}

/** A valid 101 for a client under test (`$ACCEPT` becomes the right accept value). */
export const VALID_RESPONSE: ResponseSpec = {
  status: 101,
  reason: "Switching Protocols",
  headers: [
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Accept", "$ACCEPT"],
  ],
};

/** Responses for a client under test: valid ones and ones it must refuse. */
export const responseSpec: fc.Arbitrary<{ readonly spec: ResponseSpec; readonly name: string }> = fc.oneof(
  fc.constant({ spec: VALID_RESPONSE, name: "valid 101" }),
  fc.constant({ spec: { ...VALID_RESPONSE, headers: VALID_RESPONSE.headers.map(([n, v]) => [n.toLowerCase(), v.toUpperCase() === "UPGRADE" ? "upgrade" : v] as const) }, name: "valid 101, lower-case names" }),
  fc.constantFrom(200, 400, 403, 404, 302, 426, 500).map((status) => ({ spec: { status, reason: "", headers: [["Content-Length", "0"]] as Headers }, name: `status ${status}` })),
  fc.constantFrom("Upgrade", "Connection", "Sec-WebSocket-Accept").map((h) => ({ spec: { ...VALID_RESPONSE, headers: VALID_RESPONSE.headers.filter(([n]) => n !== h) }, name: `101 without ${h}` })),
  fc.constantFrom("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "", "$ACCEPTx").map((v) => ({ spec: { ...VALID_RESPONSE, headers: setHeader(VALID_RESPONSE.headers, "Sec-WebSocket-Accept", v) }, name: `101 with Sec-WebSocket-Accept ${JSON.stringify(v)}` })),
  fc.constant({ spec: { ...VALID_RESPONSE, headers: setHeader(VALID_RESPONSE.headers, "Upgrade", "h2c") }, name: "101 with Upgrade: h2c" }),
  fc.constant({ spec: { ...VALID_RESPONSE, headers: [...VALID_RESPONSE.headers, ["Sec-WebSocket-Extensions", "x-unknown"]] as Headers }, name: "101 with an extension that was not offered" }),
  fc.constant({ spec: { ...VALID_RESPONSE, headers: [...VALID_RESPONSE.headers, ["Sec-WebSocket-Protocol", "not-offered"]] as Headers }, name: "101 with a subprotocol that was not offered" }),
  fc.constant({ spec: { ...VALID_RESPONSE, headers: [...VALID_RESPONSE.headers, ["Sec-WebSocket-Accept", "$ACCEPT"]] as Headers }, name: "101 with Sec-WebSocket-Accept twice" }),
);
