/**
 * Close codes (RFC 6455 §7.4, IANA "WebSocket Close Code Number Registry") and the Close frame
 * payload: a 2-byte big-endian code followed by a UTF-8 reason.
 */

/** Every close code the IANA registry names, by the registry's meaning. */
export const CloseCode = {
  NormalClosure: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  Reserved: 1004,
  NoStatusReceived: 1005,
  AbnormalClosure: 1006,
  InvalidPayloadData: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TlsHandshake: 1015,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** One row of the IANA close code registry. */
export interface CloseCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly meaning: string;
  /** Whether an endpoint may put this code in a Close frame (RFC 6455 §7.4.1). */
  readonly sendable: boolean;
  readonly reference: string;
}

/** The registered codes 1000-1015 as typed data, in registry order. */
export const CLOSE_CODE_REGISTRY: readonly CloseCodeInfo[] = [
  { code: 1000, name: "Normal Closure", meaning: "the purpose for which the connection was established has been fulfilled", sendable: true, reference: "RFC 6455" },
  { code: 1001, name: "Going Away", meaning: "an endpoint is going away, such as a server going down or a browser leaving a page", sendable: true, reference: "RFC 6455" },
  { code: 1002, name: "Protocol error", meaning: "the endpoint is terminating the connection due to a protocol error", sendable: true, reference: "RFC 6455" },
  { code: 1003, name: "Unsupported Data", meaning: "the endpoint received a type of data it cannot accept", sendable: true, reference: "RFC 6455" },
  { code: 1004, name: "Reserved", meaning: "reserved; the meaning might be defined in the future", sendable: false, reference: "RFC 6455" },
  { code: 1005, name: "No Status Rcvd", meaning: "reported locally when a Close frame carried no status code", sendable: false, reference: "RFC 6455" },
  { code: 1006, name: "Abnormal Closure", meaning: "reported locally when the connection closed without a Close frame", sendable: false, reference: "RFC 6455" },
  { code: 1007, name: "Invalid frame payload data", meaning: "a message contained data inconsistent with its type, such as non-UTF-8 text", sendable: true, reference: "RFC 6455" },
  { code: 1008, name: "Policy Violation", meaning: "a message violates the endpoint's policy; a generic code when no other fits", sendable: true, reference: "RFC 6455" },
  { code: 1009, name: "Message Too Big", meaning: "a message is too big to process", sendable: true, reference: "RFC 6455" },
  { code: 1010, name: "Mandatory Ext.", meaning: "the client expected the server to negotiate one or more extensions", sendable: true, reference: "RFC 6455" },
  { code: 1011, name: "Internal Error", meaning: "the server met an unexpected condition that prevented it from fulfilling the request", sendable: true, reference: "RFC 6455, RFC Errata 3227" },
  { code: 1012, name: "Service Restart", meaning: "the service is restarting", sendable: true, reference: "IANA (hybi mailing list msg09670)" },
  { code: 1013, name: "Try Again Later", meaning: "a temporary server condition forced the connection to close", sendable: true, reference: "IANA (hybi mailing list msg09670)" },
  { code: 1014, name: "Bad Gateway", meaning: "a gateway or proxy received an invalid response from the upstream server, like HTTP 502", sendable: true, reference: "IANA (hybi mailing list msg10748)" },
  { code: 1015, name: "TLS handshake", meaning: "reported locally when the TLS handshake failed", sendable: false, reference: "RFC 6455" },
];

const REGISTRY_BY_CODE: ReadonlyMap<number, CloseCodeInfo> = new Map(CLOSE_CODE_REGISTRY.map((i) => [i.code, i]));

/** The registry row for `code`, or `undefined` for an unassigned or private-use code. */
export function lookupCloseCode(code: number): CloseCodeInfo | undefined {
  return REGISTRY_BY_CODE.get(code);
}

/**
 * Whether `code` may appear in a Close frame: 1000-1003, 1007-1014 and 3000-4999.
 * 1004, 1005, 1006 and 1015 are reserved for local reporting; 1016-2999 are unassigned and may
 * only be used by a future standard or extension, so we neither send nor accept them.
 */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return REGISTRY_BY_CODE.get(code)?.sendable === true;
}

/** The longest reason that fits a control frame: 125 bytes less the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

