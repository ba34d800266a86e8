/**
 * An incremental, strict HTTP/1.1 head parser (RFC 7230 §3) and a bounded response body reader,
 * for the opening handshake only.
 *
 * Rules, and why:
 *
 * - Linear time however the bytes are split: each byte is examined a bounded number of times.
 *   The parser searches for LF only in bytes it has not seen, handles each line once when its
 *   LF arrives, and never rescans or re-decodes what came before (tungstenite CVE-2023-43669
 *   re-parsed the whole buffer on every read).
 * - Bounded memory: the head may not exceed `maxHeadSize` bytes nor `maxHeaderCount` field
 *   lines (ws CVE-2024-37890 crashed on too many headers). Only the current unfinished line is
 *   buffered; finished lines are decoded at once.
 * - Strict framing: lines end in CRLF only, obsolete line folding and whitespace before the
 *   colon are refused (RFC 7230 §3.2.4, §3.5), as lenient parsing invites request smuggling.
 * - Bytes are latin1: one byte is one character, so values round-trip to the wire exactly.
 * - Bytes after the head are WebSocket frames; `rest()` hands them back without copying.
 */
import { HandshakeError, LocalProtocolError } from "../errors.js";
import { latin1 } from "../internal/char-codes.js";
import { equalsIgnoreAsciiCase, isTokenChar, isValidHeaderValue, parseTokenList } from "./header-values.js";
import { HeaderList } from "./headers.js";
import type { HttpRequestHead, HttpResponseHead } from "./types.js";

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

/** Which start line a parser expects. */
export type HeadKind = "request" | "response";

/** The head type a parser of kind `K` produces. */
export type HeadOf<K extends HeadKind> = K extends "request" ? HttpRequestHead : HttpResponseHead;

/** Options of {@link HttpHeadParser}. */
export interface HttpHeadParserOptions<K extends HeadKind> {
  /** `"request"` on a server, `"response"` on a client. */
  readonly kind: K;
  /** Largest head in bytes, start line and final empty line included (`maxHandshakeSize`). */
  readonly maxHeadSize: number;
  /** Most header field lines (`maxHeaderCount`). */
  readonly maxHeaderCount: number;
}

/**
 * Parses one HTTP/1.1 request or response head from bytes delivered in any split.
 *
 * Errors are {@link HandshakeError}s. For a request, `status` is the answer to send: 400 for
 * malformed input, 431 when a limit is passed. For a response, `status` is 0, since no valid
 * status line was read. After an error the parser is spent and `push()` throws the same error.
 *
 * @example
 * const parser = new HttpHeadParser({ kind: "request", maxHeadSize: 16384, maxHeaderCount: 100 });
 * const head = parser.push(chunk); // null until the head is complete
 * if (head !== null) frames = parser.rest();
 */
export class HttpHeadParser<K extends HeadKind = HeadKind> {
  /** Which start line this parser expects. */
  readonly kind: K;
  readonly #maxHeadSize: number;
  readonly #maxHeaderCount: number;
  /** The current unfinished line, copied from earlier chunks; empty once the line is handled. */
  #partial: Uint8Array = NO_BYTES;
  #partialLength = 0;
  /** Head bytes consumed so far, the unfinished line included. */
  #headBytes = 0;
  /** Bytes examined, for tests that check the parser stays linear. */
  #scanCount = 0;
  #startLine: StartLine | null = null;
  readonly #headers: HeaderList = new HeaderList();
  #head: HeadOf<K> | null = null;
  #rest: Uint8Array = NO_BYTES;
  #error: HandshakeError | null = null;

  /** @throws {LocalProtocolError} `INVALID_ARGUMENT` when a limit is not a positive integer. */
  constructor(options: HttpHeadParserOptions<K>) {
    const { kind, maxHeadSize, maxHeaderCount } = options;
    if (kind !== "request" && kind !== "response") {
      throw new LocalProtocolError("INVALID_ARGUMENT", `unknown head kind ${String(kind)}`);
    }
    checkHeadLimits(maxHeadSize, maxHeaderCount);
    this.kind = kind;
    this.#maxHeadSize = maxHeadSize;
    this.#maxHeaderCount = maxHeaderCount;
  }

