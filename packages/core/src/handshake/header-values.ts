/**
 * Header value grammars for the opening handshake: RFC 7230 token lists (`Upgrade`,
 * `Connection`, `Sec-WebSocket-Protocol`) and the `Sec-WebSocket-Extensions` grammar
 * (RFC 6455 §9.1).
 *
 * Every parser here is a hand-written scanner that looks at each character once. Regular
 * expressions with backtracking on peer-supplied values caused ws CVE-2021-32640 and
 * websocket-extensions CVE-2020-7662 (ReDoS), so none are used.
 */
import type { ExtensionOffer, ExtensionParam } from "../extensions/extension.js";
import { HandshakeError, LocalProtocolError } from "../errors.js";
import type { HttpHeaders } from "./types.js";

/** Character class bits, indexed by character code (0-255). */
const TCHAR = 1;
const OWS = 2;
/** qdtext (RFC 7230 §3.2.6): HTAB, SP, %x21, %x23-5B, %x5D-7E, obs-text. */
const QDTEXT = 4;
/** What may follow a backslash in a quoted-pair: HTAB, SP, VCHAR, obs-text. */
const QUOTABLE = 8;
/** field-vchar plus SP and HTAB: what a header value may contain (RFC 7230 §3.2). */
const FIELD_CHAR = 16;

const CHAR_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256);
  // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
  const specials = "!#$%&'*+-.^_`|~";
  for (let i = 0; i < specials.length; i++) table[specials.charCodeAt(i)] = TCHAR;
  for (let c = 0x30; c <= 0x39; c++) table[c] = TCHAR;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = TCHAR;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = TCHAR;
  for (let c = 0; c < 256; c++) {
    const vchar = c >= 0x21 && c <= 0x7e;
    const obsText = c >= 0x80;
    const blank = c === 0x20 || c === 0x09;
    if (blank) table[c] = (table[c] as number) | OWS;
    if (blank || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || obsText) {
      table[c] = (table[c] as number) | QDTEXT;
    }
    if (blank || vchar || obsText) table[c] = (table[c] as number) | QUOTABLE | FIELD_CHAR;
  }
  return table;
})();

function hasClass(code: number, bits: number): boolean {
  return code < 256 && ((CHAR_CLASS[code] as number) & bits) !== 0;
}

/** Whether `code` is an RFC 7230 `tchar`. */
export function isTokenChar(code: number): boolean {
  return hasClass(code, TCHAR);
}

/** Whether `value` is a non-empty RFC 7230 token (1*tchar). */
export function isToken(value: string): boolean {
  // The typeof check guards JavaScript callers that pass a non-string where a name belongs.
  if (typeof value !== "string" || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (!hasClass(value.charCodeAt(i), TCHAR)) return false;
  return true;
}

/**
 * Whether `value` may be sent as a header value: visible characters, obs-text, SP and HTAB
 * only (RFC 7230 §3.2), so no CR, LF, NUL or other control character can inject a header, and
 * no character above U+00FF, because heads are written one byte per character.
 */
export function isValidHeaderValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (!hasClass(value.charCodeAt(i), FIELD_CHAR)) return false;
  return true;
}

/**
 * `value` with A-Z mapped to a-z and nothing else changed. HTTP names and tokens compare
 * ASCII-case-insensitively; `String.prototype.toLowerCase` would also fold non-ASCII letters
 * (for example U+0130), making two different names equal.
 */
export function toLowerAscii(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return lowerFrom(value, i);
  }
  return value;
}

function lowerFrom(value: string, start: number): string {
  let out = value.slice(0, start);
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : value.charAt(i);
  }
  return out;
}

/** Whether `a` and `b` are equal ignoring ASCII case. */
export function equalsIgnoreAsciiCase(a: string, b: string): boolean {
  return a.length === b.length && equalsIgnoreAsciiCaseAt(a, 0, b);
}

/** Whether `value` holds `token` at `start`, ignoring ASCII case, without allocating. */
function equalsIgnoreAsciiCaseAt(value: string, start: number, token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const x = value.charCodeAt(start + i);
    const y = token.charCodeAt(i);
    if (x === y) continue;
    const lower = x | 0x20;
    // Only letters differ by the 0x20 bit between cases.
    if (lower !== (y | 0x20) || lower < 0x61 || lower > 0x7a) return false;
  }
  return true;
}

