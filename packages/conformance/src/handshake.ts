/**
 * The opening handshake's oracle and judge (RFC 6455 §4, RFC 7692 §7.1), for both directions:
 * a request sent to a server under test (what must it answer?), a client's own request (is it
 * valid?), and a response sent to a client under test (must it open the connection?).
 */
import { checkResponseAgainstOffer, type DeflateParams, type ExtensionElement, parseDeflateParams, parseExtensionHeader } from "./deflate.js";
import { acceptFor, hasToken, headerValues, type ParsedHead, type RequestSpec, type ResponseSpec, statusOf } from "./http.js";
import { type Grade, worse } from "./oracle.js";
import type { Ending } from "./trace.js";

/** What a server must do with a request. */
export type HandshakeCandidate =
  | { readonly kind: "accept"; readonly grade: Exclude<Grade, "fail">; readonly notes: readonly string[]; readonly rule: string }
  | {
      readonly kind: "refuse";
      /** Statuses the RFC suggests; another 4xx/5xx is graded `info`. */
      readonly statuses: readonly number[];
      /** RFC 6455 §4.2.2: a version refusal MUST list the supported versions. */
      readonly versionHeader: boolean;
      /** Closing without any response is tolerated (graded `info`), for requests past size limits. */
      readonly silentCloseAllowed: boolean;
      readonly grade: Exclude<Grade, "fail">;
      readonly notes: readonly string[];
      readonly rule: string;
    };

const header = (spec: RequestSpec, name: string): string[] => spec.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
const tokens = (values: readonly string[]): string[] => values.flatMap((v) => v.split(",")).map((t) => t.trim().toLowerCase());

/** Whether `key` is base64 of exactly 16 bytes (RFC 6455 §4.1 item 7). */
export function isValidKey(key: string): boolean {
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) return false;
  return Buffer.from(key, "base64").length === 16;
}

const refuse = (statuses: readonly number[], rule: string, extra: { versionHeader?: boolean } = {}): HandshakeCandidate => ({
  kind: "refuse",
  statuses,
  versionHeader: extra.versionHeader ?? false,
  silentCloseAllowed: false,
  grade: "pass",
  notes: [],
  rule,
});

