/**
 * `@wsengine/deno`: WebSocket servers and clients for Deno, a thin binding of `Deno.listen`,
 * `Deno.listenTls`, `Deno.connect` and `Deno.connectTls` to `@wsengine/session`.
 *
 * @packageDocumentation
 */
export { listen, WebSocketServer } from "./server.js";
export type { ConnectionInfo, ListenOptions, ServerBinding, WebSocketServerOptions } from "./server.js";
export { connect, openSession } from "./client.js";
export type { ConnectOptions } from "./client.js";
export { WebSocket } from "./websocket.js";
export { DenoConnTransport, WRITE_HIGH_WATER_MARK } from "./transport.js";
export type { DenoConn } from "./transport.js";
export * from "@wsengine/session/reexports";
export type { ShutdownOptions, UpgradeDecision } from "@wsengine/session";
export type { UpgradeRequest } from "@wsengine/core";
