/**
 * @wsengine/deno: WebSocket servers and clients for Deno, a thin binding of `Deno.listen`,
 * `Deno.listenTls`, `Deno.connect` and `Deno.connectTls` to @wsengine/session.
 */
export { listen, WebSocketServer } from "./server.js";
export type { ConnectionInfo, ListenOptions, ServerBinding, ShutdownOptions, WebSocketServerOptions } from "./server.js";
export { connect, openSession } from "./client.js";
export type { ConnectOptions } from "./client.js";
export { WebSocket } from "./websocket.js";
export { DenoConnTransport, WRITE_HIGH_WATER_MARK } from "./transport.js";
export type { DenoConn } from "./transport.js";
export {
  type CloseInfo,
  ConnectionClosedError,
  HandshakeRejectedError,
  type Message,
  type SessionOptions,
  type UpgradeDecision,
  WebSocketError,
  WebSocketSession,
} from "@wsengine/session";
export { permessageDeflate } from "@wsengine/core";
export type { HttpHeaders, PerMessageDeflateOptions, UpgradeRequest } from "@wsengine/core";