/** The reactions RFC 6455 §4.2 allows a server for `spec`, best first. */
export function expectHandshake(spec: RequestSpec): HandshakeCandidate[] {
  const size = spec.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
  const large = spec.headers.length > 100 || size > 8 * 1024;
  const withLimits = (primary: HandshakeCandidate[]): HandshakeCandidate[] =>
    large
      ? [
          ...primary,
          { kind: "refuse", statuses: [431, 400, 413, 494], versionHeader: false, silentCloseAllowed: true, grade: "info", notes: [`limits the request head (${spec.headers.length} header lines, ${size} bytes)`], rule: "RFC 9110 §15.5.x / RFC 6585 §5: a server may refuse a large head with 431" },
        ]
      : primary;

  // RFC 6455 §4.1: "The method of the request MUST be GET, and the HTTP version MUST be at least 1.1."
  if (spec.method !== "GET") return withLimits([refuse([405, 400], "RFC 6455 §4.2.1 item 1: the request must be a GET; otherwise the server MUST answer with an error code (such as 400)")]);
  const version = /^HTTP\/(\d)\.(\d)$/.exec(spec.version);
  if (version === null || Number(version[1]) < 1 || (version[1] === "1" && version[2] === "0")) {
    return withLimits([refuse([400, 505, 426], "RFC 6455 §4.2.1 item 1: an HTTP/1.1 or higher GET request is required")]);
  }
  // RFC 7230 §5.4: exactly one Host.
  if (header(spec, "host").length !== 1) return withLimits([refuse([400], "RFC 6455 §4.2.1 item 2 and RFC 7230 §5.4: exactly one Host header (else 400)")]);
  if (!tokens(header(spec, "upgrade")).includes("websocket")) {
    return withLimits([refuse([400, 426], 'RFC 6455 §4.2.1 item 3: an Upgrade header containing "websocket" (case-insensitive)')]);
  }
  if (!tokens(header(spec, "connection")).includes("upgrade")) {
    return withLimits([refuse([400, 426], 'RFC 6455 §4.2.1 item 4: a Connection header containing the token "Upgrade"')]);
  }
  const versions = header(spec, "sec-websocket-version");
  const versionRule = "RFC 6455 §4.2.2 / §4.4: an unsupported version MUST be refused (such as 426) with a Sec-WebSocket-Version header listing the supported versions";
  if (versions.length !== 1 || !/^\d{1,3}$/.test(versions[0]!.trim())) {
    return withLimits([refuse([400, 426], "RFC 6455 §4.2.1 item 6 and §11.3.5: exactly one Sec-WebSocket-Version with a version number")]);
  }
  const v = Number(versions[0]!.trim());
  if (v !== 13) {
    // The version header is owed only when the version is why the request is refused.
    const asVersion13 = expectHandshake({ ...spec, headers: spec.headers.map(([n, value]) => [n, n.toLowerCase() === "sec-websocket-version" ? "13" : value] as const) });
    if (asVersion13[0]!.kind === "refuse") return asVersion13.map((c) => (c.kind === "refuse" ? { ...c, statuses: [...c.statuses, 426] } : c)).filter((c) => c.kind === "refuse");
    const primary = refuse([426, 400], versionRule, { versionHeader: true });
    // Versions 0-8 are registered drafts (RFC 6455 §11.6); a server may still speak one.
    if (v <= 8) return withLimits([primary, { kind: "accept", grade: "info", notes: [`accepts draft version ${v} (allowed: RFC 6455 §4.4)`], rule: versionRule }]);
    return withLimits([primary]);
  }
  const keys = header(spec, "sec-websocket-key");
  if (keys.length !== 1) return withLimits([refuse([400], "RFC 6455 §11.3.1: Sec-WebSocket-Key MUST NOT appear more than once, and is required (§4.2.1 item 5)")]);
  if (!isValidKey(keys[0]!)) return withLimits([refuse([400], "RFC 6455 §4.2.1 item 5: Sec-WebSocket-Key must be base64 of 16 bytes")]);
  const accept: HandshakeCandidate = { kind: "accept", grade: "pass", notes: [], rule: "RFC 6455 §4.2.2: a valid request is answered with 101, Upgrade, Connection and the right Sec-WebSocket-Accept" };
  // RFC 7692 §7.1: an invalid offer is declined, not the whole handshake; refusing is tolerated.
  const offers = header(spec, "sec-websocket-extensions").map((v) => parseExtensionHeader(v));
  const invalidOffer = offers.some((o) => o === null || o.some((e) => e.name === "permessage-deflate" && typeof parseDeflateParams(e.params, "offer") === "string"));
  if (invalidOffer) {
    return withLimits([
      accept,
      { kind: "refuse", statuses: [400], versionHeader: false, silentCloseAllowed: false, grade: "warning", notes: ["refused the whole handshake over an invalid extension offer; RFC 7692 §7.1 asks the server to decline the offer and go on"], rule: "RFC 7692 §7.1: a server MUST decline an invalid permessage-deflate offer" },
    ]);
  }
  return withLimits([accept]);
}

/** What a server answered. */
export interface HandshakeObservation {
  readonly head: ParsedHead | null;
  readonly ending: Ending;
  /** Why the response could not be read, if so. */
  readonly error?: string;
}

/** A graded handshake exchange. */
export interface HandshakeVerdict {
  readonly grade: Grade;
  readonly notes: readonly string[];
  readonly expected: string;
  readonly observed: string;
  readonly rule: string;
}

function describeHandshakeCandidate(c: HandshakeCandidate): string {
  return c.kind === "accept"
    ? "101 Switching Protocols with a valid Sec-WebSocket-Accept"
    : `refuse with ${c.statuses.join(" or ")}${c.versionHeader ? " and Sec-WebSocket-Version: 13" : ""}`;
}

export function describeHandshakeObservation(o: HandshakeObservation): string {
  if (o.head === null) return o.error ?? { end: "closed TCP without a response", reset: "reset TCP without a response", timeout: "no response before the timeout", local: "no response" }[o.ending];
  const interesting = o.head.headers.filter(([n]) => /^(upgrade|connection|sec-websocket-|content-length)/i.test(n)).map(([n, v]) => `${n}: ${v.length > 60 ? v.slice(0, 60) + "..." : v}`);
  return [o.head.startLine, ...interesting].join(" | ");
}

