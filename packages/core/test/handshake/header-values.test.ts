import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { ExtensionOffer } from "../../src/extensions/extension.js";
import { HandshakeError, LocalProtocolError } from "../../src/errors.js";
import {
  checkHeaderField,
  equalsIgnoreAsciiCase,
  formatExtensions,
  formatProtocols,
  hasToken,
  isToken,
  isValidHeaderValue,
  parseExtensions,
  parseProtocols,
  parseTokenList,
  toLowerAscii,
} from "../../src/handshake/header-values.js";
import { HeaderList } from "../../src/handshake/headers.js";

const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const token = fc.string({ unit: fc.constantFrom(...TCHARS.split("")), minLength: 1, maxLength: 12 });
const ows = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 2 });

describe("RFC 7230 tokens", () => {
  it("accepts tchar strings only", () => {
    expect(isToken("permessage-deflate")).toBe(true);
    expect(isToken(TCHARS)).toBe(true);
    for (const bad of ["", "a b", "a,b", "a;b", 'a"', "a=b", "a/b", "(a)", "a\u00e9", "a\u0000", "a\u0100"]) {
      expect(isToken(bad), bad).toBe(false);
    }
  });

  it("lowercases ASCII letters only", () => {
    expect(toLowerAscii("Sec-WebSocket-Key")).toBe("sec-websocket-key");
    expect(toLowerAscii("already")).toBe("already");
    expect(toLowerAscii("\u0130X")).toBe("\u0130x");
    expect(equalsIgnoreAsciiCase("WebSocket", "websocket")).toBe(true);
    expect(equalsIgnoreAsciiCase("\u212A", "k")).toBe(false);
  });

  it("validates header values against CR/LF/NUL injection", () => {
    expect(isValidHeaderValue("a b\tc \u00ff")).toBe(true);
    for (const bad of ["a\r\nX-Injected: 1", "a\n", "a\r", "a\u0000", "a\u007f", "a\u0100"]) {
      expect(isValidHeaderValue(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(() => checkHeaderField("X-Ok", "fine")).not.toThrow();
    expect(() => checkHeaderField("Bad Name", "v")).toThrow(LocalProtocolError);
    expect(() => checkHeaderField("X", "v\r\nY: 1")).toThrow(LocalProtocolError);
  });
});

describe("RFC 7230 §7 token lists", () => {
  it.each([
    ["websocket", ["websocket"]],
    ["keep-alive, Upgrade", ["keep-alive", "Upgrade"]],
    [" a ,\tb\t,c ", ["a", "b", "c"]],
    [",,a,,  ,b,", ["a", "b"]],
    ["", []],
    [" , ", []],
    ["HTTP/2.0, websocket", ["HTTP/2.0", "websocket"]],
  ])("parseTokenList(%j)", (value, expected) => {
    expect(parseTokenList(value)).toEqual(expected);
  });

  it("finds tokens case-insensitively over every line", () => {
    const h = HeaderList.from([
      ["Connection", "keep-alive"],
      ["connection", "UPGRADE"],
      ["Upgrade", "websocket2, web socket"],
    ]);
    expect(hasToken(h, "connection", "upgrade")).toBe(true);
    expect(hasToken(h, "Connection", "close")).toBe(false);
    expect(hasToken(h, "upgrade", "websocket")).toBe(false);
    expect(hasToken(h, "missing", "x")).toBe(false);
  });

  test.prop([fc.array(fc.tuple(ows, token, ows), { minLength: 1, maxLength: 6 })])(
    "parses any OWS around tokens identically",
    (elements) => {
      const value = elements.map(([a, t, b]) => a + t + b).join(",");
      expect(parseTokenList(value)).toEqual(elements.map(([, t]) => t));
    },
  );
});

describe("RFC 6455 §4.1 item 10 Sec-WebSocket-Protocol", () => {
  it("parses and formats subprotocol lists", () => {
    expect(parseProtocols("chat, superchat")).toEqual(["chat", "superchat"]);
    expect(parseProtocols("v12.stomp")).toEqual(["v12.stomp"]);
    expect(formatProtocols(["graphql-transport-ws", "graphql-ws"])).toBe("graphql-transport-ws, graphql-ws");
  });

  it.each(["", " , ", "chat, super chat", "a/b", 'a, "b"', "a;b"])("refuses %j with 400", (value) => {
    const error = (() => {
      try {
        parseProtocols(value);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).status).toBe(400);
  });

  it("refuses to format empty, invalid or duplicated names", () => {
    expect(() => formatProtocols([])).toThrow(LocalProtocolError);
    expect(() => formatProtocols(["a b"])).toThrow(LocalProtocolError);
    expect(() => formatProtocols(["a\r\nX: y"])).toThrow(LocalProtocolError);
    expect(() => formatProtocols(["chat", "chat"])).toThrow(LocalProtocolError);
  });
});

describe("RFC 6455 §9.1 Sec-WebSocket-Extensions", () => {
  it.each<[string, ExtensionOffer[]]>([
    ["permessage-deflate", [{ name: "permessage-deflate", params: [] }]],
    [
      "permessage-deflate; client_max_window_bits",
      [{ name: "permessage-deflate", params: [["client_max_window_bits", null]] }],
    ],
    [
      "permessage-deflate;server_max_window_bits=10;client_no_context_takeover",
      [{ name: "permessage-deflate", params: [["server_max_window_bits", "10"], ["client_no_context_takeover", null]] }],
    ],
    [
      'permessage-deflate; server_max_window_bits="10", permessage-deflate',
      [
        { name: "permessage-deflate", params: [["server_max_window_bits", "10"]] },
        { name: "permessage-deflate", params: [] },
      ],
    ],
    [
      "mux; max-channels=4; flow-control, deflate-stream",
      [
        { name: "mux", params: [["max-channels", "4"], ["flow-control", null]] },
        { name: "deflate-stream", params: [] },
      ],
    ],
    ["  foo \t;\t a = 1 ; b  ,  bar  ", [{ name: "foo", params: [["a", "1"], ["b", null]] }, { name: "bar", params: [] }]],
    [",foo,,bar,", [{ name: "foo", params: [] }, { name: "bar", params: [] }]],
    ['x; a="\\b\\c"', [{ name: "x", params: [["a", "bc"]] }]],
    ["X-Case; Param=Value", [{ name: "X-Case", params: [["Param", "Value"]] }]],
    ["__proto__; constructor=hasOwnProperty", [{ name: "__proto__", params: [["constructor", "hasOwnProperty"]] }]],
  ])("parses %j", (value, expected) => {
    expect(parseExtensions(value)).toEqual(expected);
  });

  it.each([
    ["", "empty list"],
    [" , ,", "only empty elements"],
    [";a", "no extension name"],
    ["foo;", "no parameter name"],
    ["foo; =1", "no parameter name"],
    ["foo; a=", "no value"],
    ["foo; a==1", "two equals signs"],
    ["foo bar", "space inside the name"],
    ["foo; a=1 2", "space inside the value"],
    ['foo; a="1', "unterminated quoted string"],
    ['foo; a=""', "quoted value that is empty"],
    ['foo; a="1 2"', "quoted value that is not a token"],
    ['foo; a="1,2"', "quoted value that is not a token"],
    ['foo; a="\\', "quoted pair at the end"],
    ['foo; "a"=1', "quoted parameter name"],
    ['"foo"', "quoted extension name"],
    ["foo; a=b/c", "separator inside a value"],
    ["foo\u0000", "NUL"],
    ["fo\u00e9", "non-ASCII name"],
  ])("refuses %j (%s) with 400", (value) => {
    let error: unknown = null;
    try {
      parseExtensions(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).status).toBe(400);
    expect((error as HandshakeError).code).toBe("BAD_HANDSHAKE");
  });

  it("formats offers in the conventional spacing", () => {
    expect(
      formatExtensions([
        { name: "permessage-deflate", params: [["client_max_window_bits", null], ["server_max_window_bits", "10"]] },
        { name: "x-foo", params: [] },
      ]),
    ).toBe("permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-foo");
  });

  it("refuses to format anything that is not a token", () => {
    expect(() => formatExtensions([])).toThrow(LocalProtocolError);
    expect(() => formatExtensions([{ name: "a b", params: [] }])).toThrow(LocalProtocolError);
    expect(() => formatExtensions([{ name: "a", params: [["b\r\n", null]] }])).toThrow(LocalProtocolError);
    expect(() => formatExtensions([{ name: "a", params: [["b", "1 2"]] }])).toThrow(LocalProtocolError);
    expect(() => formatExtensions([{ name: "a", params: [["b", ""]] }])).toThrow(LocalProtocolError);
  });

  const offer = fc.record({
    name: token,
    params: fc.array(fc.tuple(token, fc.option(token, { nil: null })), { maxLength: 4 }),
  });

  test.prop([fc.array(offer, { minLength: 1, maxLength: 5 })])("parse(format(offers)) gives the offers back", (offers) => {
    expect(parseExtensions(formatExtensions(offers))).toEqual(offers);
  });

  test.prop([fc.array(offer, { minLength: 1, maxLength: 4 }), fc.array(ows, { minLength: 40, maxLength: 40 }), fc.boolean()])(
    "accepts any OWS around separators and quoted values alike",
    (offers, spaces, quote) => {
      let k = 0;
      const sp = (): string => spaces[k++ % spaces.length] ?? "";
      const value = offers
        .map(
          (o) =>
            sp() +
            o.name +
            o.params.map(([n, v]) => sp() + ";" + sp() + n + (v === null ? "" : sp() + "=" + sp() + (quote ? `"${v}"` : v))).join("") +
            sp(),
        )
        .join(",");
      expect(parseExtensions(value)).toEqual(offers);
    },
  );

  test.prop([fc.string({ maxLength: 60 })])("throws nothing but HandshakeError on arbitrary input", (value) => {
    try {
      parseExtensions(value);
    } catch (e) {
      expect(e).toBeInstanceOf(HandshakeError);
    }
  });

  it("handles long adversarial values in one pass (no backtracking)", () => {
    // Shapes that made backtracking parsers (CVE-2020-7662, CVE-2021-32640) explode.
    const inputs = [
      "a" + ";b".repeat(50_000) + "/",
      "a; b=" + '"'.padEnd(100_000, "\\a") + "\u0000",
      " ".repeat(100_000) + "a" + " ".repeat(100_000) + "=",
      "a," + " ,".repeat(100_000) + "\u0001",
    ];
    for (const value of inputs) expect(() => parseExtensions(value)).toThrow(HandshakeError);
    expect(parseExtensions("x" + "; p=v".repeat(20_000))[0]?.params).toHaveLength(20_000);
  });
});
