/** The adapter suite on the npm `deno` binary: test/run-suite.ts in a child process, one vitest test per case. */
import { describeChildSuite } from "@wsengine/adapter-suite/node";

describeChildSuite("deno", "packages/deno/test/run-suite.ts");
