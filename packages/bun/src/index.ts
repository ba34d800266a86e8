/**
 * @wsengine/bun: WebSocket servers and clients for Bun, a thin binding of `Bun.listen` and
 * `Bun.connect` (TCP and TLS) to @wsengine/session.
 */
export { listen, WebSocketServer } from "./server.js";
export type { ConnectionInfo, ListenOptions, ShutdownOptions, WebSocketServerOptions } from "./server.js";
export { connect, openSession } from "./client.js";
export type { ConnectOptions } from "./client.js";
export { WebSocket } from "./websocket.js";
export { BunSocketTransport, SOCKET_HANDLERS, TLS_CLIENT_HANDLERS } from "./transport.js";
export type { TransportSocket } from "./transport.js";
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