/** Check a 101 response against the request it answers: RFC 6455 §4.2.2 and RFC 7692 §7.1. */
export function checkAcceptResponse(head: ParsedHead, spec: RequestSpec): { grade: Grade; notes: string[] } {
  let grade: Grade = "pass";
  const notes: string[] = [];
  const bad = (text: string): void => {
    grade = "fail";
    notes.push(text);
  };
  if (!hasToken(head, "upgrade", "websocket")) bad('101 without "Upgrade: websocket" (RFC 6455 §4.2.2 step 5.2 MUST)');
  if (!hasToken(head, "connection", "upgrade")) bad('101 without "Connection: Upgrade" (RFC 6455 §4.2.2 step 5.3 MUST)');
  const key = header(spec, "sec-websocket-key")[0] ?? "";
  const accepts = headerValues(head, "sec-websocket-accept");
  if (accepts.length !== 1 || accepts[0] !== acceptFor(key)) bad(`wrong Sec-WebSocket-Accept ${JSON.stringify(accepts.join(", "))}, expected ${acceptFor(key)} (RFC 6455 §4.2.2 step 5.4)`);
  const offeredProtocols = header(spec, "sec-websocket-protocol").flatMap((v) => v.split(",")).map((p) => p.trim()).filter((p) => p !== "");
  const protocols = headerValues(head, "sec-websocket-protocol");
  if (protocols.length > 1 || (protocols.length === 1 && !offeredProtocols.includes(protocols[0]!))) {
    bad(`selected subprotocol ${JSON.stringify(protocols.join(", "))}, which was not offered (RFC 6455 §4.2.2 step 5.5, §4.1: the client MUST fail)`);
  }
  const extensionLines = headerValues(head, "sec-websocket-extensions");
  if (extensionLines.length > 0) {
    const elements = parseExtensionHeader(extensionLines.join(", "));
    if (elements === null) bad(`malformed Sec-WebSocket-Extensions ${JSON.stringify(extensionLines.join(", "))} (RFC 6455 §9.1)`);
    else {
      const offers = header(spec, "sec-websocket-extensions").map((v) => parseExtensionHeader(v));
      const offered: ExtensionElement[] = offers.some((o) => o === null) ? [] : offers.flatMap((o) => o ?? []);
      const names = new Set<string>();
      for (const e of elements) {
        if (names.has(e.name)) bad(`accepted extension ${e.name} twice (RFC 6455 §9.1)`);
        names.add(e.name);
        if (!offered.some((o) => o.name === e.name)) {
          bad(`accepted extension ${e.name}, which was not offered (RFC 6455 §9.1 MUST NOT)`);
          continue;
        }
        if (e.name !== "permessage-deflate") continue;
        const response = parseDeflateParams(e.params, "response");
        if (typeof response === "string") {
          bad(`invalid permessage-deflate response: ${response} (RFC 7692 §7.1)`);
          continue;
        }
        const validOffers = offered.filter((o) => o.name === "permessage-deflate").map((o) => parseDeflateParams(o.params, "offer")).filter((p): p is DeflateParams => typeof p !== "string");
        if (validOffers.length === 0) {
          bad("accepted permessage-deflate although every offer was invalid (RFC 7692 §7.1: the server MUST decline)");
          continue;
        }
        const reasons = validOffers.map((offer) => checkResponseAgainstOffer(response, offer));
        if (reasons.every((r) => r !== null)) bad(`the permessage-deflate response answers none of the valid offers: ${reasons[0]}`);
      }
    }
  }
  return { grade, notes };
}

