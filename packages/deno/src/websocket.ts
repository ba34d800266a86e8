/** The WHATWG `WebSocket` for Deno over {@link openSession}, with Deno-only options as a third argument. */
import { WhatwgWebSocket } from "@wsengine/session";
import { type ConnectOptions, openSession } from "./client.js";

/**
 * A browser-compatible WebSocket client on this adapter (Deno's own global `WebSocket` is a
 * separate implementation). The optional third argument takes headers, TLS, compression and timeouts.
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
