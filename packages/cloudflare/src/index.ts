/**
 * `@wsengine/cloudflare`: WebSocket clients for Cloudflare Workers and Durable Objects, a thin
 * binding of `connect()` from `cloudflare:sockets` to `@wsengine/session`. Workers cannot listen on
 * TCP, so there is no server here: accept browser WebSockets with the platform's `WebSocketPair`.
 *
 * @packageDocumentation
 */
export { connect, openSession } from "./client.js";
export type { ConnectOptions, SocketConnector } from "./client.js";
export { WebSocket } from "./websocket.js";
export { CloudflareSocketTransport } from "./transport.js";
export type { SocketTransportOptions, WorkersSocket } from "./transport.js";
export * from "@wsengine/session/reexports";
