/**
 * The Close frame payload (RFC 6455 §5.5.1): a 2-byte big-endian code and a UTF-8 reason.
 * Kept apart from close.ts so that errors.ts can import the close codes without a cycle.
 */
import { CloseCode, isSendableCloseCode, MAX_CLOSE_REASON_BYTES } from "./close.js";
import { RemoteProtocolError } from "./errors.js";
import { decodeUtf8, isValidUtf8 } from "./internal/utf8.js";

/**
 * Whether a code received in a Close frame is acceptable: the sendable codes. RFC 6455 §7.4.1
 * forbids 1004-1006 and 1015 on the wire; unassigned 1016-2999 and codes outside 1000-4999 are
 * protocol errors (the bad-input catalogue's list).
 */
export const isValidReceivedCloseCode: (code: number) => boolean = isSendableCloseCode;

/**
 * Cut `reason` so that its UTF-8 form fits `maxBytes`, never splitting a code point (wsproto's
 * `_truncate_utf8`). Returns the encoded bytes.
 */
export function truncateReason(reason: string, maxBytes: number = MAX_CLOSE_REASON_BYTES): Uint8Array {
  const encoder = new TextEncoder();
  const out = new Uint8Array(Math.min(maxBytes, reason.length * 3));
  // encodeInto writes whole code points only, so the cut is always on a boundary.
  const { written } = encoder.encodeInto(reason, out);
  return out.subarray(0, written);
}

/** The Close frame payload for `code` and `reason` (which is cut to 123 bytes on a code-point boundary). `code` undefined gives an empty payload. */
export function serializeClosePayload(code: number | undefined, reason: string = ""): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const reasonBytes = truncateReason(reason);
  const out = new Uint8Array(2 + reasonBytes.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(reasonBytes, 2);
  return out;
}

/**
 * Read a received Close payload (RFC 6455 §5.5.1). An empty payload reports 1005.
 * @throws {RemoteProtocolError} `INVALID_CLOSE_PAYLOAD` for a 1-byte payload, `INVALID_CLOSE_CODE`
 *   for a code that may not be sent, `INVALID_UTF8` for a reason that is not UTF-8.
 */
export function parseClosePayload(payload: Uint8Array): { code: number; reason: string } {
  if (payload.length === 0) return { code: CloseCode.NoStatusReceived, reason: "" };
  if (payload.length === 1) throw new RemoteProtocolError("INVALID_CLOSE_PAYLOAD", "close payload of 1 byte");
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isValidReceivedCloseCode(code)) throw new RemoteProtocolError("INVALID_CLOSE_CODE", `invalid close code ${code}`);
  const reasonBytes = payload.subarray(2);
  // RFC 6455 §5.5.1: the reason is UTF-8; "the data MUST be valid UTF-8" (§8.1) applies to it too.
  if (!isValidUtf8(reasonBytes)) throw new RemoteProtocolError("INVALID_UTF8", "close reason is not valid UTF-8");
  return { code, reason: decodeUtf8(reasonBytes) };
}
