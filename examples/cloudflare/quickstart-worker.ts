/**
 * Quick start (Cloudflare Workers): a Worker that opens a WebSocket to a server over a TCP socket
 * (`connect()` from `cloudflare:sockets`), sends one message and answers with the echo.
 *
 * Run:  npx tsx examples/cloudflare/run-quickstart.ts    (workerd via miniflare, a local echo server)
 */
import { connect, permessageDeflate } from "@wsengine/cloudflare";

export interface Env {
  readonly UPSTREAM_URL: string; // for example wss://backend.example.com/feed
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const ws = await connect(env.UPSTREAM_URL, { extensions: [permessageDeflate()], handshakeTimeout: 5_000 });
    const reply = new Promise((resolve) => ws.once("message", resolve));
    await ws.send(`hello from a Worker at ${new URL(request.url).pathname}`);
    const echo = await reply;
    const { code, wasClean } = await ws.close(1000, "done");
    return new Response(`echo: ${String(echo)}\nclosed ${code}, clean: ${wasClean}\n`);
  },
};
