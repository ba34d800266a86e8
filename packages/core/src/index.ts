/**
 * `@wsengine/core`: a sans-I/O WebSocket engine (RFC 6455, RFC 7692). Bytes in, events and bytes
 * out; no sockets, timers or runtime globals. See the README's integration loop.
 *
 * @packageDocumentation
 */
export { ClientConnection, Connection, ServerConnection } from "./connection.js";
export type { AcceptOptions, RejectOptions, SendOptions } from "./connection.js";
export type * from "./events.js";
export { DEFAULTS } from "./options.js";
export type { ClientOptions, CommonOptions, ServerOptions } from "./options.js";
export { STATES, TRANSITIONS, TRIGGERS, transition } from "./state.js";
export type { ConnectionState, Trigger } from "./state.js";
export { ERROR_CODES, HandshakeError, InternalError, LocalProtocolError, ProtocolError, RemoteProtocolError } from "./errors.js";
export type { ErrorCode } from "./errors.js";
export { CLOSE_CODE_REGISTRY, CloseCode, isSendableCloseCode, lookupCloseCode, MAX_CLOSE_REASON_BYTES } from "./close.js";
export type { CloseCodeInfo } from "./close.js";
export { parseClosePayload, serializeClosePayload, truncateReason } from "./close-payload.js";
export { isControlOpcode, isReservedOpcode, MAX_CONTROL_PAYLOAD, Opcode, RSV1, RSV2, RSV3 } from "./frame/opcode.js";
export { encodeFrame } from "./frame/encoder.js";
export type { Frame } from "./frame/encoder.js";
export { FrameDecoder } from "./frame/decoder.js";
export type { FrameDecoderOptions } from "./frame/decoder.js";
export { mask, maskInto } from "./frame/mask.js";
export type { MaskFunction } from "./frame/mask.js";
export type {
  ClientExtensionFactory,
  EncodedFragment,
  Extension,
  ExtensionOffer,
  ExtensionParam,
  ServerExtensionFactory,
} from "./extensions/extension.js";
export { permessageDeflate } from "./extensions/permessage-deflate.js";
export type { NativeDeflate, PerMessageDeflateOptions } from "./extensions/permessage-deflate.js";
export type { HttpHeaders, HttpRequestHead, HttpResponseHead, UpgradeRequest } from "./handshake/types.js";
export { HeaderList } from "./handshake/headers.js";
export { computeAcceptKey } from "./handshake/accept-key.js";
export { pooledRandom } from "./internal/random.js";
export { slabAllocator } from "./slab-allocator.js";
export type { SlabAllocator, SlabAllocatorOptions } from "./slab-allocator.js";
export type { RandomSource } from "./internal/random.js";
export { isValidUtf8, Utf8Validator } from "./internal/utf8.js";
export {
  EXTENSION_REGISTRY,
  HEADER_BITS_REGISTRY,
  lookupExtension,
  lookupOpcode,
  lookupSubprotocol,
  lookupVersion,
  OPCODE_REGISTRY,
  SUBPROTOCOL_REGISTRY,
  VERSION_REGISTRY,
} from "./registry.js";
export type { ExtensionInfo, HeaderBitInfo, OpcodeInfo, SubprotocolInfo, VersionInfo, VersionStatus } from "./registry.js";
