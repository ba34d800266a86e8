/**
 * Client side of the opening handshake: build the upgrade request (RFC 6455 §4.1) and validate
 * the server's 101 response (§4.1, "The client MUST validate the server's response").
 */
import type { ExtensionOffer } from "../extensions/extension.js";
import { HandshakeError, LocalProtocolError } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { computeAcceptKey, isValidKey } from "./accept-key.js";
import {
  checkHeaderField,
  formatExtensions,
  formatProtocols,
  hasToken,
  isToken,
  parseExtensions,
  parseTokenList,
  toLowerAscii,
} from "./header-values.js";
import { encodeHead } from "./http.js";
import type { HttpResponseHead } from "./types.js";

/** Options of {@link buildUpgradeRequest}. */
export interface UpgradeRequestOptions {
  /** Host name, IPv4 address, or IPv6 address (bracketed or not); IDNs must already be punycode. */
  readonly host: string;
  /** TCP port; written in `Host` only when it is not the scheme's default (80, or 443 when secure). */
  readonly port?: number | undefined;
  /** `wss` rather than `ws`; only decides the default port here. */
  readonly secure?: boolean | undefined;
  /** Path and query, starting with `/`. Default `/`. */
  readonly target?: string | undefined;
  readonly origin?: string | undefined;
  /** Subprotocols in preference order. */
  readonly protocols?: readonly string[] | undefined;
  /** Extension offers in preference order. */
  readonly extensionOffers?: readonly ExtensionOffer[] | undefined;
  /** Extra headers (`Authorization`, `Cookie`, `User-Agent`...). Names the handshake owns are refused. */
  readonly headers?: ReadonlyArray<readonly [string, string]> | undefined;
  /** The `Sec-WebSocket-Key`, from `generateKey()`. */
  readonly key: string;
}

/** Header names {@link buildUpgradeRequest} writes itself, or that would put a body before the frames. */
function isOwnedByRequest(lowerName: string): boolean {
  return (
    lowerName === "host" ||
    lowerName === "upgrade" ||
    lowerName === "connection" ||
    lowerName === "origin" ||
    lowerName.startsWith("sec-websocket-") ||
    lowerName === "content-length" ||
    lowerName === "transfer-encoding"
  );
}

/**
 * The client's opening handshake (RFC 6455 §4.1): `GET target HTTP/1.1`, then `Host`,
 * `Upgrade: websocket`, `Connection: Upgrade`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`,
 * the optional `Origin`, `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions`, and the extra
 * headers in order. After writing it, wait for the response ("the client MUST wait for a
 * response from the server before sending any further data") and check it with
 * {@link validateUpgradeResponse}.
 *
 * @throws {LocalProtocolError} `INVALID_ARGUMENT` for an invalid host, port, target (it must
 *   start with `/` and hold only visible ASCII, no fragment), key, origin, subprotocol (not a
 *   token, or listed twice) or extension offer, and for an extra header that the handshake owns
 *   (`Host`, `Upgrade`, `Connection`, `Origin` — use the `origin` option —, `Sec-WebSocket-*`,
 *   `Content-Length`, `Transfer-Encoding`), has an invalid name, or holds CR, LF or NUL.
 * @example
 * buildUpgradeRequest({ host: "example.com", target: "/chat", protocols: ["chat"], key: generateKey(random) });
 */
