/**
 * permessage-deflate (RFC 7692) on the kit's side, through node:zlib only: the negotiation
 * grammar, the agreement as each direction sees it, and a compressor and an inflater that keep
 * the LZ77 window across messages with a preset dictionary (the last 32 KiB of earlier
 * messages), which is exactly what context takeover means (§7.2.3.2). Nothing here uses core's
 * extension, so a bug there cannot hide in the oracle.
 */
import zlib from "node:zlib";
import { concat } from "./bytes.js";

/** One element of a `Sec-WebSocket-Extensions` list. */
export interface ExtensionElement {
  readonly name: string;
  readonly params: ReadonlyArray<readonly [string, string | null]>;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parse a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1, quoted values per RFC 7230).
 * Returns `null` when the value does not follow the grammar.
 */
export function parseExtensionHeader(value: string): ExtensionElement[] | null {
  const out: ExtensionElement[] = [];
  let i = 0;
  const n = value.length;
  const ws = (): void => {
    while (i < n && (value[i] === " " || value[i] === "\t")) i++;
  };
  const token = (): string | null => {
    const start = i;
    while (i < n && TCHAR.test(value[i]!)) i++;
    return i > start ? value.slice(start, i) : null;
  };
  for (;;) {
    ws();
    const name = token();
    if (name === null) return null;
    const params: Array<readonly [string, string | null]> = [];
    ws();
    while (value[i] === ";") {
      i++;
      ws();
      const key = token();
      if (key === null) return null;
      ws();
      let v: string | null = null;
      if (value[i] === "=") {
        i++;
        ws();
        if (value[i] === '"') {
          i++;
          let text = "";
          while (i < n && value[i] !== '"') {
            if (value[i] === "\\") i++;
            if (i < n) text += value[i];
            i++;
          }
          if (value[i] !== '"') return null;
          i++;
          // RFC 6455 §9.1: a quoted value must still be a token once unquoted.
          if (!TCHAR.test(text)) return null;
          v = text;
        } else {
          v = token();
          if (v === null) return null;
        }
        ws();
      }
      params.push([key, v]);
    }
    out.push({ name, params });
    if (i === n) return out;
    if (value[i] !== ",") return null;
    i++;
  }
}

/** Format elements back into a header value. */
export function formatExtensionHeader(elements: readonly ExtensionElement[]): string {
  return elements.map((e) => [e.name, ...e.params.map(([k, v]) => (v === null ? k : `${k}=${v}`))].join("; ")).join(", ");
}

/** permessage-deflate parameters of one offer or response (RFC 7692 §7.1). */
export interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number | null;
  /** `true`: offered without a value (offers only). */
  readonly clientMaxWindowBits: number | true | null;
}

/**
 * Check permessage-deflate parameters against RFC 7692 §7.1; a string says what is wrong.
 * §7.1: unknown parameters, duplicates and invalid values make an offer one a server "MUST
 * decline", and a response one a client "MUST _Fail the WebSocket Connection_" for.
 */
export function parseDeflateParams(params: ExtensionElement["params"], kind: "offer" | "response"): DeflateParams | string {
  const seen = new Set<string>();
  let serverNoContextTakeover = false;
  let clientNoContextTakeover = false;
  let serverMaxWindowBits: number | null = null;
  let clientMaxWindowBits: number | true | null = null;
  for (const [name, value] of params) {
    const key = name.toLowerCase();
    if (seen.has(key)) return `duplicate parameter ${name}`;
    seen.add(key);
    if (key === "server_no_context_takeover" || key === "client_no_context_takeover") {
      if (value !== null) return `${name} takes no value`;
      if (key === "server_no_context_takeover") serverNoContextTakeover = true;
      else clientNoContextTakeover = true;
    } else if (key === "server_max_window_bits" || key === "client_max_window_bits") {
      if (value === null) {
        // §7.1.2.2: only an offer may carry client_max_window_bits without a value.
        if (key === "client_max_window_bits" && kind === "offer") {
          clientMaxWindowBits = true;
          continue;
        }
        return `${name} needs a value`;
      }
      // §7.1.2.1: "a decimal integer value without leading zeroes between 8 to 15, inclusive".
      if (!/^(?:[89]|1[0-5])$/.test(value)) return `${name}=${value} is not 8-15`;
      if (key === "server_max_window_bits") serverMaxWindowBits = Number(value);
      else clientMaxWindowBits = Number(value);
    } else {
      return `unknown parameter ${name}`;
    }
  }
  return { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits };
}

/**
 * Whether a server's response may answer `offer` (RFC 7692 §7.1): a string says why not.
 */
export function checkResponseAgainstOffer(response: DeflateParams, offer: DeflateParams): string | null {
  if (offer.serverNoContextTakeover && !response.serverNoContextTakeover) {
    return "the offer asked for server_no_context_takeover and the response does not grant it (RFC 7692 §7.1.1.1)";
  }
  if (offer.serverMaxWindowBits !== null && (response.serverMaxWindowBits === null || response.serverMaxWindowBits > offer.serverMaxWindowBits)) {
    return "server_max_window_bits missing or above the offered value (RFC 7692 §7.1.2.1)";
  }
  if (response.clientMaxWindowBits !== null && offer.clientMaxWindowBits === null) {
    return "client_max_window_bits in the response but not in the offer (RFC 7692 §7.1.2.2)";
  }
  if (typeof response.clientMaxWindowBits === "number" && typeof offer.clientMaxWindowBits === "number" && response.clientMaxWindowBits > offer.clientMaxWindowBits) {
    return "client_max_window_bits above the offered value (RFC 7692 §7.1.2.2)";
  }
  return null;
}

