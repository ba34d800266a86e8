/**
 * A Worker that relays browser WebSockets to an upstream WebSocket server. It accepts the
 * browser's side with the platform's `WebSocketPair` and opens the upstream side with
 * @wsengine/cloudflare over a TCP socket (`connect()` from `cloudflare:sockets`), so the upstream
 * connection can carry headers, subprotocols and compression of its own choosing.
 *
 * Run:  npx tsx examples/cloudflare/run-relay.ts    (in workerd, an echo server as upstream;
 *       serves ws://127.0.0.1:8787; --once sends one message through it and exits; the same:
 *       pnpm -C examples relay [--once])
 *
 * Deploy: bundle with the `cloudflare:sockets` import left external and set UPSTREAM_URL.
 */
import { isSendableCloseCode } from "@wsengine/core";
import { connect, permessageDeflate, type WebSocketSession } from "@wsengine/cloudflare";

export interface Env {
  /** Where to relay to, for example `wss://backend.example.com`; the request's path and query are kept. */
  readonly UPSTREAM_URL: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade\n", { status: 426, headers: { Upgrade: "websocket" } });
    }
    const url = new URL(request.url);
    const protocols = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
    // Open the upstream first, so a refusal reaches the browser as an HTTP status.
    let upstream: WebSocketSession;
    try {
      upstream = await connect(new URL(url.pathname + url.search, env.UPSTREAM_URL), {
        protocols,
        extensions: [permessageDeflate()],
        headers: { "X-Forwarded-For": request.headers.get("cf-connecting-ip") ?? "unknown" },
        pingInterval: 30_000,
      });
    } catch (error) {
      return new Response(`upstream unavailable: ${error instanceof Error ? error.message : String(error)}\n`, { status: 502 });
    }
    const { 0: browserSide, 1: workerSide } = new WebSocketPair();
    // Since the websocket_standard_binary_type flag (on by default for recent compatibility
    // dates), binary messages arrive as Blobs unless asked otherwise.
    workerSide.binaryType = "arraybuffer";
    workerSide.accept();
    relay(workerSide, upstream);
    // The browser sees the subprotocol the upstream chose.
    return new Response(null, {
      status: 101,
      webSocket: browserSide,
      ...(upstream.protocol === null ? {} : { headers: { "Sec-WebSocket-Protocol": upstream.protocol } }),
    });
  },
};

/**
 * Pipe messages both ways and carry each side's close to the other. Neither WebSocketPair nor
 * the upstream send() is awaited: a WebSocketPair socket has no backpressure signal, so this
 * relay suits interactive traffic; bulk transfers should pace themselves end to end.
 */
function relay(browser: WorkersWebSocket, upstream: WebSocketSession): void {
  browser.addEventListener("message", (event) => {
    void upstream.send(typeof event.data === "string" ? event.data : new Uint8Array(event.data)).catch(() => {});
  });
  browser.addEventListener("close", (event) => {
    // 1005 (no code) and 1006 (no Close frame) cannot be sent on.
    void (isSendableCloseCode(event.code) ? upstream.close(event.code, event.reason) : upstream.close());
  });
  browser.addEventListener("error", () => upstream.terminate());
  upstream.on("message", (message) => browser.send(message));
  upstream.on("close", ({ code, reason }) => {
    try {
      if (isSendableCloseCode(code)) browser.close(code, reason);
      else if (code === 1005) browser.close();
      // RFC 6455 §7.4.1 1014: "acting as a gateway ... received an invalid response from the upstream".
      else browser.close(1014, "upstream closed abnormally");
    } catch {
      // The browser side is already closed.
    }
  });
}