export function buildUpgradeRequest(options: UpgradeRequestOptions): Uint8Array {
  const { host, port, secure = false, target = "/", origin, protocols = [], extensionOffers = [], headers = [], key } = options;
  if (typeof key !== "string" || !isValidKey(key)) {
    throw new LocalProtocolError("INVALID_ARGUMENT", "key is not a valid Sec-WebSocket-Key");
  }
  if (typeof target !== "string" || !isValidTarget(target)) {
    throw new LocalProtocolError("INVALID_ARGUMENT", "target must start with / and hold only visible ASCII, without a fragment");
  }
  let authority = formatHost(host);
  if (port !== undefined) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new LocalProtocolError("INVALID_ARGUMENT", `invalid port ${String(port)}`);
    }
    // RFC 6455 §4.1 item 4: /host/ "plus optionally ":" followed by /port/ (when not using the default port)".
    if (port !== (secure ? 443 : 80)) authority += ":" + String(port);
  }
  const fields: Array<readonly [string, string]> = [
    ["Host", authority],
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Key", key],
    ["Sec-WebSocket-Version", "13"],
  ];
  if (origin !== undefined) {
    checkHeaderField("Origin", origin);
    fields.push(["Origin", origin]);
  }
  if (protocols.length > 0) fields.push(["Sec-WebSocket-Protocol", formatProtocols(protocols)]);
  if (extensionOffers.length > 0) fields.push(["Sec-WebSocket-Extensions", formatExtensions(extensionOffers)]);
  for (const [name, value] of headers) {
    checkHeaderField(name, value);
    if (isOwnedByRequest(toLowerAscii(name))) {
      throw new LocalProtocolError("INVALID_ARGUMENT", `header ${name} is set by the handshake`);
    }
    fields.push([name, value]);
  }
  return encodeHead(`GET ${target} HTTP/1.1`, fields);
}

/** Options of {@link validateUpgradeResponse}: what the request offered. */
export interface ResponseValidationOptions {
  /** The `Sec-WebSocket-Key` that was sent. */
  readonly key: string;
  /** The subprotocols that were offered. */
  readonly protocols?: readonly string[] | undefined;
  /** Fail unless the server selected one of `protocols`. */
  readonly requireProtocol?: boolean | undefined;
  /** Names of the extensions that were offered. */
  readonly extensionNames?: readonly string[] | undefined;
}

/** What a valid 101 response agreed to. */
export interface UpgradeResult {
  /** The subprotocol in use, or `null` (§4.1: the _Subprotocol In Use_). */
  readonly protocol: string | null;
  /** The server's accepted extensions, in the order they apply; match them to their factories. */
  readonly extensions: ExtensionOffer[];
}

/**
 * Check the server's 101 response against the request (RFC 6455 §4.1). Call it only for status
 * 101; other statuses are handled per HTTP (read the body with `HttpBodyReader` and report a
 * rejection). Checks, in the RFC's order:
 *
 * - HTTP/1.1 or later, `Upgrade` with the `websocket` token, `Connection` with `upgrade`;
 * - `Sec-WebSocket-Accept` present exactly once (§11.3.3) and equal to the key's accept value;
 * - `Sec-WebSocket-Extensions` on at most one line (§11.3.2: it "MUST NOT appear more than once
 *   in an HTTP response"), well formed, naming only offered extensions, none twice;
 * - `Sec-WebSocket-Protocol` on at most one line (§11.3.4), a single token that was offered,
 *   compared exactly; present when `requireProtocol` is set.
 *
 * Extension parameters are not checked here: each factory's `accept()` does that.
 *
 * @throws {HandshakeError} with `status` = the response status; code `EXTENSION_NOT_ACCEPTED`
 *   for extension problems (the client then closes with 1010), `BAD_HANDSHAKE` otherwise.
 */
