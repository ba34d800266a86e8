/**
 * Replays fuzz/corpus: every minimised failure a campaign found, and the committed seed inputs.
 * `status: "fixed"` entries must pass; `status: "open"` ones document a core bug not fixed yet
 * and are expected to fail (flip them to "fixed" with the fix).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CorpusEntry } from "../src/campaign.js";
import { targetByName } from "../src/targets/index.js";
import { fromJson } from "../src/targets/target.js";

const dir = fileURLToPath(new URL("../corpus/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

function replay(entry: CorpusEntry): void {
  const target = targetByName(entry.target);
  if (target === undefined) throw new Error(`unknown target ${entry.target}`);
  if (entry.input !== undefined) {
    target.check(fromJson(entry.input));
    return;
  }
  // Inputs that are not plain data (command sequences) replay from seed and path.
  const details = fc.check(fc.property(target.arbitrary, (input) => target.check(input)), { seed: entry.seed, path: entry.path, endOnFailure: true });
  if (details.failed) throw details.errorInstance;
}

describe("fuzz corpus", () => {
  it("has entries", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    const entry = JSON.parse(readFileSync(dir + file, "utf8")) as CorpusEntry;
    (entry.status === "open" ? it.fails : it)(`${file} (${entry.target}, ${entry.status}): ${entry.description.slice(0, 80)}`, () => replay(entry));
  }
});