  /**
   * Feed the next bytes. Returns the head once its final empty line has arrived, `null` while
   * more bytes are needed. After a head is returned, call {@link rest} for the bytes that
   * followed it and stop calling `push()`.
   *
   * The parser keeps no reference to `chunk` except through `rest()`.
   *
   * @throws {HandshakeError} on malformed input or a passed limit (see the class comment).
   * @throws {LocalProtocolError} `INVALID_STATE` if called again after the head was returned.
   */
  push(chunk: Uint8Array): HeadOf<K> | null {
    if (this.#error !== null) throw this.#error;
    if (this.#head !== null) throw new LocalProtocolError("INVALID_STATE", "the head is already complete");
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      // Never look past what the size limit still allows, so a huge chunk costs nothing extra.
      const limit = Math.min(n, pos + this.#maxHeadSize - this.#headBytes);
      let lf = limit === n ? chunk.indexOf(LF, pos) : chunk.subarray(pos, limit).indexOf(LF);
      if (lf !== -1 && limit !== n) lf += pos;
      if (lf === -1) {
        this.#scanCount += limit - pos;
        this.#headBytes += limit - pos;
        this.#appendPartial(chunk, pos, limit);
        // A head always ends in LF, so a full budget without one can never complete.
        if (this.#headBytes >= this.#maxHeadSize) this.#tooLarge();
        return null;
      }
      const lineEnd = lf + 1;
      this.#scanCount += lineEnd - pos;
      this.#headBytes += lineEnd - pos;
      // Lines are read in place (offsets, not subarray views: a view costs ~100 bytes of garbage
      // per line, and a server parses a head per connection).
      let head: HeadOf<K> | null;
      if (this.#partialLength > 0) {
        this.#appendPartial(chunk, pos, lineEnd);
        const length = this.#partialLength;
        this.#partialLength = 0;
        head = this.#handleLine(this.#partial, 0, length);
      } else {
        head = this.#handleLine(chunk, pos, lineEnd);
      }
      pos = lineEnd;
      if (head !== null) {
        this.#head = head;
        // Usually nothing follows a request's head: no view for that.
        this.#rest = pos === n ? NO_BYTES : chunk.subarray(pos);
        this.#partial = NO_BYTES;
        return head;
      }
      if (this.#headBytes >= this.#maxHeadSize) this.#tooLarge();
    }
    return null;
  }

  /**
   * The bytes that followed the head in the chunk that completed it: the first WebSocket
   * frames, which must not be lost. This is a view into that chunk, not a copy; copy it if the
   * caller reuses the chunk's memory.
   *
   * @throws {LocalProtocolError} `INVALID_STATE` before the head is complete.
   */
  rest(): Uint8Array {
    if (this.#head === null) throw new LocalProtocolError("INVALID_STATE", "the head is not complete");
    return this.#rest;
  }

  /** Whether the head has been returned. */
  get complete(): boolean {
    return this.#head !== null;
  }

  /**
   * Bytes examined so far. It stays within twice the bytes pushed, whatever the split; tests
   * use it to check linear time without timing anything.
   */
  get scanCount(): number {
    return this.#scanCount;
  }

  /** Bytes allocated for the unfinished-line buffer; never more than `maxHeadSize`. */
  get bufferSize(): number {
    return this.#partial.length;
  }

  #appendPartial(bytes: Uint8Array, start: number, end: number): void {
    const needed = this.#partialLength + (end - start);
    if (needed > this.#partial.length) {
      // Double to keep byte-at-a-time delivery linear, but never allocate past the limit.
      const size = Math.min(this.#maxHeadSize, Math.max(needed, 256, this.#partial.length * 2));
      const grown = new Uint8Array(size);
      grown.set(this.#partial.subarray(0, this.#partialLength));
      this.#partial = grown;
    }
    this.#partial.set(bytes.subarray(start, end), this.#partialLength);
    this.#partialLength = needed;
  }

  /**
   * Handle the line `buf[start, lineEnd)`, LF included. Returns the head when this was its
   * final empty line.
   */
  #handleLine(buf: Uint8Array, start: number, lineEnd: number): HeadOf<K> | null {
    if (lineEnd - start < 2 || buf[lineEnd - 2] !== CR) this.#fail("bare LF in head");
    const end = lineEnd - 2;
    this.#scanCount += end - start;
    if (this.#startLine === null) {
      // RFC 7230 §3.5: a server "SHOULD ignore at least one empty line (CRLF) received prior
      // to the request-line". They still count toward the size limit.
      if (end === start) return null;
      this.#startLine = this.kind === "request" ? this.#parseRequestLine(buf, start, end) : this.#parseStatusLine(buf, start, end);
      return null;
    }
    if (end === start) return this.#finish(this.#startLine);
    this.#parseFieldLine(buf, start, end);
    return null;
  }

  #parseRequestLine(line: Uint8Array, start: number, end: number): StartLine {
    // request-line = method SP request-target SP HTTP-version, with exactly one SP each.
    let i = start;
    while (i < end && isTokenChar(line[i] as number)) i++;
    if (i === start || i === end || line[i] !== SP) this.#fail("invalid request line");
    const method = interned(line, start, i);
    const targetStart = ++i;
    // The target must be visible ASCII: no controls, no SP, no obs-text.
    while (i < end && (line[i] as number) > SP && (line[i] as number) < 0x7f) i++;
    if (i === targetStart || i === end || line[i] !== SP) this.#fail("invalid request line");
    const target = latin1(line, targetStart, i);
    const httpVersion = parseHttpVersion(line, i + 1, end);
    if (httpVersion === null) this.#fail("invalid request line");
    return { kind: "request", method, target, httpVersion: httpVersion as string };
  }

  #parseStatusLine(line: Uint8Array, start: number, end: number): StartLine {
    // status-line = HTTP-version SP status-code SP reason-phrase. A missing SP before an empty
    // reason is tolerated: servers send "HTTP/1.1 101" and clients accept it.
    const httpVersion = parseHttpVersion(line, start, Math.min(start + 8, end));
    if (httpVersion === null || end - start < 12 || line[start + 8] !== SP) this.#fail("invalid status line");
    let status = 0;
    for (let i = start + 9; i < start + 12; i++) {
      const digit = (line[i] as number) - 0x30;
      if (digit < 0 || digit > 9) this.#fail("invalid status line");
      status = status * 10 + digit;
    }
    // RFC 9110 §15: "Values outside the range 100..599 are invalid".
    if (status < 100 || status > 599) this.#fail("invalid status code");
    let statusText = "";
    if (end - start > 12) {
      if (line[start + 12] !== SP) this.#fail("invalid status line");
      statusText = latin1(line, start + 13, end);
      if (!isValidHeaderValue(statusText)) this.#fail("invalid reason phrase");
    }
    return { kind: "response", httpVersion: httpVersion as string, status, statusText };
  }

  #parseFieldLine(line: Uint8Array, start: number, end: number): void {
    const first = line[start] as number;
    // RFC 7230 §3.2.4: obs-fold is deprecated; a server "MUST either reject the message by
    // sending a 400" or replace it. Rejecting is simpler and safer.
    if (first === SP || first === HTAB) this.#fail("obsolete line folding in header");
    let colon = start;
    while (colon < end && isTokenChar(line[colon] as number)) colon++;
    if (colon === end) this.#fail("header line without colon");
    if (line[colon] !== COLON) {
      const c = line[colon] as number;
      if (c === SP || c === HTAB) this.#fail("whitespace in header name or before colon");
      if (c === CR) this.#fail("bare CR in head");
      this.#fail("invalid header name");
    }
    if (colon === start) this.#fail("empty header name");
    if (this.#headers.size >= this.#maxHeaderCount) {
      this.#fail(`more than ${this.#maxHeaderCount} header fields`, 431);
    }
    let from = colon + 1;
    let stop = end;
    while (from < stop && (line[from] === SP || line[from] === HTAB)) from++;
    while (stop > from && (line[stop - 1] === SP || line[stop - 1] === HTAB)) stop--;
    for (let i = from; i < stop; i++) {
      const c = line[i] as number;
      // field-content is VCHAR, obs-text, SP and HTAB; controls (CR, NUL, DEL...) are refused.
      if ((c < SP && c !== HTAB) || c === 0x7f) this.#fail(c === CR ? "bare CR in head" : "control character in header value");
    }
    this.#headers.append(interned(line, start, colon), interned(line, from, stop));
  }

  #finish(startLine: StartLine): HeadOf<K> {
    const headers = this.#headers;
    const head: HttpRequestHead | HttpResponseHead =
      startLine.kind === "request"
        ? { method: startLine.method, target: startLine.target, httpVersion: startLine.httpVersion, headers }
        : { httpVersion: startLine.httpVersion, status: startLine.status, statusText: startLine.statusText, headers };
    return Object.freeze(head) as HeadOf<K>;
  }

  #tooLarge(): never {
    return this.#fail(`head larger than ${this.#maxHeadSize} bytes`, 431);
  }

