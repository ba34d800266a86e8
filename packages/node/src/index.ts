/**
 * @wsengine/node: WebSocket servers and clients for Node.js, a thin binding of node:net,
 * node:tls and node:http to @wsengine/session.
 */
export { attach, listen, WebSocketServer } from "./server.js";
export type { ConnectionInfo, ListenOptions, ServerBinding, ShutdownOptions, WebSocketServerOptions } from "./server.js";
export { connect, openSession } from "./client.js";
export type { ConnectOptions } from "./client.js";
export { WebSocket } from "./websocket.js";
export { NodeSocketTransport } from "./transport.js";
export { toRequestHead } from "./request.js";
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
