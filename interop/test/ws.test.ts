/**
 * `ws` (client and server) against ours with compression off and on, over TCP and TLS, with the
 * full plan. The parameter combinations of permessage-deflate are in ws-deflate-matrix.test.ts.
 */
import { runOurClientSuite, runOurServerSuite, type CompressionMode } from "../helpers/suite.js";
import { startWsServer, wsClientExchange } from "../helpers/ws-peer.js";

/** ws's defaults (threshold 1024, level 6... ) against ours (threshold 64). */
const MODES: readonly CompressionMode[] = [
  { name: "compression off", ours: false, peer: "off", negotiated: false },
  { name: "compression on", ours: {}, peer: "deflate", negotiated: true },
];

runOurServerSuite({
  name: "ws",
  skip: false,
  modes: MODES,
  compresses: true,
  run: async ({ url, plan, closer, mode, tls }) => {
    const outcome = await wsClientExchange(url, { perMessageDeflate: mode.peer === "deflate", ...(tls === null ? {} : { ca: tls.cert }) }, plan, closer);
    return { extensions: outcome.response ?? "", problems: outcome.problems, close: outcome.close };
  },
});

runOurClientSuite({
  name: "ws",
  skip: false,
  modes: MODES,
  compresses: true,
  start: async ({ mode, tls }) => {
    const server = await startWsServer(mode.peer === "deflate" ? {} : false, tls ?? undefined);
    return {
      port: server.port,
      lastConnection: async () => {
        const record = server.next();
        return { ...record, close: await record.closed };
      },
      close: () => server.close(),
    };
  },
});