  #fail(message: string, requestStatus = 400): never {
    // A response's status is unknown until its head parses, so client-side errors carry 0.
    this.#error = new HandshakeError(message, this.kind === "request" ? requestStatus : 0);
    throw this.#error;
  }
}

/**
 * Check a head parser's limits, for code that makes its parser later than it takes them.
 * @throws {LocalProtocolError} `INVALID_ARGUMENT` when a limit is not a positive integer.
 */
export function checkHeadLimits(maxHeadSize: number, maxHeaderCount: number): void {
  if (!Number.isSafeInteger(maxHeadSize) || maxHeadSize < 1) {
    throw new LocalProtocolError("INVALID_ARGUMENT", "maxHeadSize must be a positive integer");
  }
  if (!Number.isSafeInteger(maxHeaderCount) || maxHeaderCount < 0) {
    throw new LocalProtocolError("INVALID_ARGUMENT", "maxHeaderCount must be a non-negative integer");
  }
}

type StartLine =
  | { readonly kind: "request"; readonly method: string; readonly target: string; readonly httpVersion: string }
  | { readonly kind: "response"; readonly httpVersion: string; readonly status: number; readonly statusText: string };

/** `"x.y"` from exactly `HTTP/x.y` (one digit each, RFC 7230 §2.6) in `line[start, end)`, or null. */
function parseHttpVersion(line: Uint8Array, start: number, end: number): string | null {
  if (end - start !== 8) return null;
  const expected = "HTTP/";
  for (let i = 0; i < 5; i++) if (line[start + i] !== expected.charCodeAt(i)) return null;
  const major = (line[start + 5] as number) - 0x30;
  const minor = (line[start + 7] as number) - 0x30;
  if (major < 0 || major > 9 || line[start + 6] !== 0x2e || minor < 0 || minor > 9) return null;
  // A shared string, not a new one that a server would keep with every connection's head.
  return major === 1 && minor === 1 ? "1.1" : `${major}.${minor}`;
}

