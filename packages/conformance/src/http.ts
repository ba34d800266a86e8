/**
 * The HTTP side of the opening handshake, as the kit needs it: requests and responses as data
 * (so broken ones can be generated and shrunk), their bytes, and a small head reader for what
 * the endpoint under test answers. Independent of core's parser on purpose.
 */
import { createHash } from "node:crypto";
import { concat, fromLatin1, latin1 } from "./bytes.js";

/** RFC 6455 §1.3: the GUID appended to the key. */
export const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash("sha1").update(key + ACCEPT_GUID, "latin1").digest("base64");
}

/** The key the kit sends: the RFC 6455 §1.3 example, so scripts are reproducible. */
export const KIT_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** An upgrade request as data. */
export interface RequestSpec {
  readonly method: string;
  readonly target: string;
  /** The start line's version, for example `HTTP/1.1`. */
  readonly version: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** A response as data; `$ACCEPT` in a value becomes the right accept value for the client's key. */
export interface ResponseSpec {
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Bytes after the head (a body for non-101 answers). */
  readonly body?: string;
}

/** A valid request for `host` and `target`, with optional extra header lines. */
export function validRequest(host: string, target: string, extra: ReadonlyArray<readonly [string, string]> = []): RequestSpec {
  return {
    method: "GET",
    target,
    version: "HTTP/1.1",
    headers: [
      ["Host", host],
      ["Upgrade", "websocket"],
      ["Connection", "Upgrade"],
      ["Sec-WebSocket-Key", KIT_KEY],
      ["Sec-WebSocket-Version", "13"],
      ...extra,
    ],
  };
}

/** The bytes of a request. */
export function encodeRequest(spec: RequestSpec): Uint8Array {
  let text = `${spec.method} ${spec.target} ${spec.version}\r\n`;
  for (const [name, value] of spec.headers) text += `${name}: ${value}\r\n`;
  return latin1(text + "\r\n");
}

/** The bytes of a response for a client that sent `key`. */
export function encodeResponse(spec: ResponseSpec, key: string): Uint8Array {
  let text = `HTTP/1.1 ${spec.status}${spec.reason === "" ? "" : " " + spec.reason}\r\n`;
  for (const [name, value] of spec.headers) text += `${name}: ${value.replaceAll("$ACCEPT", acceptFor(key))}\r\n`;
  return concat([latin1(text + "\r\n"), latin1(spec.body ?? "")]);
}

/** A received head: start line and header lines in order. */
export interface ParsedHead {
  readonly startLine: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** Values of header `name` (case-insensitive), one per line. */
export function headerValues(head: ParsedHead, name: string): string[] {
  const lower = name.toLowerCase();
  return head.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** Whether a comma-separated header holds `token` (case-insensitive). */
export function hasToken(head: ParsedHead, name: string, token: string): boolean {
  return headerValues(head, name).some((v) => v.split(",").some((t) => t.trim().toLowerCase() === token));
}

/**
 * Find a complete head at the start of `bytes`. Returns the head and the bytes after it, `null`
 * while incomplete, or an Error for bytes that are not an HTTP head.
 */
export function readHead(bytes: Uint8Array, maxSize: number = 64 * 1024): { head: ParsedHead; rest: Uint8Array } | null | Error {
  let end = -1;
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a && bytes[i - 3] === 0x0d) {
      end = i + 1;
      break;
    }
  }
  if (end === -1) return bytes.length > maxSize ? new Error(`no end of head within ${maxSize} bytes`) : null;
  const lines = fromLatin1(bytes.subarray(0, end - 4)).split("\r\n");
  const startLine = lines.shift() ?? "";
  const headers: Array<readonly [string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return new Error(`malformed header line ${JSON.stringify(line.slice(0, 60))}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { head: { startLine, headers }, rest: bytes.subarray(end) };
}

/** The status of a response head, or null when the status line is malformed. */
export function statusOf(head: ParsedHead): number | null {
  const m = /^HTTP\/\d\.\d (\d{3})(?: .*)?$/.exec(head.startLine);
  return m === null ? null : Number(m[1]);
}

/** Text of a request or response for reports. */
export function headText(bytes: Uint8Array): string {
  return fromLatin1(bytes).replaceAll("\r\n", "\n");
}

/** `headText()` shortened for people: lines past 200 characters cut, heads past 60 lines cut in the middle. */
export function abbreviateHead(text: string): string {
  return text
    .split("\n")
    .map((line) => (line.length > 200 ? `${line.slice(0, 120)}... (${line.length} characters)` : line))
    .filter((_, i, lines) => lines.length <= 60 || i < 40 || i >= lines.length - 5)
    .join("\n");
}