/**
 * Split a comma-separated list (RFC 7230 §7 `#rule`) into its elements, with optional whitespace
 * around each removed, empty elements ignored ("a recipient MUST parse and ignore a reasonable
 * number of empty list elements") and case preserved. Elements are returned as written; use
 * {@link isToken} where the grammar requires tokens.
 *
 * @example
 * parseTokenList(" keep-alive, ,Upgrade "); // ["keep-alive", "Upgrade"]
 */
export function parseTokenList(value: string): string[] {
  const out: string[] = [];
  someListElement(value, (start, end) => {
    out.push(value.slice(start, end));
    return false;
  });
  return out;
}

/**
 * Call `visit` with the bounds of each element of the list `value` (trimmed, empty ones
 * skipped), in order, until it returns `true`. Returns whether it did.
 */
function someListElement(value: string, visit: (start: number, end: number) => boolean): boolean {
  const n = value.length;
  let i = 0;
  while (i < n) {
    while (i < n && hasClass(value.charCodeAt(i), OWS)) i++;
    const start = i;
    let end = i;
    while (i < n && value.charCodeAt(i) !== 0x2c) {
      if (!hasClass(value.charCodeAt(i), OWS)) end = i + 1;
      i++;
    }
    if (end > start && visit(start, end)) return true;
    i++; // skip the comma
  }
  return false;
}

/**
 * Whether any `name` field line of `headers` lists `token`, compared ASCII-case-insensitively
 * (RFC 6455 §4.2.1: `Upgrade` and `Connection` are "treated as an ASCII case-insensitive value").
 *
 * @example
 * hasToken(headers, "Connection", "upgrade"); // true for "Connection: keep-alive, Upgrade"
 */
export function hasToken(headers: HttpHeaders, name: string, token: string): boolean {
  // Field lines joined with ", " are the same list (RFC 9110 §5.3); get() joins only when a
  // header is repeated, so the usual case allocates nothing but the visitor.
  const value = headers.get(name);
  return value !== undefined && someListElement(value, (start, end) => end - start === token.length && equalsIgnoreAsciiCaseAt(value, start, token));
}

/**
 * Parse a `Sec-WebSocket-Protocol` value (`1#token`, RFC 6455 §4.1 item 10) into subprotocol
 * names in the order given, case preserved. Duplicates are not checked here because they may
 * span several header lines; the caller checks the merged list.
 *
 * @throws {HandshakeError} status 400 if the list is empty or an element is not a token.
 */
export function parseProtocols(value: string): string[] {
  const protocols = parseTokenList(value);
  if (protocols.length === 0) throw new HandshakeError("empty Sec-WebSocket-Protocol list", 400);
  for (const protocol of protocols) {
    if (!isToken(protocol)) throw new HandshakeError("invalid subprotocol name in Sec-WebSocket-Protocol", 400);
  }
  return protocols;
}

/**
 * Format subprotocol names for `Sec-WebSocket-Protocol`, in the given (preference) order.
 *
 * @throws {LocalProtocolError} `INVALID_ARGUMENT` if the list is empty, a name is not a token,
 *   or a name appears twice (RFC 6455 §4.1: the elements "MUST all be unique strings").
 */
export function formatProtocols(protocols: readonly string[]): string {
  if (protocols.length === 0) throw new LocalProtocolError("INVALID_ARGUMENT", "empty subprotocol list");
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== "string" || !isToken(protocol)) {
      throw new LocalProtocolError("INVALID_ARGUMENT", `subprotocol ${JSON.stringify(protocol)} is not a token`);
    }
    if (seen.has(protocol)) throw new LocalProtocolError("INVALID_ARGUMENT", `duplicate subprotocol ${protocol}`);
    seen.add(protocol);
  }
  return protocols.join(", ");
}

/**
 * Parse a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1) into offers, in order:
 *
 * ```
 * extension-list  = 1#extension
 * extension       = extension-token *( ";" extension-param )
 * extension-param = token [ "=" (token | quoted-string) ]
 * ```
 *
 * A quoted-string value must be a token once unescaped ("the value after quoted-string
 * unescaping MUST conform to the 'token' ABNF"); the offer holds the unescaped value. Optional
 * whitespace is accepted around `,`, `;` and `=` (RFC 2616's implied `*LWS`, which §9.1
 * references), empty list elements are ignored, and names keep their case. Parameter meaning
 * (duplicates, allowed values) is left to each extension.
 *
 * @throws {HandshakeError} status 400 on any syntax error (§9.1: malformed data means the
 *   recipient "MUST immediately _Fail the WebSocket Connection_").
 * @example
 * parseExtensions('permessage-deflate; client_max_window_bits, x-foo; a="b"');
 * // [{ name: "permessage-deflate", params: [["client_max_window_bits", null]] },
 * //  { name: "x-foo", params: [["a", "b"]] }]
 */