/**
 * Names and values every upgrade request repeats, as browsers, Node and ws spell them. A server
 * keeps each connection's request for the connection's lifetime: sharing these strings instead
 * of a copy per connection saves a few hundred bytes of every idle connection.
 */
const COMMON: ReadonlyMap<number, readonly string[]> = (() => {
  const words = [
    "GET", "Host", "host", "Upgrade", "upgrade", "Connection", "connection", "websocket", "WebSocket",
    "Sec-WebSocket-Key", "sec-websocket-key", "Sec-WebSocket-Version", "sec-websocket-version", "13",
    "Sec-WebSocket-Extensions", "sec-websocket-extensions", "Sec-WebSocket-Protocol", "sec-websocket-protocol",
    "permessage-deflate; client_max_window_bits", "permessage-deflate", "Origin", "origin", "User-Agent",
    "user-agent", "Accept-Encoding", "accept-encoding", "gzip, deflate, br, zstd", "gzip, deflate, br",
    "Accept-Language", "accept-language", "Cache-Control", "cache-control", "Pragma", "pragma", "no-cache",
    "keep-alive, Upgrade", "Cookie", "cookie",
  ];
  const byLength = new Map<number, string[]>();
  for (const w of words) byLength.set(w.length, [...(byLength.get(w.length) ?? []), w]);
  return byLength;
})();

/** `bytes[start, end)` as a latin1 string, the shared copy when it is one of {@link COMMON}. */
function interned(bytes: Uint8Array, start: number, end: number): string {
  const candidates = COMMON.get(end - start);
  if (candidates !== undefined) {
    for (const word of candidates) {
      let i = 0;
      while (i < word.length && word.charCodeAt(i) === bytes[start + i]) i++;
      if (i === word.length) return word;
    }
  }
  return latin1(bytes, start, end);
}

