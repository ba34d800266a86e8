/** The adapter suite on the npm `bun` binary: test/run-suite.ts in a child process, one vitest test per case. */
import { describeChildSuite } from "@wsengine/adapter-suite/node";

describeChildSuite("bun", "packages/bun/test/run-suite.ts");
