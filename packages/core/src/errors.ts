/**
 * Errors, split the way h11 and wsproto split them: who broke the rule decides the class.
 *
 * - `RemoteProtocolError`: the peer broke RFC 6455/7692. Never thrown out of `receive()`; it
 *   fails the connection and is reported in the `closed` event.
 * - `LocalProtocolError`: the caller misused the API. Thrown synchronously from the call.
 * - `InternalError`: a bug in core. Reported like a peer error, with close code 1011 and no
 *   details on the wire.
 */
import { CloseCode } from "./close.js";

/** A stable, machine-readable name for each broken rule. */
export type ErrorCode =
  | "RESERVED_OPCODE"
  | "RESERVED_BITS_SET"
  | "MASKED_FRAME_FROM_SERVER"
  | "UNMASKED_FRAME_FROM_CLIENT"
  | "LENGTH_MSB_SET"
  | "NON_MINIMAL_LENGTH"
  | "CONTROL_FRAME_TOO_LONG"
  | "FRAGMENTED_CONTROL_FRAME"
  | "UNEXPECTED_CONTINUATION"
  | "EXPECTED_CONTINUATION"
  | "INVALID_UTF8"
  | "INVALID_COMPRESSED_DATA"
  | "INVALID_CLOSE_PAYLOAD"
  | "INVALID_CLOSE_CODE"
  | "MESSAGE_TOO_BIG"
  | "FRAME_TOO_BIG"
  | "TOO_MANY_FRAGMENTS"
  | "BAD_HANDSHAKE"
  | "HANDSHAKE_REJECTED"
  | "EXTENSION_NOT_ACCEPTED"
  | "UNEXPECTED_EOF"
  | "INVALID_STATE"
  | "INVALID_ARGUMENT"
  | "INTERNAL_ERROR";

/** One entry per broken rule, so documentation and tests can iterate over them. */
export const ERROR_CODES: Readonly<Record<ErrorCode, { readonly closeCode: number }>> = {
  // Framing (RFC 6455 §5.2)
  RESERVED_OPCODE: { closeCode: CloseCode.ProtocolError },
  RESERVED_BITS_SET: { closeCode: CloseCode.ProtocolError },
  MASKED_FRAME_FROM_SERVER: { closeCode: CloseCode.ProtocolError },
  UNMASKED_FRAME_FROM_CLIENT: { closeCode: CloseCode.ProtocolError },
  LENGTH_MSB_SET: { closeCode: CloseCode.ProtocolError },
  NON_MINIMAL_LENGTH: { closeCode: CloseCode.ProtocolError },
  CONTROL_FRAME_TOO_LONG: { closeCode: CloseCode.ProtocolError },
  FRAGMENTED_CONTROL_FRAME: { closeCode: CloseCode.ProtocolError },
  // Fragmentation (RFC 6455 §5.4)
  UNEXPECTED_CONTINUATION: { closeCode: CloseCode.ProtocolError },
  EXPECTED_CONTINUATION: { closeCode: CloseCode.ProtocolError },
  // Payload data
  INVALID_UTF8: { closeCode: CloseCode.InvalidPayloadData },
  INVALID_COMPRESSED_DATA: { closeCode: CloseCode.InvalidPayloadData },
  // Closing (RFC 6455 §5.5.1, §7.4)
  INVALID_CLOSE_PAYLOAD: { closeCode: CloseCode.ProtocolError },
  INVALID_CLOSE_CODE: { closeCode: CloseCode.ProtocolError },
  // Limits
  MESSAGE_TOO_BIG: { closeCode: CloseCode.MessageTooBig },
  FRAME_TOO_BIG: { closeCode: CloseCode.MessageTooBig },
  TOO_MANY_FRAGMENTS: { closeCode: CloseCode.MessageTooBig },
  // Opening handshake (RFC 6455 §4)
  BAD_HANDSHAKE: { closeCode: CloseCode.ProtocolError },
  HANDSHAKE_REJECTED: { closeCode: CloseCode.PolicyViolation },
  EXTENSION_NOT_ACCEPTED: { closeCode: CloseCode.MandatoryExtension },
  // Transport
  UNEXPECTED_EOF: { closeCode: CloseCode.AbnormalClosure },
  // Misuse and bugs
  INVALID_STATE: { closeCode: CloseCode.InternalError },
  INVALID_ARGUMENT: { closeCode: CloseCode.InternalError },
  INTERNAL_ERROR: { closeCode: CloseCode.InternalError },
};


/** Base class of every error core produces. */
export abstract class ProtocolError extends Error {
  /** Which rule was broken. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  /** The close code that goes on the wire for this error. */
  get closeCode(): number {
    return ERROR_CODES[this.code].closeCode;
  }
}

/** The caller misused the API (sending after close, an unsendable close code). Thrown at once. */
export class LocalProtocolError extends ProtocolError {
  override readonly name: string = "LocalProtocolError";
}

/**
 * The peer broke the protocol. Reported in the `closed` event, never thrown from `receive()`.
 * It has no stack trace: it describes what the peer sent, and its stack would only show the
 * adapter's read callback. Every connection that ends without a Close frame gets one, and
 * capturing the stack was ~6 % of an in-process handshake's CPU profile on Bun 1.4.5.
 */
export class RemoteProtocolError extends ProtocolError {
  override readonly name: string = "RemoteProtocolError";
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    // Error.stackTraceLimit is V8's and JavaScriptCore's, so every runtime core supports has it.
    const errorClass = Error as { stackTraceLimit?: unknown };
    const limit = errorClass.stackTraceLimit;
    const limited = typeof limit === "number";
    if (limited) errorClass.stackTraceLimit = 0;
    super(code, message, options);
    if (limited) errorClass.stackTraceLimit = limit;
  }
}

/**
 * The opening handshake failed. On a server, `status` is the HTTP status to answer with
 * (400, 403, 405, 426, 431, ...) and `headers` any headers that answer needs (426 lists the
 * supported versions). On a client `status` is the status the server sent, or 0.
 */
export class HandshakeError extends RemoteProtocolError {
  override readonly name: string = "HandshakeError";
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  constructor(
    message: string,
    status: number,
    options?: { cause?: unknown; headers?: ReadonlyArray<readonly [string, string]>; code?: ErrorCode },
  ) {
    super(options?.code ?? "BAD_HANDSHAKE", message, options);
    this.status = status;
    this.headers = options?.headers ?? [];
  }
}

/** A bug in core. Its `cause` holds the original exception; nothing of it reaches the peer. */
export class InternalError extends ProtocolError {
  override readonly name: string = "InternalError";
}
