import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { LocalProtocolError } from "../../src/errors.js";
import { HeaderList } from "../../src/handshake/headers.js";
import { HttpBodyReader, HttpHeadParser } from "../../src/handshake/http.js";
import {
  buildAcceptResponse,
  buildRejectResponse,
  checkSelectedSubprotocol,
  selectSubprotocol,
  SUPPORTED_VERSIONS,
  validateUpgradeRequest,
} from "../../src/handshake/request.js";
import { validateUpgradeResponse } from "../../src/handshake/response.js";
import type { HttpRequestHead, HttpResponseHead, UpgradeRequest } from "../../src/handshake/types.js";
import { catchHandshakeError, fromLatin1, head, latin1, RFC_ACCEPT, RFC_KEY, VALID_REQUEST_LINES } from "../helpers/http.js";

function parse(text: string): HttpRequestHead {
  const h = new HttpHeadParser({ kind: "request", maxHeadSize: 16384, maxHeaderCount: 100 }).push(latin1(text));
  if (h === null) throw new Error("incomplete");
  return h;
}

function parseResponse(bytes: Uint8Array): { head: HttpResponseHead; rest: Uint8Array } {
  const parser = new HttpHeadParser({ kind: "response", maxHeadSize: 16384, maxHeaderCount: 100 });
  const h = parser.push(bytes);
  if (h === null) throw new Error("incomplete");
  return { head: h, rest: parser.rest() };
}

/** The §1.3 request with `changes` applied: a line starting with a name replaces it, `-Name` drops it. */
function request(changes: readonly string[] = [], requestLine = "GET /chat HTTP/1.1"): string {
  let fields = VALID_REQUEST_LINES.slice(1);
  for (const change of changes) {
    if (change.startsWith("-")) {
      const name = change.slice(1).toLowerCase();
      fields = fields.filter((f) => !f.toLowerCase().startsWith(name + ":"));
    } else if (change.startsWith("+")) {
      fields.push(change.slice(1));
    } else {
      const name = change.slice(0, change.indexOf(":")).toLowerCase();
      const at = fields.findIndex((f) => f.toLowerCase().startsWith(name + ":"));
      if (at === -1) fields.push(change);
      else fields[at] = change;
    }
  }
  return head(requestLine, ...fields);
}

