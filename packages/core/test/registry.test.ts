import { describe, expect, it } from "vitest";
import { CLOSE_CODE_REGISTRY as CLOSE_FROM_CLOSE, lookupCloseCode as lookupFromClose } from "../src/close.js";
import { isReservedOpcode, Opcode } from "../src/frame/opcode.js";
import {
  CLOSE_CODE_REGISTRY,
  EXTENSION_REGISTRY,
  HEADER_BITS_REGISTRY,
  lookupCloseCode,
  lookupExtension,
  lookupOpcode,
  lookupSubprotocol,
  lookupVersion,
  OPCODE_REGISTRY,
  SUBPROTOCOL_REGISTRY,
  VERSION_REGISTRY,
} from "../src/registry.js";
import { isToken } from "../src/handshake/header-values.js";

describe("RFC 6455 §11 IANA registries", () => {
  it("§11.8 lists every assigned opcode, using the Opcode constants", () => {
    expect(OPCODE_REGISTRY.map((o) => o.opcode)).toEqual(Object.values(Opcode));
    expect(lookupOpcode(0x8)).toEqual({ opcode: Opcode.Close, meaning: "Connection Close Frame", reference: "RFC 6455" });
    expect(lookupOpcode(0xa)?.meaning).toBe("Pong Frame");
    for (let op = 0; op < 16; op++) expect(lookupOpcode(op) === undefined).toBe(isReservedOpcode(op));
  });

  it("§11.6 lists versions 0-13 with their status", () => {
    expect(VERSION_REGISTRY.map((v) => v.version)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(lookupVersion(8)).toEqual({ version: 8, status: "Interim", reference: "draft-ietf-hybi-thewebsocketprotocol-08" });
    expect(lookupVersion(0)?.reference).toBe("draft-ietf-hybi-thewebsocketprotocol-00");
    for (const v of [9, 10, 11, 12]) expect(lookupVersion(v)).toEqual({ version: v, status: "Reserved", reference: null });
    expect(lookupVersion(13)).toEqual({ version: 13, status: "Standard", reference: "RFC 6455" });
    expect(lookupVersion(14)).toBeUndefined();
  });

  it("§11.4 lists permessage-deflate", () => {
    expect(EXTENSION_REGISTRY).toHaveLength(1);
    expect(lookupExtension("permessage-deflate")).toMatchObject({ commonName: "WebSocket Per-Message Deflate", reference: "RFC 7692" });
    expect(lookupExtension("Permessage-Deflate")).toBeUndefined();
  });

  it("§11.5 lists the registered subprotocols, looked up with exact case", () => {
    expect(SUBPROTOCOL_REGISTRY).toHaveLength(25);
    const names = SUBPROTOCOL_REGISTRY.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(isToken(name), name).toBe(true);
    expect(lookupSubprotocol("mqtt")).toMatchObject({ commonName: "mqtt", definition: "MQTT Version 3.1.1" });
    expect(lookupSubprotocol("v12.stomp")?.definition).toBe("http://stomp.github.com/stomp-specification-1.2.html");
    expect(lookupSubprotocol("xmpp")?.reference).toBe("RFC 7395");
    expect(lookupSubprotocol("MBWS.huawei.com")?.commonName).toBe("MBWS");
    expect(lookupSubprotocol("MQTT")).toBeUndefined();
    expect(lookupSubprotocol("mbws.huawei.com")).toBeUndefined();
    expect(lookupSubprotocol("graphql-ws")).toBeUndefined(); // widely used, never registered
    expect(lookupSubprotocol("__proto__")).toBeUndefined();
  });

  it("§11.9 lists RSV1 as the per-message compressed bit", () => {
    expect(HEADER_BITS_REGISTRY.map((b) => b.bit)).toEqual(["RSV1"]);
  });

  it("§11.7 re-exports the close code registry from close.ts", () => {
    expect(CLOSE_CODE_REGISTRY).toBe(CLOSE_FROM_CLOSE);
    expect(lookupCloseCode).toBe(lookupFromClose);
    expect(lookupCloseCode(1000)?.name).toBe("Normal Closure");
  });
});
