/** The WHATWG `WebSocket` for Cloudflare Workers, over {@link openSession}. */
import { WhatwgWebSocket } from "@wsengine/session";
import { type ConnectOptions, openSession } from "./client.js";

/**
 * A browser-compatible WebSocket client over a Workers TCP socket. Unlike the platform's own
 * outbound WebSocket (`fetch` with `Upgrade: websocket`), it takes options as a third argument:
 * headers, compression, keepalive, limits.
 *
 * @example
 * const ws = new WebSocket("wss://example.com/feed", [], { headers: { Authorization: "Bearer t" } });
 * ws.onmessage = (event) => console.log((event as MessageEvent).data);
 */
export class WebSocket extends WhatwgWebSocket {
  constructor(url: string | URL, protocols?: string | readonly string[], options: Omit<ConnectOptions, "protocols" | "maxRedirects"> = {}) {
    super(url, protocols, (target, offered) => openSession(target, { ...options, protocols: offered }));
  }
}
