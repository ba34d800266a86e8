/** An interop echo peer on Deno: prints its URL, then echoes (see serveEchoPeer) until killed. */
import { ECHO_PEER_OPTIONS, PEER_PREFIX, serveEchoPeer } from "@wsengine/adapter-suite";
import { listen } from "../src/index.js";

const wss = listen({ ...ECHO_PEER_OPTIONS, hostname: "127.0.0.1", onConnection: serveEchoPeer });
console.log(PEER_PREFIX + JSON.stringify({ url: `ws://127.0.0.1:${wss.port}` }));
