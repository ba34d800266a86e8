/**
 * `@wsengine/node`: WebSocket servers and clients for Node.js, a thin binding of node:net,
 * node:tls and node:http to `@wsengine/session`.
 *
 * @packageDocumentation
 */
export { attach, listen, WebSocketServer } from "./server.js";
export type { ConnectionInfo, ListenOptions, ServerBinding, WebSocketServerOptions } from "./server.js";
export { connect, openSession } from "./client.js";
export type { ConnectOptions } from "./client.js";
export { WebSocket } from "./websocket.js";
export { NodeSocketTransport } from "./transport.js";
export { toRequestHead } from "./request.js";
export { nativeMask, withNodeDefaults } from "./native-mask.js";
// Shadows the re-export of core's factory below: on Node, whole messages go through zlib.
export { permessageDeflate, zlibDeflate } from "./zlib-deflate.js";
export * from "@wsengine/session/reexports";
export type { ShutdownOptions, UpgradeDecision } from "@wsengine/session";
export type { UpgradeRequest } from "@wsengine/core";
