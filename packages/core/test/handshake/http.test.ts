import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { HandshakeError, LocalProtocolError } from "../../src/errors.js";
import { HttpBodyReader, HttpHeadParser, encodeHead } from "../../src/handshake/http.js";
import { HeaderList } from "../../src/handshake/headers.js";
import type { HttpRequestHead, HttpResponseHead } from "../../src/handshake/types.js";
import { splitAt } from "../helpers/bytes.js";
import { catchHandshakeError, fromLatin1, head, latin1, VALID_REQUEST_LINES, VALID_RESPONSE_LINES } from "../helpers/http.js";

const LIMITS = { maxHeadSize: 16 * 1024, maxHeaderCount: 100 };
const requestParser = (limits = LIMITS): HttpHeadParser<"request"> => new HttpHeadParser({ kind: "request", ...limits });
const responseParser = (limits = LIMITS): HttpHeadParser<"response"> => new HttpHeadParser({ kind: "response", ...limits });

function parseRequest(text: string | Uint8Array, limits = LIMITS): HttpRequestHead {
  const parser = requestParser(limits);
  const result = parser.push(typeof text === "string" ? latin1(text) : text);
  if (result === null) throw new Error("incomplete");
  return result;
}

function parseResponse(text: string, limits = LIMITS): HttpResponseHead {
  const result = responseParser(limits).push(latin1(text));
  if (result === null) throw new Error("incomplete");
  return result;
}

/** A comparable view of a head: its fields and its header lines. */
function snapshot(h: HttpRequestHead | HttpResponseHead): unknown {
  return { ...h, headers: [...h.headers.entries()] };
}

const REQUEST = head(...VALID_REQUEST_LINES);

