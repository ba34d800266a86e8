/** Helpers for handshake tests: latin1 bytes and head texts. */
import { HandshakeError } from "../../src/errors.js";

/** One byte per character; throws on a character above U+00FF so tests never mis-encode. */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error("not latin1");
    out[i] = c;
  }
  return out;
}

export function fromLatin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** A head from its lines: CRLF after each, plus the final empty line. */
export function head(...lines: string[]): string {
  return lines.map((l) => l + "\r\n").join("") + "\r\n";
}

/** The RFC 6455 §1.3 example request. */
export const RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
export const RFC_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

export const VALID_REQUEST_LINES: readonly string[] = [
  "GET /chat HTTP/1.1",
  "Host: server.example.com",
  "Upgrade: websocket",
  "Connection: Upgrade",
  `Sec-WebSocket-Key: ${RFC_KEY}`,
  "Origin: http://example.com",
  "Sec-WebSocket-Protocol: chat, superchat",
  "Sec-WebSocket-Version: 13",
];

export const VALID_RESPONSE_LINES: readonly string[] = [
  "HTTP/1.1 101 Switching Protocols",
  "Upgrade: websocket",
  "Connection: Upgrade",
  `Sec-WebSocket-Accept: ${RFC_ACCEPT}`,
];

/** Run `fn` and return the HandshakeError it throws; fails the test on anything else. */
export function catchHandshakeError(fn: () => unknown): HandshakeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HandshakeError) return error;
    throw error;
  }
  throw new Error("expected a HandshakeError");
}
