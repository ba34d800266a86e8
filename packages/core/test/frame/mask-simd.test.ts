import { readFileSync } from "node:fs";
import wabt from "wabt";
import { describe, expect, it } from "vitest";
import { loadSimdMasker, SIMD_MODULE_BYTES, type WasmHost } from "../../src/frame/mask-simd.js";

describe("the WebAssembly SIMD masking module", () => {
  it("is mask-simd.wat assembled: the embedded bytes are what wabt makes of the source", async () => {
    const source = readFileSync(new URL("../../src/frame/mask-simd.wat", import.meta.url), "utf8");
    const module = (await wabt()).parseWat("mask-simd.wat", source, { simd: true });
    module.validate();
    const { buffer } = module.toBinary({});
    module.destroy();
    expect(Array.from(SIMD_MODULE_BYTES)).toEqual(Array.from(buffer));
  });

  it("is refused quietly where the host has no WebAssembly, refuses to compile, or lacks SIMD", () => {
    expect(loadSimdMasker(undefined)).toBeNull();
    // What workerd does with bytes: "Wasm code generation disallowed by embedder".
    const refusing: WasmHost = {
      Module: class {
        constructor() {
          throw new WebAssembly.CompileError("WebAssembly.Module(): Wasm code generation disallowed by embedder");
        }
      },
      Instance: WebAssembly.Instance as unknown as WasmHost["Instance"],
    };
    expect(loadSimdMasker(refusing)).toBeNull();
    // An instance whose exports are not the ones expected.
    const odd: WasmHost = {
      Module: WebAssembly.Module as unknown as WasmHost["Module"],
      Instance: class {
        readonly exports = { mask: 1 };
      },
    };
    expect(loadSimdMasker(odd)).toBeNull();
  });

  it("compiles with this host's WebAssembly and masks from key phase 0 to 3", () => {
    const masker = loadSimdMasker(WebAssembly as unknown as WasmHost)!;
    expect(masker).not.toBeNull();
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    for (let phase = 0; phase < 4; phase++) {
      const data = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff);
      const out = new Uint8Array(70_000);
      masker.mask(data, 0, out, 0, data.length, key, phase);
      expect(out.every((b, i) => b === (data[i]! ^ key[(phase + i) & 3]!))).toBe(true);
    }
  });
});