export function validateUpgradeResponse(head: HttpResponseHead, options: ResponseValidationOptions): UpgradeResult {
  const { status, httpVersion, headers } = head;
  const { key, protocols = [], requireProtocol = false, extensionNames = [] } = options;
  const fail = (message: string, code: ErrorCode = "BAD_HANDSHAKE", cause?: unknown): never => {
    throw new HandshakeError(message, status, cause === undefined ? { code } : { code, cause });
  };

  if (status !== 101) fail(`expected status 101, got ${status}`);
  const [major = "", minor = ""] = httpVersion.split(".");
  if (major !== "1" || minor === "" || minor === "0") fail("101 response must be HTTP/1.1 or later");
  if (!hasToken(headers, "upgrade", "websocket")) fail("missing websocket token in Upgrade header");
  if (!hasToken(headers, "connection", "upgrade")) fail("missing upgrade token in Connection header");

  const accepts = headers.getAll("sec-websocket-accept");
  if (accepts.length === 0) fail("missing Sec-WebSocket-Accept header");
  if (accepts.length > 1) fail("duplicate Sec-WebSocket-Accept header");
  if (accepts[0] !== computeAcceptKey(key)) fail("invalid Sec-WebSocket-Accept");

  const extensionLines = headers.getAll("sec-websocket-extensions");
  if (extensionLines.length > 1) fail("duplicate Sec-WebSocket-Extensions header", "EXTENSION_NOT_ACCEPTED");
  let extensions: ExtensionOffer[] = [];
  if (extensionLines.length === 1) {
    try {
      extensions = parseExtensions(extensionLines[0] as string);
    } catch (error) {
      fail(error instanceof Error ? error.message : "invalid Sec-WebSocket-Extensions", "EXTENSION_NOT_ACCEPTED", error);
    }
    const accepted = new Set<string>();
    for (const { name } of extensions) {
      // RFC 6455 §9: "A server MUST NOT respond with any extension not requested by the client."
      if (!extensionNames.includes(name)) fail(`server accepted extension ${quote(name)} that was not offered`, "EXTENSION_NOT_ACCEPTED");
      if (accepted.has(name)) fail(`server accepted extension ${quote(name)} twice`, "EXTENSION_NOT_ACCEPTED");
      accepted.add(name);
    }
  }

  const protocolLines = headers.getAll("sec-websocket-protocol");
  if (protocolLines.length > 1) fail("duplicate Sec-WebSocket-Protocol header");
  let protocol: string | null = null;
  if (protocolLines.length === 1) {
    // Sec-WebSocket-Protocol-Server = token (§4.3): exactly one, no list.
    const elements = parseTokenList(protocolLines[0] as string);
    if (elements.length !== 1 || !isToken(elements[0] as string) || (protocolLines[0] as string).includes(",")) {
      fail("invalid Sec-WebSocket-Protocol: expected one subprotocol");
    }
    protocol = elements[0] as string;
    if (!protocols.includes(protocol)) fail(`server selected subprotocol ${quote(protocol)} that was not offered`);
  }
  if (protocol === null && requireProtocol) fail("server did not select a subprotocol");

  return { protocol, extensions };
}

/** A peer-supplied name for an error message, cut short so messages stay small. */
function quote(name: string): string {
  return JSON.stringify(name.length > 40 ? name.slice(0, 40) + "..." : name);
}

/** origin-form target: "/" then visible ASCII, no "#" (RFC 6455 §3: no fragments). */
function isValidTarget(target: string): boolean {
  if (!target.startsWith("/")) return false;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x23) return false;
  }
  return true;
}

/** Characters of a reg-name or IPv4 address (RFC 3986 unreserved, sub-delims except ",", and "%"). */
const HOST_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+;=%";
const IPV6_CHARS = "0123456789abcdefABCDEF:.";

/** The host as it goes in `Host`: IPv6 literals bracketed (RFC 3986 §3.2.2). */
function formatHost(host: string): string {
  const invalid = (): never => {
    throw new LocalProtocolError("INVALID_ARGUMENT", `invalid host ${JSON.stringify(host)}`);
  };
  if (typeof host !== "string" || host.length === 0) invalid();
  if (host.startsWith("[")) {
    if (!host.endsWith("]") || !onlyChars(host.slice(1, -1), IPV6_CHARS) || host.length < 4) invalid();
    return host;
  }
  if (host.includes(":")) {
    if (!onlyChars(host, IPV6_CHARS)) invalid();
    return `[${host}]`;
  }
  if (!onlyChars(host, HOST_CHARS)) invalid();
  return host;
}

function onlyChars(text: string, allowed: string): boolean {
  for (let i = 0; i < text.length; i++) if (!allowed.includes(text.charAt(i))) return false;
  return true;
}
