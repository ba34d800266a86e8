/**
 * The application-facing names every adapter re-exports (`export * from "@wsengine/session/reexports"`),
 * so that an application imports everything from its one adapter package. Server-only names
 * (`UpgradeDecision`, `UpgradeRequest`) are left to the adapters that have servers.
 */
export { ConnectionClosedError, HandshakeRejectedError, WebSocketError } from "./errors.js";
export type { CloseInfo } from "./errors.js";
export type { Message } from "./receive-queue.js";
export type { SessionOptions } from "./options.js";
export { WebSocketSession } from "./session.js";
export { permessageDeflate } from "@wsengine/core";
export type { HttpHeaders, PerMessageDeflateOptions } from "@wsengine/core";