describe("RFC 7230 §3 request heads", () => {
  it("parses the RFC 6455 §1.3 request", () => {
    const h = parseRequest(REQUEST);
    expect(h.method).toBe("GET");
    expect(h.target).toBe("/chat");
    expect(h.httpVersion).toBe("1.1");
    expect(h.headers.get("host")).toBe("server.example.com");
    expect(h.headers.get("SEC-WEBSOCKET-KEY")).toBe("dGhlIHNhbXBsZSBub25jZQ==");
    expect(h.headers.size).toBe(7);
  });

  it("returns null until the final empty line, then keeps the bytes that follow without copying", () => {
    const parser = requestParser();
    expect(parser.push(latin1(REQUEST.slice(0, -2)))).toBeNull();
    expect(parser.complete).toBe(false);
    expect(() => parser.rest()).toThrow(LocalProtocolError);
    const frames = Uint8Array.of(0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    const chunk = new Uint8Array(2 + frames.length);
    chunk.set(latin1("\r\n"));
    chunk.set(frames, 2);
    expect(parser.push(chunk)).not.toBeNull();
    expect(parser.rest()).toEqual(frames);
    expect(parser.rest().buffer).toBe(chunk.buffer); // a view, not a copy
    expect(() => parser.push(new Uint8Array(1))).toThrow(LocalProtocolError);
  });

  it("keeps a megabyte of frames that arrived with the head, scanning only the head", () => {
    const bytes = new Uint8Array(REQUEST.length + (1 << 20));
    bytes.set(latin1(REQUEST));
    bytes.fill(0x0a, REQUEST.length); // LFs after the head must not be looked at
    const parser = requestParser();
    expect(parser.push(bytes)).not.toBeNull();
    expect(parser.rest().length).toBe(1 << 20);
    expect(parser.scanCount).toBeLessThanOrEqual(2 * REQUEST.length);
  });

  it("ignores empty lines before the request line (RFC 7230 §3.5)", () => {
    expect(parseRequest("\r\n\r\n" + REQUEST).method).toBe("GET");
  });

  it("trims optional whitespace around values and keeps inner whitespace", () => {
    const h = parseRequest(head("GET / HTTP/1.1", "A: \t x  y \t ", "B:", "C:   ", "D:\u00e9\u00ff"));
    expect(h.headers.get("a")).toBe("x  y");
    expect(h.headers.get("b")).toBe("");
    expect(h.headers.get("c")).toBe("");
    expect(h.headers.get("d")).toBe("\u00e9\u00ff"); // latin1, one byte per character
  });

  it("keeps __proto__, constructor and hasOwnProperty as plain headers", () => {
    const h = parseRequest(head("GET / HTTP/1.1", "__proto__: a", "constructor: b", "hasOwnProperty: c"));
    expect(h.headers.get("__proto__")).toBe("a");
    expect(h.headers.get("constructor")).toBe("b");
    expect(h.headers.get("hasownproperty")).toBe("c");
  });

  it("accepts any HTTP/x.y in the parser (validation decides) and any token method", () => {
    expect(parseRequest(head("POST /x HTTP/1.0")).httpVersion).toBe("1.0");
    expect(parseRequest(head("M-SEARCH * HTTP/2.0")).method).toBe("M-SEARCH");
  });

  it.each([
    ["bare LF ending a header line", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400],
    ["bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400],
    ["bare LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400],
    ["bare CR inside a value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400],
    ["bare CR inside a name", "GET / HTTP/1.1\r\nHo\rst: a\r\n\r\n", 400],
    ["bare CR in the request line", "GET /\r HTTP/1.1\r\n\r\n", 400],
    ["obsolete line folding", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400],
    ["whitespace before the first header", "GET / HTTP/1.1\r\n\tA: b\r\n\r\n", 400],
    ["whitespace between name and colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400],
    ["whitespace inside a name", "GET / HTTP/1.1\r\nHo st: a\r\n\r\n", 400],
    ["empty header name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 400],
    ["header line without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400],
    ["invalid name character", "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 400],
    ["non-ASCII name", "GET / HTTP/1.1\r\nH\u00f6st: a\r\n\r\n", 400],
    ["NUL in a value", "GET / HTTP/1.1\r\nA: b\u0000c\r\n\r\n", 400],
    ["DEL in a value", "GET / HTTP/1.1\r\nA: b\u007f\r\n\r\n", 400],
    ["lowercase version", "GET / http/1.1\r\n\r\n", 400],
    ["two-digit version", "GET / HTTP/1.10\r\n\r\n", 400],
    ["missing version", "GET /\r\n\r\n", 400],
    ["double space", "GET  / HTTP/1.1\r\n\r\n", 400],
    ["trailing space", "GET / HTTP/1.1 \r\n\r\n", 400],
    ["tab separator", "GET\t/ HTTP/1.1\r\n\r\n", 400],
    ["space in the target", "GET /a b HTTP/1.1\r\n\r\n", 400],
    ["non-ASCII target", "GET /\u00e9 HTTP/1.1\r\n\r\n", 400],
    ["method that is not a token", "G(T / HTTP/1.1\r\n\r\n", 400],
    ["empty request line after data", "GET\r\n\r\n", 400],
    ["status line sent to a server", "HTTP/1.1 101 Switching Protocols\r\n\r\n", 400],
  ])("refuses a request with %s (%i)", (_, text, status) => {
    const error = catchHandshakeError(() => parseRequest(text));
    expect(error.status).toBe(status);
    expect(error.code).toBe("BAD_HANDSHAKE");
  });

  it("answers 431 to a head larger than maxHeadSize, and accepts one of exactly that size", () => {
    const base = head("GET / HTTP/1.1", "A: ");
    const exact = head("GET / HTTP/1.1", "A: " + "x".repeat(1000 - base.length));
    expect(exact.length).toBe(1000);
    expect(parseRequest(exact, { maxHeadSize: 1000, maxHeaderCount: 10 }).headers.get("a")).toHaveLength(1000 - base.length);
    const over = head("GET / HTTP/1.1", "A: " + "x".repeat(1001 - base.length));
    expect(catchHandshakeError(() => parseRequest(over, { maxHeadSize: 1000, maxHeaderCount: 10 })).status).toBe(431);
  });

  it("answers 431 as soon as the limit is reached, before the rest arrives", () => {
    const parser = requestParser({ maxHeadSize: 64, maxHeaderCount: 10 });
    expect(parser.push(latin1("GET / HTTP/1.1\r\n"))).toBeNull();
    expect(catchHandshakeError(() => parser.push(latin1("A: " + "x".repeat(100)))).status).toBe(431);
    expect(parser.bufferSize).toBeLessThanOrEqual(64);
  });

  it("answers 431 to more than maxHeaderCount fields, and accepts exactly that many", () => {
    const lines = Array.from({ length: 5 }, (_, i) => `H${i}: ${i}`);
    expect(parseRequest(head("GET / HTTP/1.1", ...lines), { maxHeadSize: 1000, maxHeaderCount: 5 }).headers.size).toBe(5);
    const error = catchHandshakeError(() =>
      parseRequest(head("GET / HTTP/1.1", ...lines, "H5: 5"), { maxHeadSize: 1000, maxHeaderCount: 5 }),
    );
    expect(error.status).toBe(431);
  });

  it("stays failed after an error, throwing the same error again", () => {
    const parser = requestParser();
    const error = catchHandshakeError(() => parser.push(latin1("GET / HTTP/1.1\nX")));
    expect(catchHandshakeError(() => parser.push(latin1("\r\n")))).toBe(error);
  });

  it("refuses invalid limits", () => {
    expect(() => new HttpHeadParser({ kind: "request", maxHeadSize: 0, maxHeaderCount: 1 })).toThrow(LocalProtocolError);
    expect(() => new HttpHeadParser({ kind: "request", maxHeadSize: 1.5, maxHeaderCount: 1 })).toThrow(LocalProtocolError);
    expect(() => new HttpHeadParser({ kind: "request", maxHeadSize: 10, maxHeaderCount: -1 })).toThrow(LocalProtocolError);
  });
});

describe("RFC 7230 §3.1.2 status lines", () => {
  it("parses a 101 response", () => {
    const h = parseResponse(head(...VALID_RESPONSE_LINES));
    expect(h).toMatchObject({ httpVersion: "1.1", status: 101, statusText: "Switching Protocols" });
    expect(h.headers.get("sec-websocket-accept")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it.each([
    ["HTTP/1.1 101 Switching Protocols", 101, "Switching Protocols"],
    ["HTTP/1.1 404 ", 404, ""],
    ["HTTP/1.1 404", 404, ""],
    ["HTTP/1.0 200 OK \u00e9", 200, "OK \u00e9"],
    ["HTTP/1.1 599 x\ty", 599, "x\ty"],
  ])("parses %j", (line, status, statusText) => {
    expect(parseResponse(head(line))).toMatchObject({ status, statusText });
  });

  it.each([
    "HTTP/1.1 10 Short",
    "HTTP/1.1 1010 Long",
    "HTTP/1.1 099 Low",
    "HTTP/1.1 600 High",
    "HTTP/1.1 10a Letters",
    "HTTP/1.1  101 Double space",
    "HTTP/1.1 101x",
    "HTTP/1.1\t101 Tab",
    "http/1.1 101 Lowercase",
    "HTTP/11 101 No dot",
    "GET / HTTP/1.1",
    "HTTP/1.1 200 OK\u0000",
  ])("refuses %j with status 0 (no valid status was read)", (line) => {
    const error = catchHandshakeError(() => parseResponse(head(line)));
    expect(error.status).toBe(0);
  });

  it("reports limits with status 0 on the client side", () => {
    expect(catchHandshakeError(() => parseResponse(head("HTTP/1.1 101 x", "A: b", "C: d"), { maxHeadSize: 100, maxHeaderCount: 1 })).status).toBe(0);
    expect(catchHandshakeError(() => parseResponse("HTTP/1.1 101 " + "x".repeat(200), { maxHeadSize: 100, maxHeaderCount: 1 })).status).toBe(0);
  });
});

describe("split invariance and linear time", () => {
  const requestBytes = latin1(REQUEST + "\x81\x80abcd");

  test.prop([fc.array(fc.nat({ max: requestBytes.length }), { maxLength: 30 })])(
    "any split of the bytes gives the same head and rest",
    (cuts) => {
      const whole = requestParser();
      const expected = snapshot(whole.push(requestBytes)!);
      const parser = requestParser();
      let result: HttpRequestHead | null = null;
      const rest: number[] = [];
      for (const part of splitAt(requestBytes, cuts)) {
        if (result !== null) {
          rest.push(...part);
          continue;
        }
        result = parser.push(part);
        if (result !== null) rest.push(...parser.rest());
      }
      expect(result).not.toBeNull();
      expect(snapshot(result!)).toEqual(expected);
      expect(rest).toEqual([...whole.rest()]);
    },
  );

  it("parses one byte at a time", () => {
    const parser = requestParser();
    let result: HttpRequestHead | null = null;
    const bytes = latin1(REQUEST);
    for (let i = 0; i < bytes.length; i++) {
      expect(result).toBeNull();
      result = parser.push(bytes.subarray(i, i + 1));
    }
    expect(snapshot(result!)).toEqual(snapshot(parseRequest(REQUEST)));
    expect(parser.rest()).toHaveLength(0);
  });

  it("does linear work on a 16 KiB head fed one byte at a time", () => {
    const lines = ["GET / HTTP/1.1"];
    let size = 0;
    while (size < 16 * 1024 - 200) {
      const line = `X-Header-${lines.length}: ${"v".repeat(150)}`;
      lines.push(line);
      size += line.length + 2;
    }
    const bytes = latin1(head(...lines));
    expect(bytes.length).toBeLessThanOrEqual(16 * 1024);
    const parser = requestParser({ maxHeadSize: 16 * 1024, maxHeaderCount: 1000 });
    for (let i = 0; i < bytes.length; i++) parser.push(bytes.subarray(i, i + 1));
    expect(parser.complete).toBe(true);
    expect(parser.scanCount).toBeLessThanOrEqual(2 * bytes.length);
  });

  it("does linear work on one 16 KiB line without LF fed one byte at a time, then answers 431", () => {
    const parser = requestParser({ maxHeadSize: 16 * 1024, maxHeaderCount: 10 });
    let error: HandshakeError | null = null;
    for (let i = 0; i < 20_000 && error === null; i++) {
      try {
        parser.push(Uint8Array.of(0x61));
      } catch (e) {
        error = e as HandshakeError;
      }
    }
    expect(error?.status).toBe(431);
    expect(parser.scanCount).toBeLessThanOrEqual(16 * 1024);
    expect(parser.bufferSize).toBeLessThanOrEqual(16 * 1024);
  });

  const ows = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 3 });
  const flipCase = (name: string, mask: number): string =>
    [...name].map((c, i) => ((mask >> i % 31) & 1 ? c.toUpperCase() : c.toLowerCase())).join("");

  test.prop([fc.array(fc.nat(), { minLength: 7, maxLength: 7 }), fc.array(fc.tuple(ows, ows), { minLength: 7, maxLength: 7 }), fc.array(fc.nat(), { minLength: 7, maxLength: 7 })])(
    "header order, name case and optional whitespace do not change any value",
    (order, spaces, masks) => {
      const fields = VALID_REQUEST_LINES.slice(1).map((l) => {
        const colon = l.indexOf(":");
        return [l.slice(0, colon), l.slice(colon + 1).trim()] as const;
      });
      const shuffled = fields.map((f, i) => ({ f, k: order[i] ?? 0, i })).sort((a, b) => a.k - b.k || a.i - b.i);
      const lines = shuffled.map(({ f: [name, value], i }) => {
        const [before, after] = spaces[i] ?? ["", ""];
        return `${flipCase(name, masks[i] ?? 0)}:${before}${value}${after}`;
      });
      const h = parseRequest(head("GET /chat HTTP/1.1", ...lines));
      for (const [name, value] of fields) expect(h.headers.get(name)).toBe(value);
    },
  );

  test.prop([fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), fc.constantFrom("request" as const, "response" as const)])(
    "arbitrary bytes throw nothing but HandshakeError and never exceed the limit",
    (chunks, kind) => {
      const parser = new HttpHeadParser({ kind, maxHeadSize: 256, maxHeaderCount: 8 });
      let fed = 0;
      for (const chunk of chunks) {
        try {
          const result = parser.push(chunk);
          fed += chunk.length;
          if (result !== null) break;
        } catch (e) {
          expect(e).toBeInstanceOf(HandshakeError);
          expect([0, 400, 431]).toContain((e as HandshakeError).status);
          break;
        }
        expect(parser.bufferSize).toBeLessThanOrEqual(256);
        expect(parser.scanCount).toBeLessThanOrEqual(2 * fed);
      }
    },
  );

  const headerName = fc.string({ unit: fc.constantFrom(..."abcXYZ-_!~".split("")), minLength: 1, maxLength: 6 });
  const headerValue = fc.string({ unit: fc.constantFrom(..."ab ,;=\t\"\u00e9".split("")), maxLength: 8 }).map((v) => v.trim());
  test.prop([fc.array(fc.tuple(headerName, headerValue), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 10 })])(
    "whatever encodeHead writes parses back to the same fields, whatever the split",
    (fields, cuts) => {
      const bytes = encodeHead("GET /x?y=1 HTTP/1.1", fields);
      const parser = requestParser();
      let result: HttpRequestHead | null = null;
      for (const part of splitAt(bytes, cuts.map((c) => c % (bytes.length + 1)))) result ??= parser.push(part);
      expect([...result!.headers.entries()]).toEqual(fields);
    },
  );
});

describe("HttpBodyReader (RFC 7230 §3.3.3)", () => {
  const response = (status: number, ...fields: Array<[string, string]>): HttpResponseHead => ({
    httpVersion: "1.1",
    status,
    statusText: "",
    headers: HeaderList.from(fields),
  });

  it("has no body for 1xx, 204 and 304", () => {
    for (const status of [100, 204, 304]) {
      const reader = new HttpBodyReader(response(status, ["Content-Length", "10"]), 100);
      expect(reader.framing).toBe("none");
      expect(reader.complete).toBe(true);
      expect(reader.body()).toHaveLength(0);
    }
  });

  it("reads a Content-Length body in any split and ignores what follows", () => {
    const reader = new HttpBodyReader(response(403, ["Content-Length", "5"]), 100);
    expect(reader.framing).toBe("content-length");
    expect(reader.push(latin1("he"))).toBe(false);
    expect(reader.push(latin1("lloEXTRA"))).toBe(true);
    expect(fromLatin1(reader.body())).toBe("hello");
    expect(reader.truncated).toBe(false);
    expect(reader.push(latin1("more"))).toBe(true);
    expect(fromLatin1(reader.body())).toBe("hello");
  });

  it("is complete at once for Content-Length: 0, and accepts identical repeated lengths", () => {
    expect(new HttpBodyReader(response(400, ["Content-Length", "0"]), 10).complete).toBe(true);
    const reader = new HttpBodyReader(response(400, ["Content-Length", "3, 3"], ["content-length", "3"]), 10);
    reader.push(latin1("abc"));
    expect(reader.complete).toBe(true);
  });

  it.each([["-1"], ["abc"], [""], ["1 2"], ["3, 4"], ["0x10"], ["9".repeat(16)]])("refuses Content-Length %j", (value) => {
    const error = catchHandshakeError(() => new HttpBodyReader(response(403, ["Content-Length", value]), 10));
    expect(error.status).toBe(403);
  });

  it("stops at maxBodySize and reports truncation without waiting for the rest", () => {
    const reader = new HttpBodyReader(response(500, ["Content-Length", "1000000"]), 4);
    expect(reader.push(latin1("abcdef"))).toBe(true);
    expect(reader.truncated).toBe(true);
    expect(fromLatin1(reader.body())).toBe("abcd");
  });

  it("reads until EOF without framing headers, or with a non-chunked Transfer-Encoding", () => {
    for (const fields of [[], [["Transfer-Encoding", "gzip"]]] as Array<Array<[string, string]>>) {
      const reader = new HttpBodyReader(response(401, ...fields), 100);
      expect(reader.framing).toBe("eof");
      expect(reader.push(latin1("abc"))).toBe(false);
      reader.end();
      expect(reader.complete).toBe(true);
      expect(reader.truncated).toBe(false);
      expect(fromLatin1(reader.body())).toBe("abc");
    }
  });

  it("marks a body cut short by EOF as truncated", () => {
    const reader = new HttpBodyReader(response(401, ["Content-Length", "10"]), 100);
    reader.push(latin1("abc"));
    reader.end();
    expect(reader.complete).toBe(true);
    expect(reader.truncated).toBe(true);
    expect(fromLatin1(reader.body())).toBe("abc");
  });

  const chunkedBody = "5;ext=1\r\nhello\r\n7\r\n, world\r\nA \r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";

  it("decodes a chunked body, with extensions and trailers, when Transfer-Encoding ends in chunked", () => {
    const reader = new HttpBodyReader(response(403, ["Transfer-Encoding", "gzip, Chunked"], ["Content-Length", "3"]), 100);
    expect(reader.framing).toBe("chunked");
    expect(reader.push(latin1(chunkedBody + "next"))).toBe(true);
    expect(fromLatin1(reader.body())).toBe("hello, world0123456789");
  });

  test.prop([fc.array(fc.nat({ max: chunkedBody.length }), { maxLength: 20 }), fc.integer({ min: 0, max: 30 })])(
    "decodes a chunked body identically in any split, up to any limit",
    (cuts, max) => {
      const reader = new HttpBodyReader(response(403, ["Transfer-Encoding", "chunked"]), max);
      for (const part of splitAt(latin1(chunkedBody), cuts)) reader.push(part);
      expect(reader.complete).toBe(true);
      expect(fromLatin1(reader.body())).toBe("hello, world0123456789".slice(0, max));
      expect(reader.truncated).toBe(max < 22);
    },
  );

  it.each([
    ["x\r\n", "not hex"],
    ["\r\n", "no digits"],
    ["5\nhello\r\n", "bare LF after size"],
    ["5\r\nhelloXX", "no CRLF after data"],
    ["1" + "0".repeat(14) + "0\r\n", "size over 2^53"],
    ["fffffffffffffffffff\r\n", "size over 2^53"],
    ["5;" + "e".repeat(2000), "endless chunk extension"],
    ["0\r\nA: b\nc", "bare LF in trailer"],
  ])("refuses chunked %j (%s) with the response status", (body) => {
    const reader = new HttpBodyReader(response(502, ["Transfer-Encoding", "chunked"]), 1 << 20);
    const error = catchHandshakeError(() => reader.push(latin1(body)));
    expect(error.status).toBe(502);
    expect(catchHandshakeError(() => reader.push(latin1("x")))).toBe(error);
  });

  it("refuses an invalid maxBodySize", () => {
    expect(() => new HttpBodyReader(response(400), -1)).toThrow(LocalProtocolError);
  });

  test.prop([fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }), fc.nat({ max: 64 })])(
    "arbitrary chunked bytes throw nothing but HandshakeError and keep at most maxBodySize",
    (chunks, max) => {
      const reader = new HttpBodyReader(response(400, ["Transfer-Encoding", "chunked"]), max);
      try {
        for (const chunk of chunks) reader.push(chunk);
      } catch (e) {
        expect(e).toBeInstanceOf(HandshakeError);
      }
      expect(reader.body().length).toBeLessThanOrEqual(max);
    },
  );
});
