/**
 * `@wsengine/bun`: WebSocket servers and clients for Bun, a thin binding of `Bun.listen` and
 * `Bun.connect` (TCP and TLS) to `@wsengine/session`.
 *
 * @packageDocumentation
 */
export { listen, WebSocketServer } from "./server.js";
export type { ConnectionInfo, ListenOptions, WebSocketServerOptions } from "./server.js";
export { connect, openSession } from "./client.js";
export type { ConnectOptions } from "./client.js";
export { WebSocket } from "./websocket.js";
export { BunSocketTransport, SOCKET_HANDLERS, TLS_CLIENT_HANDLERS } from "./transport.js";
export type { TransportSocket } from "./transport.js";
// Shadows the re-export of core's factory below: on Bun, whole messages go through node:zlib.
export { permessageDeflate, zlibDeflate } from "./zlib-deflate.js";
export * from "@wsengine/session/reexports";
export type { ShutdownOptions, UpgradeDecision } from "@wsengine/session";
export type { UpgradeRequest } from "@wsengine/core";
