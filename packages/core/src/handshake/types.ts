/** The HTTP shapes the opening handshake works on. Parsing lives in http.ts, validation in request.ts/response.ts. */
import type { ExtensionOffer } from "../extensions/extension.js";

/**
 * Header fields in arrival order with case-insensitive lookup. Names are data, never object
 * keys, so `__proto__` or `constructor` are ordinary headers.
 */
export interface HttpHeaders {
  /** The field's values joined with ", " (RFC 9110 §5.3), or `undefined` when absent. */
  get(name: string): string | undefined;
  /** Each field line's value, in order. */
  getAll(name: string): readonly string[];
  has(name: string): boolean;
  /** Every field line as [name as received, value], in order. */
  entries(): IterableIterator<readonly [string, string]>;
  /** Number of field lines. */
  readonly size: number;
}

/** A parsed HTTP/1.1 request head. */
export interface HttpRequestHead {
  readonly method: string;
  /** The request target as sent, for example `/chat?room=1`. */
  readonly target: string;
  /** `"1.1"`, `"1.0"`, ... */
  readonly httpVersion: string;
  readonly headers: HttpHeaders;
}

/** A parsed HTTP/1.1 response head. */
export interface HttpResponseHead {
  readonly httpVersion: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: HttpHeaders;
}

/** A request that passed RFC 6455 §4.2.1 validation, as the application sees it. */
export interface UpgradeRequest extends HttpRequestHead {
  /** Path part of the target, without the query. */
  readonly path: string;
  /** Query part including `?`, or `""`. */
  readonly query: string;
  readonly host: string;
  readonly origin: string | null;
  /** `Sec-WebSocket-Key` as sent. */
  readonly key: string;
  /** `Sec-WebSocket-Version` (13). */
  readonly version: number;
  /** Offered subprotocols in the client's order, merged over every header line. */
  readonly protocols: readonly string[];
  /** Offered extensions in the client's order, merged over every header line. */
  readonly extensions: readonly ExtensionOffer[];
}
