/** The kit's fast-check arbitraries. */
export {
  boundaryLength,
  brokenFrame,
  bytes,
  closeReason,
  compressedMessage,
  controlFrame,
  dataMessage,
  fragmentMessage,
  INVALID_CLOSE_CODES,
  INVALID_UTF8_SEQUENCES,
  invalidClosePayload,
  invalidUtf8,
  nonMinimalFrame,
  segmentCuts,
  sizedBytes,
  truncatedUtf8,
  VALID_CLOSE_CODES,
  validClosePayload,
  validText,
  wronglyMaskedFrame,
} from "./frames.js";
export type { DataMessageOptions } from "./frames.js";
export { extensionOffer, extensionOffers, requestMutation, requestSpec, responseSpec, VALID_RESPONSE } from "./handshake.js";
export type { RequestMutation } from "./handshake.js";
export { scenarioArbitrary } from "./scenarios.js";