/** Shared empty array (nothing is ever written to an empty array). */
const NO_BYTES = new Uint8Array(0);

/** How a response body is delimited (RFC 7230 §3.3.3). */
export type BodyFraming = "none" | "content-length" | "chunked" | "eof";

/** Longest chunk-size line (size plus chunk extensions) accepted. */
const MAX_CHUNK_LINE = 1024;
/** Largest trailer section accepted after the last chunk. */
const MAX_TRAILER_SIZE = 16 * 1024;

/** States of the chunked-body scanner. */
const Chunked = {
  Size: 0,
  Extension: 1,
  SizeLf: 2,
  Data: 3,
  DataCr: 4,
  DataLf: 5,
  TrailerStart: 6,
  TrailerLine: 7,
  TrailerLf: 8,
  FinalLf: 9,
} as const;
type ChunkedState = (typeof Chunked)[keyof typeof Chunked];

/**
 * Collects the body of a non-101 response, keeping at most `maxBodySize` bytes, so a client
 * can report the server's rejection (RFC 6455 §4.1: "the client handles the response per HTTP
 * procedures").
 *
 * The body is delimited as RFC 7230 §3.3.3 says: none for 1xx, 204 and 304; chunked when
 * `Transfer-Encoding` ends in `chunked`; until EOF for any other `Transfer-Encoding`;
 * `Content-Length` otherwise; until EOF when neither is present. Content codings (gzip...) are
 * not undone.
 *
 * The reader is {@link complete} when the body has ended, or as soon as it holds
 * `maxBodySize` bytes and more are known to follow ({@link truncated}): there is no point
 * reading a large error page to the end.
 *
 * @example
 * const reader = new HttpBodyReader(head, 65536);
 * if (reader.push(parser.rest())) report(head, reader.body());
 * // on socket end: reader.end(); report(head, reader.body());
 */
export class HttpBodyReader {
  /** How this response's body is delimited. */
  readonly framing: BodyFraming;
  readonly #status: number;
  readonly #maxBodySize: number;
  #body: Uint8Array = new Uint8Array(0);
  #bodyLength = 0;
  /** Bytes still expected: the Content-Length left, or the current chunk's data left. */
  #remaining = 0;
  #complete = false;
  #truncated = false;
  #state: ChunkedState = Chunked.Size;
  #sizeDigits = 0;
  #lineBytes = 0;
  #trailerBytes = 0;
  #error: HandshakeError | null = null;