/** Grade a server's answer to `spec`. */
export function judgeHandshake(candidates: readonly HandshakeCandidate[], o: HandshakeObservation, spec: RequestSpec): HandshakeVerdict {
  const observed = describeHandshakeObservation(o);
  const status = o.head === null ? null : statusOf(o.head);
  const results = candidates.map((c) => {
    let grade: Grade = c.grade;
    const notes = [...c.notes];
    if (c.kind === "accept") {
      if (status !== 101) return { ok: false, grade, notes, mismatch: status === null ? `did not accept a valid request (${observed})` : `refused a valid request with ${status}` };
      const check = checkAcceptResponse(o.head!, spec);
      return { ok: true, grade: worse(grade, check.grade), notes: [...notes, ...check.notes], mismatch: "" };
    }
    if (status === 101) return { ok: false, grade, notes, mismatch: "accepted (101) a request the RFC requires it to refuse" };
    if (status === null) {
      if (o.ending === "timeout") return { ok: false, grade, notes, mismatch: "neither answered nor closed the connection" };
      if (c.silentCloseAllowed) return { ok: true, grade: worse(grade, "info"), notes: [...notes, "closed the connection without an HTTP response"], mismatch: "" };
      return { ok: true, grade: worse(grade, "warning"), notes: [...notes, "closed the connection without an HTTP error response (RFC 6455 §4.2.1: the server MUST return one, such as 400)"], mismatch: "" };
    }
    if (!c.statuses.includes(status)) {
      if (status >= 400) {
        grade = worse(grade, "info");
        notes.push(`refused with ${status} (the RFC suggests ${c.statuses.join(" or ")})`);
      } else {
        grade = worse(grade, "warning");
        notes.push(`answered ${status}, which is not an error status (RFC 6455 §4.2.1: "an appropriate error code")`);
      }
    }
    if (c.versionHeader && !headerValues(o.head!, "sec-websocket-version").some((v) => v.split(",").some((x) => x.trim() === "13"))) {
      grade = "fail";
      notes.push("the refusal has no Sec-WebSocket-Version header listing 13 (RFC 6455 §4.2.2 MUST)");
    }
    return { ok: true, grade, notes, mismatch: "" };
  });
  let best = -1;
  const rank = (g: Grade): number => ["pass", "info", "warning", "fail"].indexOf(g);
  for (let i = 0; i < results.length; i++) if (results[i]!.ok && (best === -1 || rank(results[i]!.grade) < rank(results[best]!.grade))) best = i;
  if (best === -1) return { grade: "fail", notes: [results[0]!.mismatch], expected: describeHandshakeCandidate(candidates[0]!), observed, rule: candidates[0]!.rule };
  return { grade: results[best]!.grade, notes: results[best]!.notes, expected: describeHandshakeCandidate(candidates[best]!), observed, rule: candidates[best]!.rule };
}

/** Check a client's upgrade request against RFC 6455 §4.1 (a client under test). */
export function checkClientRequest(head: ParsedHead, previousKeys: readonly string[] = []): { grade: Grade; notes: string[] } {
  let grade: Grade = "pass";
  const notes: string[] = [];
  const bad = (text: string, g: Grade = "fail"): void => {
    grade = worse(grade, g);
    notes.push(text);
  };
  const line = /^(\S+) (\S+) HTTP\/(\d)\.(\d)$/.exec(head.startLine);
  if (line === null) bad(`malformed request line ${JSON.stringify(head.startLine)}`);
  else {
    if (line[1] !== "GET") bad(`method ${line[1]} (RFC 6455 §4.1: MUST be GET)`);
    if (Number(line[3]) < 1 || (line[3] === "1" && line[4] === "0")) bad("HTTP version below 1.1 (RFC 6455 §4.1 MUST)");
    if (!line[2]!.startsWith("/")) bad(`request target ${line[2]} is not origin-form (RFC 6455 §4.1 item 3)`, "warning");
  }
  if (headerValues(head, "host").length !== 1) bad("no single Host header (RFC 6455 §4.1 item 4 MUST)");
  if (!hasToken(head, "upgrade", "websocket")) bad('no "Upgrade: websocket" (RFC 6455 §4.1 item 5 MUST)');
  if (!hasToken(head, "connection", "upgrade")) bad('no "Connection: Upgrade" (RFC 6455 §4.1 item 6 MUST)');
  const keys = headerValues(head, "sec-websocket-key");
  if (keys.length !== 1 || !isValidKey(keys[0]!)) bad(`Sec-WebSocket-Key ${JSON.stringify(keys.join(", "))} is not one base64 16-byte nonce (RFC 6455 §4.1 item 7 MUST)`);
  else if (previousKeys.includes(keys[0]!)) bad("reused a Sec-WebSocket-Key of an earlier connection (RFC 6455 §4.1 item 7: MUST be selected randomly for each connection)");
  const versions = headerValues(head, "sec-websocket-version");
  if (versions.length !== 1 || versions[0]!.trim() !== "13") bad(`Sec-WebSocket-Version ${JSON.stringify(versions.join(", "))}, expected 13 (RFC 6455 §4.1 item 9 MUST)`);
  const extensionLines = headerValues(head, "sec-websocket-extensions");
  for (const lineValue of extensionLines) {
    const elements = parseExtensionHeader(lineValue);
    if (elements === null) bad(`malformed Sec-WebSocket-Extensions ${JSON.stringify(lineValue)} (RFC 6455 §9.1)`);
    else for (const e of elements) if (e.name === "permessage-deflate" && typeof parseDeflateParams(e.params, "offer") === "string") bad(`invalid permessage-deflate offer ${JSON.stringify(lineValue)} (RFC 7692 §7.1)`);
  }
  return { grade, notes };
}

