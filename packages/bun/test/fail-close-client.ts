/**
 * A Bun client for test/fail-close.test.ts: connects to the URL given as argument, prints how the
 * connection closed as one JSON line (its only output), and exits once the socket is closed.
 *   node_modules/.bin/bun run packages/bun/test/fail-close-client.ts ws://127.0.0.1:PORT/
 */
import { connect } from "../src/index.js";

const session = await connect(process.argv[2]!, { closeTimeout: 5000 });
session.on("error", () => {});
const { code, reason, wasClean } = await session.closed;
console.log(JSON.stringify({ code, reason, wasClean }));