  /**
   * @param maxBodySize Most body bytes kept (`maxRejectionBodySize`); the rest is not buffered.
   * @throws {HandshakeError} status `head.status` when `Content-Length` is invalid or
   *   conflicting.
   * @throws {LocalProtocolError} `INVALID_ARGUMENT` when `maxBodySize` is not a non-negative integer.
   */
  constructor(head: HttpResponseHead, maxBodySize: number) {
    if (!Number.isSafeInteger(maxBodySize) || maxBodySize < 0) {
      throw new LocalProtocolError("INVALID_ARGUMENT", "maxBodySize must be a non-negative integer");
    }
    this.#status = head.status;
    this.#maxBodySize = maxBodySize;
    const { headers, status } = head;
    if ((status >= 100 && status < 200) || status === 204 || status === 304) {
      this.framing = "none";
      this.#complete = true;
    } else if (headers.has("transfer-encoding")) {
      const codings = parseTokenList(headers.getAll("transfer-encoding").join(","));
      const last = codings[codings.length - 1] ?? "";
      // RFC 7230 §3.3.3 item 3: chunked last means chunked; otherwise read until close.
      this.framing = equalsIgnoreAsciiCase(last, "chunked") ? "chunked" : "eof";
    } else if (headers.has("content-length")) {
      this.framing = "content-length";
      this.#remaining = this.#parseContentLength(headers.getAll("content-length"));
      if (this.#remaining === 0) this.#complete = true;
      else this.#body = new Uint8Array(Math.min(this.#remaining, maxBodySize));
    } else {
      this.framing = "eof";
    }
  }

  /**
   * Feed body bytes (start with the head parser's `rest()`). Returns {@link complete}. Bytes
   * pushed after completion are ignored.
   *
   * @throws {HandshakeError} status `head.status` on malformed chunked framing; the reader is
   *   then spent and throws the same error again.
   */
  push(chunk: Uint8Array): boolean {
    if (this.#error !== null) throw this.#error;
    if (this.#complete || chunk.length === 0) return this.#complete;
    switch (this.framing) {
      case "content-length": {
        const take = Math.min(chunk.length, this.#remaining);
        this.#keep(chunk.subarray(0, take));
        this.#remaining -= take;
        if (this.#remaining === 0) this.#complete = true;
        break;
      }
      case "eof":
        this.#keep(chunk);
        break;
      case "chunked":
        this.#pushChunked(chunk);
        break;
      case "none":
        break;
    }
    return this.#complete;
  }

  /**
   * The connection ended. A body read until EOF is then complete; a `Content-Length` or
   * chunked body that had not ended is complete but {@link truncated}.
   */
  end(): void {
    if (this.#complete) return;
    if (this.framing !== "eof") this.#truncated = true;
    this.#complete = true;
  }

  /** Whether the body ended, or `maxBodySize` was reached, or the connection ended. */
  get complete(): boolean {
    return this.#complete;
  }

  /** Whether the body is known to be longer than what {@link body} returns. */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** The body bytes kept so far (at most `maxBodySize`), as a new array the caller owns. */
  body(): Uint8Array {
    return this.#body.slice(0, this.#bodyLength);
  }

  #parseContentLength(values: readonly string[]): number {
    // RFC 7230 §3.3.2: a list of identical values may be treated as one; anything else is an
    // error, since disagreeing lengths are how responses get smuggled.
    let length: string | null = null;
    for (const value of values) {
      for (const element of value.split(",")) {
        const trimmed = element.trim();
        if (length !== null && trimmed !== length) this.#fail("conflicting Content-Length values");
        length = trimmed;
      }
    }
    const digits = length ?? "";
    // 15 digits stay below 2^53, so the number is exact.
    if (digits.length === 0 || digits.length > 15) this.#fail("invalid Content-Length");
    let n = 0;
    for (let i = 0; i < digits.length; i++) {
      const d = digits.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) this.#fail("invalid Content-Length");
      n = n * 10 + d;
    }
    return n;
  }

  /** Keep body bytes up to the limit; one byte past it completes the reader as truncated. */
  #keep(bytes: Uint8Array): void {
    const room = this.#maxBodySize - this.#bodyLength;
    const take = Math.min(room, bytes.length);
    if (take > 0) {
      const needed = this.#bodyLength + take;
      if (needed > this.#body.length) {
        const grown = new Uint8Array(Math.min(this.#maxBodySize, Math.max(needed, 1024, this.#body.length * 2)));
        grown.set(this.#body.subarray(0, this.#bodyLength));
        this.#body = grown;
      }
      this.#body.set(bytes.subarray(0, take), this.#bodyLength);
      this.#bodyLength = needed;
    }
    const moreKnown = bytes.length > take || (this.framing === "content-length" && this.#remaining > take);
    if (this.#bodyLength === this.#maxBodySize && moreKnown) {
      this.#truncated = true;
      this.#complete = true;
    }
  }

  #pushChunked(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n && !this.#complete) {
      const c = chunk[i] as number;
      switch (this.#state) {
        case Chunked.Size: {
          const digit = hexValue(c);
          if (digit >= 0) {
            // Refuse sizes past 2^53 before they lose precision (RFC 7230 §7.1: "anticipate
            // potentially large hexadecimal numerals and prevent parsing errors due to integer
            // conversion overflows").
            if (this.#remaining > (Number.MAX_SAFE_INTEGER - digit) / 16) this.#fail("chunk size too large");
            this.#remaining = this.#remaining * 16 + digit;
            this.#sizeDigits++;
          } else if (this.#sizeDigits === 0) {
            this.#fail("invalid chunk size");
          } else if (c === CR) {
            this.#state = Chunked.SizeLf;
          } else if (c === 0x3b || c === SP || c === HTAB) {
            this.#state = Chunked.Extension;
          } else {
            this.#fail("invalid chunk size");
          }
          this.#countLineByte();
          i++;
          break;
        }
        case Chunked.Extension:
          // Chunk extensions carry nothing we use; skip them, bounded by MAX_CHUNK_LINE.
          if (c === CR) this.#state = Chunked.SizeLf;
          else if (c === LF) this.#fail("bare LF in chunked body");
          this.#countLineByte();
          i++;
          break;
        case Chunked.SizeLf:
          if (c !== LF) this.#fail("bare CR in chunked body");
          i++;
          this.#lineBytes = 0;
          this.#sizeDigits = 0;
          this.#state = this.#remaining === 0 ? Chunked.TrailerStart : Chunked.Data;
          break;
        case Chunked.Data: {
          const take = Math.min(n - i, this.#remaining);
          this.#remaining -= take;
          // Data beyond this chunk is only "known" to exist once it arrives; pass what is here.
          this.#keep(chunk.subarray(i, i + take));
          i += take;
          if (this.#remaining === 0) this.#state = Chunked.DataCr;
          break;
        }
        case Chunked.DataCr:
          if (c !== CR) this.#fail("missing CRLF after chunk data");
          this.#state = Chunked.DataLf;
          i++;
          break;
        case Chunked.DataLf:
          if (c !== LF) this.#fail("missing CRLF after chunk data");
          this.#state = Chunked.Size;
          i++;
          break;
        case Chunked.TrailerStart:
          // Either the final CRLF or a trailer field line, which is skipped.
          if (c === CR) this.#state = Chunked.FinalLf;
          else this.#state = Chunked.TrailerLine;
          this.#countTrailerByte();
          i++;
          break;
        case Chunked.TrailerLine:
          if (c === CR) this.#state = Chunked.TrailerLf;
          else if (c === LF) this.#fail("bare LF in chunked trailer");
          this.#countTrailerByte();
          i++;
          break;
        case Chunked.TrailerLf:
          if (c !== LF) this.#fail("bare CR in chunked trailer");
          this.#state = Chunked.TrailerStart;
          this.#countTrailerByte();
          i++;
          break;
        case Chunked.FinalLf:
          if (c !== LF) this.#fail("bare CR in chunked trailer");
          this.#complete = true;
          i++;
          break;
      }
    }
  }

  #countLineByte(): void {
    if (++this.#lineBytes > MAX_CHUNK_LINE) this.#fail("chunk size line too long");
  }

  #countTrailerByte(): void {
    if (++this.#trailerBytes > MAX_TRAILER_SIZE) this.#fail("chunked trailer too large");
  }

  #fail(message: string): never {
    this.#error = new HandshakeError(message, this.#status);
    throw this.#error;
  }
}

/** The value of hex digit `c`, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Serialize a head: `start` (the start line, or bytes already encoded: the start line and any
 * fields, each ending in CRLF), each field as `name: value`, the empty line, then `body`.
 * Every character must be at most U+00FF (heads are latin1); callers validate fields with
 * `checkHeaderField` first, so this only encodes.
 */
export function encodeHead(start: string | Uint8Array, fields: ReadonlyArray<readonly [string, string]>, body?: Uint8Array): Uint8Array {
  // Measured, then written straight into the bytes: building the text first made a string per
  // concatenation, and every handshake encodes a head.
  let size = typeof start === "string" ? start.length + 4 : start.length + 2;
  for (const [name, value] of fields) size += name.length + value.length + 4;
  const out = new Uint8Array(size + (body === undefined ? 0 : body.length));
  let at: number;
  if (typeof start === "string") {
    at = writeLatin1(out, 0, start);
    out[at++] = CR;
    out[at++] = LF;
  } else {
    out.set(start);
    at = start.length;
  }
  for (const [name, value] of fields) {
    at = writeLatin1(out, at, name);
    out[at++] = COLON;
    out[at++] = SP;
    at = writeLatin1(out, writeLatin1(out, at, value), "\r\n");
  }
  out[at++] = CR;
  out[at++] = LF;
  if (body !== undefined) out.set(body, at);
  return out;
}

/** Write `text`'s characters (each at most U+00FF) into `out` from `at`; returns the end. */
function writeLatin1(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}
