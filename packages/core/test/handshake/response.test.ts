import { describe, expect, it } from "vitest";
import { LocalProtocolError } from "../../src/errors.js";
import type { ErrorCode } from "../../src/errors.js";
import { computeAcceptKey } from "../../src/handshake/accept-key.js";
import { HttpHeadParser } from "../../src/handshake/http.js";
import { validateUpgradeRequest } from "../../src/handshake/request.js";
import { buildUpgradeRequest, validateUpgradeResponse } from "../../src/handshake/response.js";
import type { UpgradeRequestOptions } from "../../src/handshake/response.js";
import type { HttpResponseHead } from "../../src/handshake/types.js";
import { catchHandshakeError, fromLatin1, head, latin1, RFC_ACCEPT, RFC_KEY, VALID_RESPONSE_LINES } from "../helpers/http.js";

function parseRequestBytes(bytes: Uint8Array) {
  const h = new HttpHeadParser({ kind: "request", maxHeadSize: 16384, maxHeaderCount: 100 }).push(bytes);
  if (h === null) throw new Error("incomplete");
  return h;
}

function parseResponse(text: string): HttpResponseHead {
  const h = new HttpHeadParser({ kind: "response", maxHeadSize: 16384, maxHeaderCount: 100 }).push(latin1(text));
  if (h === null) throw new Error("incomplete");
  return h;
}

describe("RFC 6455 §4.1 the client's opening handshake", () => {
  it("writes the §1.3 request", () => {
    const bytes = buildUpgradeRequest({
      host: "server.example.com",
      target: "/chat",
      origin: "http://example.com",
      protocols: ["chat", "superchat"],
      key: RFC_KEY,
    });
    expect(fromLatin1(bytes)).toBe(
      "GET /chat HTTP/1.1\r\n" +
        "Host: server.example.com\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        `Sec-WebSocket-Key: ${RFC_KEY}\r\n` +
        "Sec-WebSocket-Version: 13\r\n" +
        "Origin: http://example.com\r\n" +
        "Sec-WebSocket-Protocol: chat, superchat\r\n\r\n",
    );
  });

  it("passes the server's own validation, extensions and custom headers included", () => {
    const bytes = buildUpgradeRequest({
      host: "example.com",
      port: 8080,
      target: "/chat?room=1",
      protocols: ["v12.stomp"],
      extensionOffers: [
        { name: "permessage-deflate", params: [["client_max_window_bits", null]] },
        { name: "permessage-deflate", params: [] },
      ],
      headers: [
        ["Authorization", "Bearer x"],
        ["Cookie", "a=1"],
      ],
      key: RFC_KEY,
    });
    const r = validateUpgradeRequest(parseRequestBytes(bytes));
    expect(r).toMatchObject({
      host: "example.com:8080",
      path: "/chat",
      query: "?room=1",
      protocols: ["v12.stomp"],
      origin: null,
      extensions: [
        { name: "permessage-deflate", params: [["client_max_window_bits", null]] },
        { name: "permessage-deflate", params: [] },
      ],
    });
    expect(r.headers.get("authorization")).toBe("Bearer x");
  });

  it.each<[string, Partial<UpgradeRequestOptions>, string]>([
    ["ws on 80", { port: 80 }, "example.com"],
    ["wss on 443", { port: 443, secure: true }, "example.com"],
    ["ws on 443", { port: 443 }, "example.com:443"],
    ["wss on 80", { port: 80, secure: true }, "example.com:80"],
    ["no port", {}, "example.com"],
    ["IPv6", { host: "::1", port: 9000 }, "[::1]:9000"],
    ["bracketed IPv6", { host: "[2001:db8::1]" }, "[2001:db8::1]"],
    ["IPv4", { host: "127.0.0.1", port: 81 }, "127.0.0.1:81"],
  ])("writes Host for %s", (_, options, expected) => {
    const bytes = buildUpgradeRequest({ host: "example.com", key: RFC_KEY, ...options });
    expect(parseRequestBytes(bytes).headers.get("host")).toBe(expected);
  });

  it.each<[string, Partial<UpgradeRequestOptions>]>([
    ["an invalid key", { key: "abc" }],
    ["an empty host", { host: "" }],
    ["a host with a space", { host: "a b" }],
    ["a host with CRLF", { host: "a\r\nX: y" }],
    ["a host with a slash", { host: "a/b" }],
    ["a host with a comma", { host: "a,b" }],
    ["an invalid IPv6 literal", { host: "[::g]" }],
    ["an unterminated bracket", { host: "[::1" }],
    ["port 0", { port: 0 }],
    ["port 65536", { port: 65536 }],
    ["a fractional port", { port: 80.5 }],
    ["a target without a leading slash", { target: "chat" }],
    ["an absolute target", { target: "http://example.com/" }],
    ["a target with a space", { target: "/a b" }],
    ["a target with CRLF", { target: "/a\r\nX: y" }],
    ["a target with a fragment", { target: "/a#b" }],
    ["a non-ASCII target", { target: "/\u00e9" }],
    ["an origin with CRLF", { origin: "http://a\r\nX: y" }],
    ["a subprotocol that is not a token", { protocols: ["a b"] }],
    ["a subprotocol with a comma", { protocols: ["a,b"] }],
    ["an empty subprotocol", { protocols: [""] }],
    ["a duplicated subprotocol", { protocols: ["chat", "chat"] }],
    ["an extension name that is not a token", { extensionOffers: [{ name: "a;b", params: [] }] }],
    ["a Host header", { headers: [["Host", "evil"]] }],
    ["an Upgrade header", { headers: [["upgrade", "x"]] }],
    ["a Connection header", { headers: [["Connection", "close"]] }],
    ["a Sec-WebSocket-Key header", { headers: [["Sec-WebSocket-Key", RFC_KEY]] }],
    ["a Sec-WebSocket-Version header", { headers: [["SEC-WEBSOCKET-VERSION", "8"]] }],
    ["a Sec-WebSocket-Extensions header", { headers: [["Sec-WebSocket-Extensions", "x"]] }],
    ["an Origin header", { headers: [["Origin", "http://x"]] }],
    ["a Content-Length header", { headers: [["Content-Length", "1"]] }],
    ["CRLF injection in a header value", { headers: [["X-Token", "a\r\nHost: evil"]] }],
    ["a bare LF in a header value", { headers: [["X-Token", "a\nb"]] }],
    ["an invalid header name", { headers: [["X Token", "a"]] }],
  ])("refuses %s", (_, options) => {
    let error: unknown;
    try {
      buildUpgradeRequest({ host: "example.com", key: RFC_KEY, ...options });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LocalProtocolError);
    expect((error as LocalProtocolError).code).toBe("INVALID_ARGUMENT");
  });
});

