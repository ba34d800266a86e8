/**
 * `@wsengine/session`: the runtime-agnostic layer every `@wsengine` adapter shares. It drives a
 * core connection over a {@link Transport} (the adapter's few methods over its socket) and gives
 * applications a {@link WebSocketSession} (async iteration, promise-returning send/ping/close,
 * keepalive, timeouts, backpressure both ways) and a WHATWG `WebSocket`. Adapters build their
 * clients on {@link dialWebSocket} and their servers on {@link SessionServer}, supplying only the
 * runtime's listen and connect calls and a transport.
 *
 * @packageDocumentation
 */
export { WebSocketSession, FLUSH_THRESHOLD } from "./session.js";
export type { OpenInfo, ParsedRequest, ReadyState, SessionEventMap } from "./session.js";
export type { Transport, TransportHandler } from "./transport.js";
export { concatBytes } from "./bytes.js";
export { SESSION_DEFAULTS } from "./options.js";
export type { SessionOptions, UpgradeDecision, UpgradeHook } from "./options.js";
export { ConnectionClosedError, HandshakeRejectedError, WebSocketError } from "./errors.js";
export type { CloseInfo, WebSocketErrorCode } from "./errors.js";
export type { Message } from "./receive-queue.js";
export { followRedirect, hostOf, isRedirectStatus, parseWebSocketUrl, portOf, targetOf } from "./url.js";
export type { RedirectTarget } from "./url.js";
export { dialWebSocket, openClientSession } from "./client.js";
export type { DialOptions, RequestHeaders, TransportOpener, TransportTarget } from "./client.js";
export { SessionServer } from "./server.js";
export type { SessionServerOptions, ShutdownOptions } from "./server.js";
export { WhatwgWebSocket } from "./whatwg/websocket.js";
export type { BinaryType, WebSocketDialer, WebSocketEventHandler } from "./whatwg/websocket.js";
export { CloseEventClass, MessageEventClass, WebSocketCloseEvent, WebSocketMessageEvent } from "./whatwg/events.js";
export type { CloseEventInit, MessageEventInit } from "./whatwg/events.js";
export { createZlibDeflate, permessageDeflateWith } from "./zlib-deflate.js";
export type { ZlibModule } from "./zlib-deflate.js";
