/** WebSocket URLs (RFC 6455 §3) and redirects between them. Shared by every client adapter. */
import { WebSocketError } from "./errors.js";

const SCHEMES: Readonly<Record<string, "ws:" | "wss:">> = { "ws:": "ws:", "wss:": "wss:", "http:": "ws:", "https:": "wss:" };

/**
 * Parse a WebSocket URL: `ws:` or `wss:`, with `http:`/`https:` mapped to them as the WHATWG
 * WebSocket constructor does. Fragments are refused (RFC 6455 §3: "Fragment identifiers are
 * meaningless in the context of WebSocket URIs").
 * @throws {WebSocketError} `INVALID_URL`.
 */
export function parseWebSocketUrl(input: string | URL, base?: string | URL): URL {
  let url: URL;
  try {
    url = new URL(String(input), base);
  } catch (cause) {
    throw new WebSocketError("INVALID_URL", `invalid URL: ${String(input)}`, { cause });
  }
  const scheme = SCHEMES[url.protocol];
  if (scheme === undefined) throw new WebSocketError("INVALID_URL", `unsupported URL scheme ${url.protocol}`);
  if (url.hash !== "" || String(input).endsWith("#")) throw new WebSocketError("INVALID_URL", "a WebSocket URL has no fragment");
  if (url.protocol !== scheme) url = new URL(scheme + url.href.slice(url.protocol.length));
  return url;
}

/** The port a WebSocket URL connects to. */
export function portOf(url: URL): number {
  return url.port === "" ? (url.protocol === "wss:" ? 443 : 80) : Number(url.port);
}

/** The host to connect to: the URL's hostname without IPv6 brackets. */
export function hostOf(url: URL): string {
  const h = url.hostname;
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** Path and query, the request target. */
export function targetOf(url: URL): string {
  return (url.pathname === "" ? "/" : url.pathname) + url.search;
}

/** Statuses that carry a `Location` to follow (RFC 9110 §15.4). 304 and 305 do not. */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Request headers that carry credentials, which never follow a redirect to another origin. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(["authorization", "cookie", "proxy-authorization"]);

/** Where a redirect leads, and the headers to send there. */
export interface RedirectTarget {
  readonly url: URL;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/**
 * The next hop of a redirect: `location` resolved against `from`. Credentials (Authorization,
 * Cookie, Proxy-Authorization) are dropped when the origin (scheme, host, port) changes, as
 * fetch and undici do.
 * @throws {WebSocketError} `INVALID_REDIRECT` for a missing or unparsable Location, or a
 *   downgrade from `wss:` to `ws:` (which would expose an encrypted session's traffic).
 */
export function followRedirect(
  from: URL,
  location: string | undefined,
  headers: ReadonlyArray<readonly [string, string]>,
): RedirectTarget {
  if (location === undefined || location === "") throw new WebSocketError("INVALID_REDIRECT", "redirect without a Location header");
  let url: URL;
  try {
    url = parseWebSocketUrl(new URL(location, from).href.replace(/#.*$/, ""));
  } catch (cause) {
    throw new WebSocketError("INVALID_REDIRECT", `invalid redirect location: ${location}`, { cause });
  }
  if (from.protocol === "wss:" && url.protocol === "ws:") {
    throw new WebSocketError("INVALID_REDIRECT", `refusing to follow a redirect from wss: to ws: (${url.href})`);
  }
  const sameOrigin = url.protocol === from.protocol && url.hostname === from.hostname && portOf(url) === portOf(from);
  return { url, headers: sameOrigin ? headers : headers.filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())) };
}