describe("RFC 6455 §4.1 validating the server's response", () => {
  /** The valid 101 with `changes`: "Name: v" replaces, "+Name: v" adds, "-Name" drops. */
  function response(changes: readonly string[] = [], statusLine = "HTTP/1.1 101 Switching Protocols"): HttpResponseHead {
    let fields = VALID_RESPONSE_LINES.slice(1);
    for (const change of changes) {
      if (change.startsWith("-")) fields = fields.filter((f) => !f.toLowerCase().startsWith(change.slice(1).toLowerCase() + ":"));
      else if (change.startsWith("+")) fields.push(change.slice(1));
      else {
        const name = change.slice(0, change.indexOf(":")).toLowerCase();
        const at = fields.findIndex((f) => f.toLowerCase().startsWith(name + ":"));
        if (at === -1) fields.push(change);
        else fields[at] = change;
      }
    }
    return parseResponse(head(statusLine, ...fields));
  }
  const offered = { key: RFC_KEY, protocols: ["chat", "superchat"], extensionNames: ["permessage-deflate", "x-foo"] };

  it("accepts the §1.3 response", () => {
    expect(validateUpgradeResponse(response(), offered)).toEqual({ protocol: null, extensions: [] });
  });

  it.each<[string, readonly string[], { protocol: string | null; extensions: unknown[] }]>([
    ["a chosen subprotocol", ["+Sec-WebSocket-Protocol: superchat"], { protocol: "superchat", extensions: [] }],
    ["tokens in any case", ["Upgrade: WEBSOCKET", "Connection: upgrade"], { protocol: null, extensions: [] }],
    ["Connection listing several options", ["Connection: keep-alive, Upgrade"], { protocol: null, extensions: [] }],
    ["accept value with surrounding whitespace", [`Sec-WebSocket-Accept:   ${RFC_ACCEPT}  `], { protocol: null, extensions: [] }],
    [
      "accepted extensions in the server's order",
      ["+Sec-WebSocket-Extensions: x-foo, permessage-deflate; server_no_context_takeover"],
      {
        protocol: null,
        extensions: [
          { name: "x-foo", params: [] },
          { name: "permessage-deflate", params: [["server_no_context_takeover", null]] },
        ],
      },
    ],
  ])("accepts %s", (_, changes, expected) => {
    expect(validateUpgradeResponse(response(changes), offered)).toEqual(expected);
  });

  it.each<[string, readonly string[], ErrorCode, string?]>([
    ["missing Upgrade", ["-Upgrade"], "BAD_HANDSHAKE"],
    ["Upgrade: h2c", ["Upgrade: h2c"], "BAD_HANDSHAKE"],
    ["missing Connection", ["-Connection"], "BAD_HANDSHAKE"],
    ["Connection: close", ["Connection: close"], "BAD_HANDSHAKE"],
    ["missing accept", ["-Sec-WebSocket-Accept"], "BAD_HANDSHAKE"],
    ["wrong accept", [`Sec-WebSocket-Accept: ${computeAcceptKey("AAAAAAAAAAAAAAAAAAAAAA==")}`], "BAD_HANDSHAKE"],
    ["the key echoed as accept", [`Sec-WebSocket-Accept: ${RFC_KEY}`], "BAD_HANDSHAKE"],
    ["accept twice", [`+Sec-WebSocket-Accept: ${RFC_ACCEPT}`], "BAD_HANDSHAKE"],
    ["a subprotocol not offered", ["+Sec-WebSocket-Protocol: other"], "BAD_HANDSHAKE"],
    ["a subprotocol in another case", ["+Sec-WebSocket-Protocol: Chat"], "BAD_HANDSHAKE"],
    ["two subprotocols in a list", ["+Sec-WebSocket-Protocol: chat, superchat"], "BAD_HANDSHAKE"],
    ["a subprotocol followed by a comma", ["+Sec-WebSocket-Protocol: chat,"], "BAD_HANDSHAKE"],
    ["two subprotocol lines", ["+Sec-WebSocket-Protocol: chat", "+Sec-WebSocket-Protocol: chat"], "BAD_HANDSHAKE"],
    ["an empty subprotocol", ["+Sec-WebSocket-Protocol:"], "BAD_HANDSHAKE"],
    ["an extension not offered", ["+Sec-WebSocket-Extensions: x-bar"], "EXTENSION_NOT_ACCEPTED"],
    ["an extension in another case", ["+Sec-WebSocket-Extensions: Permessage-Deflate"], "EXTENSION_NOT_ACCEPTED"],
    ["an extension twice", ["+Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"], "EXTENSION_NOT_ACCEPTED"],
    ["two extension lines", ["+Sec-WebSocket-Extensions: x-foo", "+Sec-WebSocket-Extensions: permessage-deflate"], "EXTENSION_NOT_ACCEPTED"],
    ["malformed extensions", ["+Sec-WebSocket-Extensions: permessage-deflate; a=\"b c\""], "EXTENSION_NOT_ACCEPTED"],
    ["an empty extension list", ["+Sec-WebSocket-Extensions:"], "EXTENSION_NOT_ACCEPTED"],
    ["HTTP/1.0", [], "BAD_HANDSHAKE", "HTTP/1.0 101 Switching Protocols"],
  ])("fails on %s", (_, changes, code, statusLine) => {
    const error = catchHandshakeError(() => validateUpgradeResponse(response(changes, statusLine), offered));
    expect(error.code).toBe(code);
    expect(error.status).toBe(101);
  });

  it("fails a non-101 status with that status", () => {
    const error = catchHandshakeError(() => validateUpgradeResponse(response([], "HTTP/1.1 200 OK"), offered));
    expect(error.status).toBe(200);
  });

  it("fails when a subprotocol is required but none was chosen, or none was offered", () => {
    expect(catchHandshakeError(() => validateUpgradeResponse(response(), { ...offered, requireProtocol: true })).status).toBe(101);
    expect(validateUpgradeResponse(response(["+Sec-WebSocket-Protocol: chat"]), { ...offered, requireProtocol: true }).protocol).toBe("chat");
    expect(() => validateUpgradeResponse(response(["+Sec-WebSocket-Protocol: chat"]), { key: RFC_KEY })).toThrow();
    expect(() => validateUpgradeResponse(response(["+Sec-WebSocket-Extensions: x-foo"]), { key: RFC_KEY })).toThrow();
  });

  it("keeps the parse error as the cause of an extension failure", () => {
    const error = catchHandshakeError(() => validateUpgradeResponse(response(["+Sec-WebSocket-Extensions: ;"]), offered));
    expect(error.cause).toBeInstanceOf(Error);
  });
});