export function parseExtensions(value: string): ExtensionOffer[] {
  const offers: ExtensionOffer[] = [];
  const n = value.length;
  let i = 0;
  const skipOws = (): void => {
    while (i < n && hasClass(value.charCodeAt(i), OWS)) i++;
  };
  const fail = (what: string): never => {
    throw new HandshakeError(`invalid Sec-WebSocket-Extensions: ${what} at offset ${i}`, 400);
  };
  const readToken = (what: string): string => {
    const start = i;
    while (i < n && hasClass(value.charCodeAt(i), TCHAR)) i++;
    if (i === start) fail(`expected ${what}`);
    return value.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= n) fail("unterminated quoted string");
      const c = value.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        i++;
        if (i >= n || !hasClass(value.charCodeAt(i), QUOTABLE)) fail("invalid quoted pair");
      } else if (!hasClass(c, QDTEXT)) {
        fail("invalid character in quoted string");
      }
      out += value.charAt(i);
      i++;
    }
    i++; // closing quote
    if (!isToken(out)) fail("quoted parameter value is not a token");
    return out;
  };

  for (;;) {
    skipOws();
    if (i >= n) break;
    if (value.charCodeAt(i) === 0x2c) {
      i++;
      continue;
    }
    const name = readToken("an extension name");
    const params: ExtensionParam[] = [];
    skipOws();
    while (i < n && value.charCodeAt(i) === 0x3b) {
      i++;
      skipOws();
      const paramName = readToken("a parameter name");
      skipOws();
      let paramValue: string | null = null;
      if (i < n && value.charCodeAt(i) === 0x3d) {
        i++;
        skipOws();
        paramValue = i < n && value.charCodeAt(i) === 0x22 ? readQuoted() : readToken("a parameter value");
        skipOws();
      }
      params.push([paramName, paramValue]);
    }
    offers.push({ name, params });
    if (i >= n) break;
    if (value.charCodeAt(i) !== 0x2c) fail("unexpected character");
    i++;
  }
  if (offers.length === 0) throw new HandshakeError("empty Sec-WebSocket-Extensions list", 400);
  return offers;
}

/**
 * Format offers (or a server's accepted extensions) as a `Sec-WebSocket-Extensions` value:
 * `name; param; param=value, name2`. Values are always written as bare tokens, which §9.1
 * makes equivalent to their quoted form.
 *
 * @throws {LocalProtocolError} `INVALID_ARGUMENT` if the list is empty or a name or value is
 *   not a token.
 */
export function formatExtensions(offers: readonly ExtensionOffer[]): string {
  if (offers.length === 0) throw new LocalProtocolError("INVALID_ARGUMENT", "empty extension list");
  const parts: string[] = [];
  for (const offer of offers) {
    if (!isToken(offer.name)) {
      throw new LocalProtocolError("INVALID_ARGUMENT", `extension name ${JSON.stringify(offer.name)} is not a token`);
    }
    let part = offer.name;
    for (const [name, value] of offer.params) {
      if (!isToken(name)) {
        throw new LocalProtocolError("INVALID_ARGUMENT", `extension parameter name ${JSON.stringify(name)} is not a token`);
      }
      part += "; " + name;
      if (value !== null) {
        if (typeof value !== "string" || !isToken(value)) {
          throw new LocalProtocolError("INVALID_ARGUMENT", `value of extension parameter ${name} is not a token`);
        }
        part += "=" + value;
      }
    }
    parts.push(part);
  }
  return parts.join(", ");
}

/**
 * Check one header field the caller wants to send: the name must be a token and the value
 * must pass {@link isValidHeaderValue}, so neither can split the head (CR/LF injection).
 *
 * @throws {LocalProtocolError} `INVALID_ARGUMENT` otherwise.
 */
export function checkHeaderField(name: string, value: string): void {
  if (!isToken(name)) throw new LocalProtocolError("INVALID_ARGUMENT", `invalid header name ${JSON.stringify(name)}`);
  if (typeof value !== "string" || !isValidHeaderValue(value)) {
    throw new LocalProtocolError("INVALID_ARGUMENT", `invalid value for header ${name}`);
  }
}
