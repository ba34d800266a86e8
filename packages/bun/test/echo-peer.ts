/** An interop echo peer on Bun: prints its URL, then echoes (see serveEchoPeer) until killed. */
import { ECHO_PEER_OPTIONS, PEER_PREFIX, serveEchoPeer } from "@wsengine/adapter-suite";
import { listen, permessageDeflate } from "../src/index.js";

// Bun's own permessage-deflate: whole messages through Bun's node:zlib.
const wss = listen({ ...ECHO_PEER_OPTIONS, extensions: [permessageDeflate()], hostname: "127.0.0.1", onConnection: serveEchoPeer });
console.log(PEER_PREFIX + JSON.stringify({ url: `ws://127.0.0.1:${wss.port}` }));
