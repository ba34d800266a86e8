/** The interop cases with a Bun client against the echo peer at the URL given as argument. */
import { interopCases, printResult, runCases } from "@wsengine/adapter-suite";
import { connect, permessageDeflate } from "../src/index.js";

const url = process.argv[2]!;
const results = await runCases(interopCases((target, options = {}) => connect(target, options), url, permessageDeflate), { tls: true, builtinWebSocket: true }, printResult);
process.exit(results.some((r) => r.status === "fail") ? 1 : 0);
