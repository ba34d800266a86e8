/** The interop cases with a Deno client against the echo peer at the URL given as argument. */
import { interopCases, printResult, runCases } from "@wsengine/adapter-suite";
import { connect } from "../src/index.js";

const url = Deno.args[0]!;
const results = await runCases(interopCases((target, options = {}) => connect(target, options), url), { tls: true, builtinWebSocket: true }, printResult);
Deno.exit(results.some((r) => r.status === "fail") ? 1 : 0);
