/**
 * For packages/adapter-suite/test/utf8-codecs.test.ts: the UTF-8 codecs @wsengine/bun lends core
 * (`decodeUtf8Slice`, Buffer's `utf8Slice`; `writeUtf8`, Buffer's `utf8Write`) on the installed
 * `bun`, through the adapter suite's `checkUtf8Slice` and `checkUtf8Write`. Prints their reports
 * as one JSON line.
 *   node_modules/.bin/bun run packages/bun/test/utf8-codecs.ts
 */
import type { CommonOptions } from "@wsengine/core";
import { checkUtf8Slice, checkUtf8Write } from "@wsengine/adapter-suite";
import { withBunDefaults } from "../src/defaults.js";

const options = withBunDefaults<CommonOptions>({});
console.log(JSON.stringify({ slice: checkUtf8Slice(options.decodeUtf8Slice!), write: checkUtf8Write(options.writeUtf8!) }));
