/**
 * For packages/adapter-suite/test/utf8-slice.test.ts: the decoder @wsengine/bun lends core
 * (`decodeUtf8Slice`, Buffer's `utf8Slice`) on the installed `bun`, through the adapter suite's
 * `checkUtf8Slice`. Prints its report as one JSON line.
 *   node_modules/.bin/bun run packages/bun/test/utf8-slice.ts
 */
import type { CommonOptions } from "@wsengine/core";
import { checkUtf8Slice } from "@wsengine/adapter-suite";
import { withBunDefaults } from "../src/defaults.js";

console.log(JSON.stringify(checkUtf8Slice(withBunDefaults<CommonOptions>({}).decodeUtf8Slice!)));