/** What one endpoint may rely on after negotiation, for the messages it sends and receives. */
export interface DeflateAgreement {
  /** The negotiated parameters, as in the server's response. */
  readonly response: DeflateParams;
  /** Our messages: no context across messages, and the window the peer keeps for them. */
  readonly sendNoContextTakeover: boolean;
  readonly sendWindowBits: number;
  /** The peer's messages. */
  readonly receiveNoContextTakeover: boolean;
  readonly receiveWindowBits: number;
}

/** The agreement seen from `role` ("client": the kit talks to a server under test). */
export function agreementFor(role: "client" | "server", response: DeflateParams): DeflateAgreement {
  const clientBits = typeof response.clientMaxWindowBits === "number" ? response.clientMaxWindowBits : 15;
  const serverBits = response.serverMaxWindowBits ?? 15;
  const client = { noContext: response.clientNoContextTakeover, bits: clientBits };
  const server = { noContext: response.serverNoContextTakeover, bits: serverBits };
  const send = role === "client" ? client : server;
  const receive = role === "client" ? server : client;
  return {
    response,
    sendNoContextTakeover: send.noContext,
    sendWindowBits: send.bits,
    receiveNoContextTakeover: receive.noContext,
    receiveWindowBits: receive.bits,
  };
}

/** RFC 7692 §7.2.1: a sync flush ends in these 4 octets, which the sender removes. */
export const TRAILER: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff);
const HISTORY = 32 * 1024;

function keepHistory(history: Uint8Array, added: Uint8Array, limit: number): Uint8Array {
  const all = concat([history, added]);
  return all.length > limit ? all.slice(all.length - limit) : all;
}

/** How a message is compressed. */
export type CompressMode =
  /** Sync-flushed, trailer removed (RFC 7692 §7.2.1): the usual form. */
  | "sync"
  /** One complete stream ending in a final block (BFINAL=1, §7.2.3.4 allows it). */
  | "final";

/** The kit's compressor: node:zlib with the earlier messages as a preset dictionary. */
export class KitDeflater {
  readonly #noContext: boolean;
  readonly #windowBits: number;
  #history: Uint8Array = new Uint8Array(0);

  constructor(noContextTakeover: boolean, windowBits: number) {
    this.#noContext = noContextTakeover;
    this.#windowBits = windowBits;
  }

  /** Compress one message. */
  compress(plain: Uint8Array, mode: CompressMode = "sync"): Uint8Array {
    // zlib cannot make raw streams with an 8-bit window (it uses 9), so for a peer with a
    // 256-byte window only stored blocks, which reference nothing, are safe.
    const small = this.#windowBits < 9;
    const options: zlib.ZlibOptions = {
      windowBits: Math.max(9, this.#windowBits),
      level: small ? 0 : 6,
      ...(this.#history.length > 0 && !small ? { dictionary: this.#history } : {}),
      ...(mode === "sync" ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}),
    };
    let out: Uint8Array = new Uint8Array(zlib.deflateRawSync(plain, options));
    if (mode === "sync") {
      const n = out.length;
      if (n >= 4 && out[n - 4] === 0 && out[n - 3] === 0 && out[n - 2] === 0xff && out[n - 1] === 0xff) out = out.subarray(0, n - 4);
    }
    if (mode === "final" || this.#noContext) this.#history = new Uint8Array(0);
    else this.#history = keepHistory(this.#history, plain, Math.min(HISTORY, 2 ** this.#windowBits));
    return out;
  }
}

/**
 * Inflate one message's payload (all its frames' payloads joined) with the trailer appended
 * (RFC 7692 §7.2.2) and `history` (the inflater's window) as a preset dictionary. Returns an
 * `Error` for data zlib refuses, and a `RangeError` when the output would pass `maxOutput`.
 */
export function inflateMessage(payload: Uint8Array, history: Uint8Array, maxOutput?: number): Uint8Array | Error {
  try {
    return new Uint8Array(
      zlib.inflateRawSync(concat([payload, TRAILER]), {
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        ...(history.length > 0 ? { dictionary: history } : {}),
        ...(maxOutput === undefined ? {} : { maxOutputLength: maxOutput }),
      }),
    );
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The window after a message: what an inflater keeps, or nothing when the sender resets per message. */
export function nextHistory(history: Uint8Array, output: Uint8Array, senderResets: boolean): Uint8Array {
  return senderResets ? new Uint8Array(0) : keepHistory(history, output, HISTORY);
}

/** The kit's inflater for a peer's messages: node:zlib, the peer's earlier output as dictionary. */
export class KitInflater {
  readonly #noContext: boolean;
  #history: Uint8Array = new Uint8Array(0);

  constructor(peerNoContextTakeover: boolean) {
    this.#noContext = peerNoContextTakeover;
  }

  /** Inflate one message (see {@link inflateMessage}); the window moves on after a success. */
  inflate(payload: Uint8Array): Uint8Array | Error {
    const out = inflateMessage(payload, this.#history);
    if (!(out instanceof Error)) this.#history = nextHistory(this.#history, out, this.#noContext);
    return out;
  }
}
