/**
 * @wsengine/node and @wsengine/bun lend core Buffer's `utf8Slice` to decode short text straight
 * from its read (core's `decodeUtf8Slice`), and @wsengine/bun lends Buffer's `utf8Write` to encode
 * short text into the outgoing buffer (`writeUtf8`). Each goes through the suite's checks: Node's
 * here, Bun's in packages/bun/test/utf8-codecs.ts on the installed `bun`. A release whose codec is
 * missing, drops a byte order mark, hides ill-formed input, splits a character or touches bytes
 * outside its range fails.
 */
import type { CommonOptions } from "@wsengine/core";
import { withNodeDefaults } from "@wsengine/node";
import { afterAll, describe, expect, it } from "vitest";
import { checkUtf8Slice, checkUtf8Write, type Utf8SliceReport, type Utf8WriteReport } from "../src/index.js";
import { findRuntime, killChildren, runArgs, runToExit } from "../src/node/index.js";

afterAll(() => killChildren());

const bun = findRuntime("bun");
if (bun.path === null) console.warn(`[bun] skipping the utf8Slice and utf8Write checks: ${bun.reason}`);

describe("the UTF-8 codecs the adapters lend core", () => {
  it("on Node decodes every range of a plain Uint8Array as TextDecoder does, a leading byte order mark kept", () => {
    const decode = withNodeDefaults<CommonOptions>({}).decodeUtf8Slice;
    expect(decode, "Buffer.prototype.utf8Slice is missing on this Node").toBeTypeOf("function");
    const report = checkUtf8Slice(decode!);
    expect(report.mismatches).toEqual([]);
    expect(report.ranges).toBeGreaterThan(10_000);
  });

  it("checkUtf8Slice accepts TextDecoder and refuses decoders that hide ill-formed input or read past the range", () => {
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const good = (bytes: Uint8Array, start: number, end: number): string => decoder.decode(bytes.subarray(start, end));
    expect(checkUtf8Slice(good).mismatches).toEqual([]);
    const dropping = (bytes: Uint8Array, start: number, end: number): string => good(bytes, start, end).replaceAll("\ufffd", "");
    expect(checkUtf8Slice(dropping).mismatches).not.toEqual([]);
    const past = (bytes: Uint8Array, start: number, end: number): string => good(bytes, start, end + 1);
    expect(checkUtf8Slice(past).mismatches).not.toEqual([]);
    const pastWhenAscii = (bytes: Uint8Array, start: number, end: number, ascii: boolean): string => good(bytes, start, ascii ? end + 1 : end);
    expect(checkUtf8Slice(pastWhenAscii).mismatches).not.toEqual([]);
    const latin1 = new TextDecoder("latin1");
    const latin1WhenAscii = (bytes: Uint8Array, start: number, end: number, ascii: boolean): string => (ascii ? latin1.decode(bytes.subarray(start, end)) : good(bytes, start, end));
    expect(checkUtf8Slice(latin1WhenAscii).mismatches).toEqual([]);
  });

  it("checkUtf8Write accepts TextEncoder's encodeInto and refuses writers that split a character or write past the range", () => {
    const encoder = new TextEncoder();
    const good = (text: string, bytes: Uint8Array, start: number, end: number): number => encoder.encodeInto(text, bytes.subarray(start, end)).written;
    expect(checkUtf8Write(good)).toEqual({ writes: expect.any(Number), mismatches: [] });
    // Fills the window with as many bytes of the encoding as fit, splitting the last character.
    const splitting = (text: string, bytes: Uint8Array, start: number, end: number): number => {
      const all = encoder.encode(text).subarray(0, end - start);
      bytes.set(all, start);
      return all.length;
    };
    expect(checkUtf8Write(splitting).mismatches).not.toEqual([]);
    const past = (text: string, bytes: Uint8Array, start: number, end: number): number => good(text, bytes, start, end + 1);
    expect(checkUtf8Write(past).mismatches).not.toEqual([]);
  });

  it.skipIf(bun.path === null)("on Bun decode every range as TextDecoder does, and write whole characters as TextEncoder does", async () => {
    const { exitCode, stdout, stderr } = await runToExit(bun.path!, runArgs("bun", "packages/bun/test/utf8-codecs.ts"));
    expect(exitCode, stderr).toBe(0);
    const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as { slice: Utf8SliceReport; write: Utf8WriteReport };
    expect(report.slice.mismatches).toEqual([]);
    expect(report.slice.ranges).toBeGreaterThan(10_000);
    expect(report.write.mismatches).toEqual([]);
    expect(report.write.writes).toBeGreaterThan(100);
  }, 60_000);
});
