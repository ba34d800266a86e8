/** The WHATWG `WebSocket` for Node, over {@link openSession}. */
import { WhatwgWebSocket } from "@wsengine/session";
import { type ConnectOptions, openSession } from "./client.js";

/**
 * A browser-compatible WebSocket client. The optional third argument takes Node-only options
 * (headers, TLS, compression, timeouts), as `ws` does.
 *
 * @example
 * const ws = new WebSocket("ws://127.0.0.1:8080");
 * ws.onopen = () => ws.send("hi");
 * ws.onmessage = (event) => console.log((event as MessageEvent).data);
 */
export class WebSocket extends WhatwgWebSocket {
  constructor(url: string | URL, protocols?: string | readonly string[], options: Omit<ConnectOptions, "protocols" | "maxRedirects"> = {}) {
    super(url, protocols, (target, offered) => openSession(target, { ...options, protocols: offered }));
  }
}
