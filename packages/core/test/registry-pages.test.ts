import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registryPages, ROOT } from "../../../scripts/registry-pages.js";
import { CLOSE_CODE_REGISTRY, OPCODE_REGISTRY, SUBPROTOCOL_REGISTRY } from "../src/registry.js";

describe("docs/reference pages generated from the IANA registries", () => {
  const pages = registryPages();

  it.each(Object.keys(pages))("%s matches the registries (npx tsx scripts/registry-pages.ts regenerates it)", (path) => {
    expect(readFileSync(join(ROOT, path), "utf8")).toBe(pages[path]);
  });

  it("lists every registered close code, opcode and subprotocol", () => {
    const closeCodes = pages["docs/reference/close-codes.md"]!;
    for (const { code } of CLOSE_CODE_REGISTRY) expect(closeCodes).toContain(`\n| ${code} |`);
    const opcodes = pages["docs/reference/opcodes.md"]!;
    for (const { opcode } of OPCODE_REGISTRY) expect(opcodes).toContain(`\n| ${opcode} |`);
    const subprotocols = pages["docs/reference/subprotocols.md"]!;
    for (const { name } of SUBPROTOCOL_REGISTRY) expect(subprotocols).toContain(`\n| \`${name}\` |`);
  });

  it("marks exactly 1004, 1005, 1006 and 1015 as not sendable", () => {
    const rows = pages["docs/reference/close-codes.md"]!.split("\n").filter((line) => line.includes("reported locally only"));
    expect(rows.map((row) => row.split(" | ")[0])).toEqual(["| 1004", "| 1005", "| 1006", "| 1015"]);
  });
});