/** Whether a client under test must open the connection after `spec` (RFC 6455 §4.1, §4.2.2; RFC 7692 §7.1). */
export function expectClientOpens(spec: ResponseSpec, request: ParsedHead): { opens: boolean; rule: string } {
  const lower = (name: string): string[] => spec.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  if (spec.status !== 101) return { opens: false, rule: 'RFC 6455 §4.1: "If the status code received from the server is not 101, the client handles the response per HTTP procedures" and no WebSocket connection exists' };
  if (!lower("upgrade").some((v) => v.split(",").some((t) => t.trim().toLowerCase() === "websocket"))) return { opens: false, rule: "RFC 6455 §4.1: a 101 without Upgrade: websocket MUST _Fail the WebSocket Connection_" };
  if (!lower("connection").some((v) => v.split(",").some((t) => t.trim().toLowerCase() === "upgrade"))) return { opens: false, rule: "RFC 6455 §4.1: a 101 without Connection: Upgrade MUST _Fail the WebSocket Connection_" };
  const accepts = lower("sec-websocket-accept");
  if (accepts.length !== 1 || accepts[0] !== "$ACCEPT") return { opens: false, rule: "RFC 6455 §4.1: a missing or wrong Sec-WebSocket-Accept MUST _Fail the WebSocket Connection_" };
  const offeredExtensions = headerValues(request, "sec-websocket-extensions").flatMap((v) => parseExtensionHeader(v) ?? []);
  const accepted = lower("sec-websocket-extensions").flatMap((v) => parseExtensionHeader(v) ?? []);
  if (new Set(accepted.map((e) => e.name)).size !== accepted.length) {
    return { opens: false, rule: "RFC 6455 §9.1 / RFC 7692 §7: an extension accepted twice (both claiming RSV1) MUST _Fail the WebSocket Connection_" };
  }
  for (const v of lower("sec-websocket-extensions")) {
    const elements = parseExtensionHeader(v);
    if (elements === null || elements.some((e) => !offeredExtensions.some((o) => o.name === e.name))) {
      return { opens: false, rule: "RFC 6455 §4.1: an extension that was not requested MUST _Fail the WebSocket Connection_" };
    }
    for (const e of elements) {
      if (e.name !== "permessage-deflate") continue;
      const response = parseDeflateParams(e.params, "response");
      if (typeof response === "string") return { opens: false, rule: "RFC 7692 §7.1: an invalid permessage-deflate response MUST _Fail the WebSocket Connection_" };
    }
  }
  const offeredProtocols = headerValues(request, "sec-websocket-protocol").flatMap((v) => v.split(",")).map((p) => p.trim());
  const protocols = lower("sec-websocket-protocol");
  if (protocols.length > 0 && (protocols.length > 1 || !offeredProtocols.includes(protocols[0]!))) {
    return { opens: false, rule: "RFC 6455 §4.1: a subprotocol that was not requested MUST _Fail the WebSocket Connection_" };
  }
  return { opens: true, rule: "RFC 6455 §4.1: a valid 101 opens the connection" };
}

/** Grade a client's reaction to a response: `echoed` whether it echoed the kit's probe message. */
export function judgeClientResponse(opens: boolean, echoed: boolean, sentFrames: boolean, ending: Ending): { grade: Grade; notes: string[]; expected: string } {
  if (opens) {
    if (echoed) return { grade: "pass", notes: [], expected: "open the connection and echo the probe message" };
    return { grade: "fail", notes: ["did not open the connection after a valid 101 (the probe message was not echoed)"], expected: "open the connection and echo the probe message" };
  }
  const expected = "fail the connection: close TCP without echoing the probe message";
  if (echoed) return { grade: "fail", notes: ["echoed the probe message: it opened a connection the RFC requires it to fail"], expected };
  if (ending === "timeout") return { grade: "warning", notes: ["did not echo the probe, but did not close the connection either (RFC 6455 §7.1.7 _Fail_ closes it)"], expected };
  if (sentFrames) return { grade: "info", notes: ["sent frames (a Close) before closing TCP: the HTTP upgrade had completed, so this is reasonable"], expected };
  return { grade: "pass", notes: [], expected };
}