describe("RFC 6455 §4.2.1 reading the client's opening handshake", () => {
  it("accepts the §1.3 request and extracts its fields", () => {
    const r = validateUpgradeRequest(parse(request()));
    expect(r).toMatchObject({
      method: "GET",
      target: "/chat",
      path: "/chat",
      query: "",
      host: "server.example.com",
      origin: "http://example.com",
      key: RFC_KEY,
      version: 13,
      protocols: ["chat", "superchat"],
      extensions: [],
    });
    expect(Object.isFrozen(r)).toBe(true);
  });

  it("lists version 13 as the only supported version", () => {
    expect(SUPPORTED_VERSIONS).toEqual([13]);
  });

  it.each<[string, string, readonly string[], number, Array<[string, string]>?]>([
    ["method POST", "POST /chat HTTP/1.1", [], 405, [["Allow", "GET"]]],
    ["lowercase method", "get /chat HTTP/1.1", [], 405, [["Allow", "GET"]]],
    ["HTTP/1.0", "GET /chat HTTP/1.0", [], 400],
    ["HTTP/0.9", "GET /chat HTTP/0.9", [], 400],
    ["HTTP/2.0 in an HTTP/1 head", "GET /chat HTTP/2.0", [], 505],
    ["missing Host", "GET /chat HTTP/1.1", ["-Host"], 400],
    ["empty Host", "GET /chat HTTP/1.1", ["Host:"], 400],
    ["two Host lines", "GET /chat HTTP/1.1", ["+Host: other.example.com"], 400],
    ["Host list", "GET /chat HTTP/1.1", ["Host: a.example, b.example"], 400],
    ["a chunked body", "GET /chat HTTP/1.1", ["+Transfer-Encoding: chunked"], 400],
    ["a Content-Length body", "GET /chat HTTP/1.1", ["+Content-Length: 5"], 400],
    ["missing Upgrade", "GET /chat HTTP/1.1", ["-Upgrade"], 400],
    ["Upgrade without websocket", "GET /chat HTTP/1.1", ["Upgrade: h2c"], 400],
    ["Upgrade: web socket", "GET /chat HTTP/1.1", ["Upgrade: web socket"], 400],
    ["missing Connection", "GET /chat HTTP/1.1", ["-Connection"], 400],
    ["Connection without upgrade", "GET /chat HTTP/1.1", ["Connection: keep-alive"], 400],
    ["missing version", "GET /chat HTTP/1.1", ["-Sec-WebSocket-Version"], 400, [["Sec-WebSocket-Version", "13"]]],
    ["two version lines", "GET /chat HTTP/1.1", ["+Sec-WebSocket-Version: 13"], 400, [["Sec-WebSocket-Version", "13"]]],
    ["version list", "GET /chat HTTP/1.1", ["Sec-WebSocket-Version: 13, 8"], 400, [["Sec-WebSocket-Version", "13"]]],
    ["non-numeric version", "GET /chat HTTP/1.1", ["Sec-WebSocket-Version: thirteen"], 400, [["Sec-WebSocket-Version", "13"]]],
    ["version with a leading zero", "GET /chat HTTP/1.1", ["Sec-WebSocket-Version: 013"], 400, [["Sec-WebSocket-Version", "13"]]],
    ["version 256", "GET /chat HTTP/1.1", ["Sec-WebSocket-Version: 256"], 400, [["Sec-WebSocket-Version", "13"]]],
    ["version 8", "GET /chat HTTP/1.1", ["Sec-WebSocket-Version: 8"], 426, [["Sec-WebSocket-Version", "13"], ["Upgrade", "websocket"]]],
    ["version 25 (§4.4)", "GET /chat HTTP/1.1", ["Sec-WebSocket-Version: 25"], 426, [["Sec-WebSocket-Version", "13"], ["Upgrade", "websocket"]]],
    ["version 12 with a bad key", "GET /chat HTTP/1.1", ["Sec-WebSocket-Version: 12", "Sec-WebSocket-Key: x"], 426, [["Sec-WebSocket-Version", "13"], ["Upgrade", "websocket"]]],
    ["missing key", "GET /chat HTTP/1.1", ["-Sec-WebSocket-Key"], 400],
    ["two key lines", "GET /chat HTTP/1.1", [`+Sec-WebSocket-Key: ${RFC_KEY}`], 400],
    ["key list", "GET /chat HTTP/1.1", [`Sec-WebSocket-Key: ${RFC_KEY}, ${RFC_KEY}`], 400],
    ["key not base64", "GET /chat HTTP/1.1", ["Sec-WebSocket-Key: not base64 at all!!!!!"], 400],
    ["key of 15 bytes", "GET /chat HTTP/1.1", ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j"], 400],
    ["key of 17 bytes", "GET /chat HTTP/1.1", ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZWU="], 400],
    ["key without padding", "GET /chat HTTP/1.1", ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ"], 400],
    ["empty key", "GET /chat HTTP/1.1", ["Sec-WebSocket-Key:"], 400],
    ["two Origin lines", "GET /chat HTTP/1.1", ["+Origin: http://evil.example"], 400],
    ["subprotocol that is not a token", "GET /chat HTTP/1.1", ["Sec-WebSocket-Protocol: chat, super/chat"], 400],
    ["empty subprotocol list", "GET /chat HTTP/1.1", ["Sec-WebSocket-Protocol: ,"], 400],
    ["duplicated subprotocol", "GET /chat HTTP/1.1", ["Sec-WebSocket-Protocol: chat, chat"], 400],
    ["subprotocol duplicated across lines", "GET /chat HTTP/1.1", ["+Sec-WebSocket-Protocol: superchat"], 400],
    ["malformed extensions", "GET /chat HTTP/1.1", ["+Sec-WebSocket-Extensions: permessage-deflate; a=\"b c\""], 400],
    ["asterisk target", "GET * HTTP/1.1", [], 400],
    ["authority target", "GET example.com:80 HTTP/1.1", [], 400],
    ["ws: target", "GET ws://example.com/chat HTTP/1.1", [], 400],
    ["fragment in the target", "GET /chat#x HTTP/1.1", [], 400],
  ])("answers a request with %s with %i", (_, requestLine, changes, status, headers) => {
    const error = catchHandshakeError(() => validateUpgradeRequest(parse(request(changes, requestLine))));
    expect(error.status).toBe(status);
    expect(error.code).toBe("BAD_HANDSHAKE");
    expect(error.headers).toEqual(headers ?? []);
  });

  it.each<[string, readonly string[], Partial<UpgradeRequest>]>([
    ["Connection listing several options", ["Connection: keep-alive, Upgrade"], {}],
    ["tokens in any case", ["Upgrade: WebSocket", "Connection: UPGRADE"], {}],
    ["Upgrade listing several protocols", ["Upgrade: h2c, websocket"], {}],
    ["Connection over two lines", ["Connection: keep-alive", "+Connection: upgrade"], {}],
    ["no Origin", ["-Origin"], { origin: null }],
    ["no subprotocols", ["-Sec-WebSocket-Protocol"], { protocols: [] }],
    ["subprotocols over two lines, in order", ["Sec-WebSocket-Protocol: b", "+Sec-WebSocket-Protocol: a, c"], { protocols: ["b", "a", "c"] }],
    ["subprotocols differing only in case", ["Sec-WebSocket-Protocol: chat, Chat"], { protocols: ["chat", "Chat"] }],
    ["Content-Length: 0", ["+Content-Length: 0"], {}],
    [
      "extensions over two lines, in order (§9.1)",
      ["+Sec-WebSocket-Extensions: foo", "+Sec-WebSocket-Extensions: bar; baz=2"],
      { extensions: [{ name: "foo", params: [] }, { name: "bar", params: [["baz", "2"]] }] },
    ],
    ["the §4.1 example key", ["Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEC=="], { key: "AQIDBAUGBwgJCgsMDQ4PEC==" }],
  ])("accepts a request with %s", (_, changes, expected) => {
    expect(validateUpgradeRequest(parse(request(changes)))).toMatchObject(expected);
  });

  it.each([
    ["/chat?room=1&x=2", "/chat", "?room=1&x=2"],
    ["/", "/", ""],
    ["/?", "/", "?"],
    ["/a/b?c?d", "/a/b", "?c?d"],
    ["http://server.example.com/chat?x", "/chat", "?x"],
    ["HTTPS://server.example.com", "/", ""],
    ["https://server.example.com?q", "/", "?q"],
  ])("splits the target %j into path and query", (target, path, query) => {
    expect(validateUpgradeRequest(parse(request([], `GET ${target} HTTP/1.1`)))).toMatchObject({ target, path, query });
  });

  it("validates heads that did not come from our parser (Node's 'upgrade' event)", () => {
    const r = validateUpgradeRequest({
      method: "GET",
      target: "/",
      httpVersion: "1.1",
      headers: HeaderList.from([
        ["host", "h"],
        ["upgrade", "websocket"],
        ["connection", "Upgrade"],
        ["sec-websocket-key", RFC_KEY],
        ["sec-websocket-version", "13"],
      ]),
    });
    expect(r.key).toBe(RFC_KEY);
    expect(catchHandshakeError(() => validateUpgradeRequest({ ...r, httpVersion: "1" })).status).toBe(400);
  });

  const ows = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 2 });
  test.prop([fc.array(fc.tuple(fc.double(), fc.boolean(), ows, ows), { minLength: 7, maxLength: 7 })])(
    "header order, name case and optional whitespace give the same request",
    (variation) => {
      const expected = validateUpgradeRequest(parse(request()));
      const fields = VALID_REQUEST_LINES.slice(1).map((line, i) => {
        const [order, upper, before, after] = variation[i]!;
        const colon = line.indexOf(":");
        const name = upper ? line.slice(0, colon).toUpperCase() : line.slice(0, colon).toLowerCase();
        return { order, line: `${name}:${before}${line.slice(colon + 1).trim()}${after}` };
      });
      fields.sort((a, b) => a.order - b.order);
      const r = validateUpgradeRequest(parse(head("GET /chat HTTP/1.1", ...fields.map((f) => f.line))));
      const { headers: _a, ...rest } = r;
      const { headers: _b, ...expectedRest } = expected;
      expect(rest).toEqual(expectedRest);
    },
  );
});

describe("RFC 6455 §4.2.2 /subprotocol/", () => {
  it("picks the client's first offer that the server supports, exact case", () => {
    expect(selectSubprotocol(["graphql-transport-ws", "graphql-ws"], ["graphql-ws", "graphql-transport-ws"])).toBe("graphql-transport-ws");
    expect(selectSubprotocol(["a", "b"], ["b"])).toBe("b");
    expect(selectSubprotocol(["MQTT"], ["mqtt"])).toBeNull();
    expect(selectSubprotocol([], ["a"])).toBeNull();
    expect(selectSubprotocol(["a"], [])).toBeNull();
  });

  it("refuses a custom selection that the client did not offer", () => {
    expect(checkSelectedSubprotocol("chat", ["chat"])).toBe("chat");
    expect(checkSelectedSubprotocol(null, ["chat"])).toBeNull();
    for (const bad of ["Chat", "other", ""]) {
      let error: unknown;
      try {
        checkSelectedSubprotocol(bad, ["chat"]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LocalProtocolError);
      expect((error as LocalProtocolError).code).toBe("INVALID_ARGUMENT");
    }
    expect(() => checkSelectedSubprotocol(undefined as unknown as null, ["chat"])).toThrow(LocalProtocolError);
  });
});

describe("RFC 6455 §4.2.2 the server's opening handshake", () => {
  it("writes the §1.3 101 response", () => {
    const bytes = buildAcceptResponse({ key: RFC_KEY, protocol: "chat" });
    expect(fromLatin1(bytes)).toBe(
      "HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\n` +
        "Sec-WebSocket-Protocol: chat\r\n\r\n",
    );
  });

  it("adds extensions and extra headers, and a client accepts the result", () => {
    const bytes = buildAcceptResponse({
      key: RFC_KEY,
      protocol: null,
      extensions: [{ name: "permessage-deflate", params: [["server_no_context_takeover", null], ["client_max_window_bits", "10"]] }],
      headers: [
        ["Set-Cookie", "a=1"],
        ["Set-Cookie", "b=2"],
      ],
    });
    const { head: h, rest } = parseResponse(bytes);
    expect(rest).toHaveLength(0);
    expect(h.headers.getAll("set-cookie")).toEqual(["a=1", "b=2"]);
    expect(h.headers.has("sec-websocket-protocol")).toBe(false);
    expect(validateUpgradeResponse(h, { key: RFC_KEY, extensionNames: ["permessage-deflate"] })).toEqual({
      protocol: null,
      extensions: [{ name: "permessage-deflate", params: [["server_no_context_takeover", null], ["client_max_window_bits", "10"]] }],
    });
  });

  it.each<[string, Parameters<typeof buildAcceptResponse>[0]]>([
    ["an invalid key", { key: "short" }],
    ["an empty subprotocol", { key: RFC_KEY, protocol: "" }],
    ["a subprotocol that is not a token", { key: RFC_KEY, protocol: "a b" }],
    ["an extension that is not a token", { key: RFC_KEY, extensions: [{ name: "a,b", params: [] }] }],
    ["a Sec-WebSocket-Accept header", { key: RFC_KEY, headers: [["Sec-WebSocket-Accept", "x"]] }],
    ["a Sec-WebSocket-Protocol header", { key: RFC_KEY, headers: [["sec-websocket-protocol", "x"]] }],
    ["an Upgrade header", { key: RFC_KEY, headers: [["UPGRADE", "x"]] }],
    ["a Connection header", { key: RFC_KEY, headers: [["Connection", "close"]] }],
    ["a Content-Length header", { key: RFC_KEY, headers: [["Content-Length", "0"]] }],
    ["a Transfer-Encoding header", { key: RFC_KEY, headers: [["Transfer-Encoding", "chunked"]] }],
    ["CRLF in a value", { key: RFC_KEY, headers: [["Set-Cookie", "a=1\r\nX-Injected: 1"]] }],
    ["LF in a value", { key: RFC_KEY, headers: [["Set-Cookie", "a=1\nX: 1"]] }],
    ["NUL in a value", { key: RFC_KEY, headers: [["Set-Cookie", "a\u0000"]] }],
    ["a name with a space", { key: RFC_KEY, headers: [["Set Cookie", "a"]] }],
    ["a name with a colon", { key: RFC_KEY, headers: [["X:Y", "a"]] }],
    ["an empty name", { key: RFC_KEY, headers: [["", "a"]] }],
    ["a value above U+00FF", { key: RFC_KEY, headers: [["X", "\u2603"]] }],
  ])("refuses %s", (_, options) => {
    let error: unknown;
    try {
      buildAcceptResponse(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LocalProtocolError);
    expect((error as LocalProtocolError).code).toBe("INVALID_ARGUMENT");
  });
});

describe("refusing the handshake", () => {
  it("writes a 400 with Content-Length and Connection: close", () => {
    expect(fromLatin1(buildRejectResponse(400))).toBe("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });

  it("sends a 426 with the supported versions and an Upgrade header, taken from the HandshakeError", () => {
    const error = catchHandshakeError(() => validateUpgradeRequest(parse(request(["Sec-WebSocket-Version: 8"]))));
    const { head: h } = parseResponse(buildRejectResponse(error.status, { headers: error.headers, body: error.message }));
    expect(h.status).toBe(426);
    expect(h.statusText).toBe("Upgrade Required");
    expect(h.headers.get("sec-websocket-version")).toBe("13");
    expect(h.headers.get("upgrade")).toBe("websocket");
    expect(h.headers.get("connection")).toBe("Upgrade, close");
    expect(h.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });

  it("sends a 405 with Allow: GET", () => {
    const error = catchHandshakeError(() => validateUpgradeRequest(parse(request([], "POST /chat HTTP/1.1"))));
    const { head: h } = parseResponse(buildRejectResponse(error.status, { headers: error.headers }));
    expect(h).toMatchObject({ status: 405, statusText: "Method Not Allowed" });
    expect(h.headers.get("allow")).toBe("GET");
  });

  it("writes a body that a client reads back, in UTF-8 for strings", () => {
    const bytes = buildRejectResponse(403, { statusText: "Go Away", headers: [["X-Reason", "origin"]], body: "forbidden \u2603" });
    const { head: h, rest } = parseResponse(bytes);
    expect(h).toMatchObject({ status: 403, statusText: "Go Away" });
    const reader = new HttpBodyReader(h, 1024);
    expect(reader.push(rest)).toBe(true);
    expect(new TextDecoder().decode(reader.body())).toBe("forbidden \u2603");
  });

  it("keeps a caller's Content-Type and binary body", () => {
    const { head: h } = parseResponse(buildRejectResponse(401, { headers: [["WWW-Authenticate", "Basic"], ["Content-Type", "application/json"]], body: "{}" }));
    expect(h.headers.getAll("content-type")).toEqual(["application/json"]);
    const { head: h2, rest } = parseResponse(buildRejectResponse(500, { body: Uint8Array.of(0, 1, 2) }));
    expect(h2.headers.has("content-type")).toBe(false);
    expect(rest).toEqual(Uint8Array.of(0, 1, 2));
  });

  it("uses an empty reason phrase for statuses without a standard one", () => {
    expect(fromLatin1(buildRejectResponse(499)).split("\r\n")[0]).toBe("HTTP/1.1 499 ");
  });

  it("sends no Content-Length for 204 and 304", () => {
    for (const status of [204, 304]) {
      const { head: h } = parseResponse(buildRejectResponse(status));
      expect(h.headers.has("content-length")).toBe(false);
      expect(() => buildRejectResponse(status, { body: "x" })).toThrow(LocalProtocolError);
    }
  });

  it.each<[string, number, Parameters<typeof buildRejectResponse>[1]?]>([
    ["status 101", 101],
    ["status 100", 100],
    ["status 199", 199],
    ["status 600", 600],
    ["status 99", 99],
    ["a fractional status", 400.5],
    ["NaN", Number.NaN],
    ["CRLF in the reason", 400, { statusText: "Bad\r\nX: 1" }],
    ["a Content-Length header", 400, { headers: [["Content-Length", "5"]] }],
    ["a Transfer-Encoding header", 400, { headers: [["transfer-encoding", "chunked"]] }],
    ["a Connection header", 400, { headers: [["Connection", "keep-alive"]] }],
    ["CRLF in a header value", 302, { headers: [["Location", "/x\r\nSet-Cookie: a=1"]] }],
    ["an invalid header name", 302, { headers: [["Loca tion", "/x"]] }],
  ])("refuses %s", (_, status, options) => {
    expect(() => buildRejectResponse(status, options)).toThrow(LocalProtocolError);
  });
});
