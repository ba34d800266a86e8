import { describe, expect, it } from "vitest";
import { followRedirect, hostOf, isRedirectStatus, parseWebSocketUrl, portOf, targetOf, WebSocketError } from "../src/index.js";

describe("parseWebSocketUrl (RFC 6455 §3)", () => {
  it("accepts ws and wss and maps http and https to them", () => {
    expect(parseWebSocketUrl("ws://a.test/x?y=1").href).toBe("ws://a.test/x?y=1");
    expect(parseWebSocketUrl("wss://a.test").href).toBe("wss://a.test/");
    expect(parseWebSocketUrl("http://a.test:81/p").href).toBe("ws://a.test:81/p");
    expect(parseWebSocketUrl("https://a.test/p").protocol).toBe("wss:");
  });

  it("refuses other schemes, fragments and garbage with INVALID_URL", () => {
    for (const bad of ["ftp://a.test/", "ws://a.test/#frag", "ws://a.test/#", "not a url"]) {
      expect(() => parseWebSocketUrl(bad)).toThrow(WebSocketError);
    }
  });

  it("derives host, port and target", () => {
    const v6 = parseWebSocketUrl("ws://[::1]:8080/chat?room=1");
    expect(hostOf(v6)).toBe("::1");
    expect(portOf(v6)).toBe(8080);
    expect(targetOf(v6)).toBe("/chat?room=1");
    expect(portOf(parseWebSocketUrl("wss://a.test"))).toBe(443);
    expect(portOf(parseWebSocketUrl("ws://a.test"))).toBe(80);
  });
});

describe("followRedirect", () => {
  const headers = [
    ["Authorization", "Bearer t"],
    ["Cookie", "c=1"],
    ["User-Agent", "test"],
  ] as const;

  it("knows which statuses redirect", () => {
    expect([301, 302, 303, 307, 308].every(isRedirectStatus)).toBe(true);
    expect([200, 300, 304, 305, 401].some(isRedirectStatus)).toBe(false);
  });

  it("keeps credentials on a same-origin hop and resolves relative locations", () => {
    const next = followRedirect(new URL("ws://a.test:8080/old"), "/new?x=1", headers);
    expect(next.url.href).toBe("ws://a.test:8080/new?x=1");
    expect(next.headers).toEqual(headers);
  });

  it("drops Authorization and Cookie on a cross-origin hop", () => {
    for (const location of ["ws://b.test:8080/", "ws://a.test:8081/", "wss://a.test:8080/"]) {
      const next = followRedirect(new URL("ws://a.test:8080/"), location, headers);
      expect(next.headers).toEqual([["User-Agent", "test"]]);
    }
  });

  it("maps http and https locations to ws and wss", () => {
    expect(followRedirect(new URL("ws://a.test/"), "https://b.test/x", []).url.href).toBe("wss://b.test/x");
  });

  it("refuses a downgrade from wss to ws, and a missing location", () => {
    expect(() => followRedirect(new URL("wss://a.test/"), "ws://a.test/", [])).toThrow(/wss: to ws:/);
    expect(() => followRedirect(new URL("wss://a.test/"), "http://a.test/", [])).toThrow(WebSocketError);
    expect(() => followRedirect(new URL("ws://a.test/"), undefined, [])).toThrow(WebSocketError);
  });
});
