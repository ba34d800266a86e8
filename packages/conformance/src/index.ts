/**
 * `@wsengine/conformance`: property-based RFC 6455 / RFC 7692 conformance testing of WebSocket
 * servers and clients over real TCP. fast-check arbitraries generate scenarios, an oracle
 * written from the RFC text says what the endpoint must do, fast-check shrinks failures to
 * minimal byte scripts, and the report comes as JSON and Markdown.
 *
 * @packageDocumentation
 */
export * from "./arbitraries/index.js";
export { bytesEqual, concat, fromHex, preview, toHex, utf8 } from "./bytes.js";
export { namedCases } from "./cases.js";
export { agreementFor, checkResponseAgainstOffer, formatExtensionHeader, inflateMessage, KitDeflater, KitInflater, parseDeflateParams, parseExtensionHeader } from "./deflate.js";
export type { CompressMode, DeflateAgreement, DeflateParams, ExtensionElement } from "./deflate.js";
export type { ClientResponseObservation, Endpoint, OpenResult } from "./endpoint.js";
export { runExchange } from "./exchange.js";
export type { ExchangePlan, ExchangeRecord, Link, WrittenFrame } from "./exchange.js";
export { describeFrame, encodeFrames, encodeWireFrame, frame, isControl, isReservedOpcode, OP, RSV1, RSV2, RSV3 } from "./frames.js";
export type { WireFrame } from "./frames.js";
export { checkClientRequest, expectClientOpens, expectHandshake, judgeClientResponse, judgeHandshake } from "./handshake.js";
export type { HandshakeCandidate, HandshakeObservation, HandshakeVerdict } from "./handshake.js";
export { abbreviateHead, acceptFor, encodeRequest, encodeResponse, KIT_KEY, readHead, validRequest } from "./http.js";
export type { ParsedHead, RequestSpec, ResponseSpec } from "./http.js";
export { judge } from "./judge.js";
export type { Verdict } from "./judge.js";
export { describeCandidate, expectReaction, isValidCloseCode } from "./oracle.js";
export type { Candidate, ExpectedMessage, Grade, OracleContext, Outcome } from "./oracle.js";
export { decodeWrittenFrame, formatOutcome, formatReplaySummary, readReport, replayReport, scenarioFromResult } from "./replay.js";
export type { RebuiltScenario, ReplayOptions, ReplayOutcome, ReplaySummary } from "./replay.js";
export { reportToJson, reportToMarkdown, writeReport } from "./report.js";
export { endpointFor, MAX_WHOLE_FRAME_BYTES, runConformance, runScenario, runScenarioDetailed, VERSION } from "./runner.js";
export type { ConformanceOptions, ConformanceReport, DetailedResult, GroupResult, ScenarioResult, Target } from "./runner.js";
export { deflaterFor, FINAL_CLOSE, GROUP_TITLES, GROUPS, leavesMessageOpen, realize, SENTINEL, tailFor } from "./scenario.js";
export type { CompressedMessage, FrameScenario, GroupName, HandshakeScenario, ResponseScenario, Scenario, ScriptItem } from "./scenario.js";
export { clientEndpoint, KIT_DEFLATE_OFFER, serverEndpoint, TcpLink } from "./tcp.js";
export type { ClientEndpointOptions, ServerEndpointOptions } from "./tcp.js";
export { describeObservation, describeReceived, PeerReader } from "./trace.js";
export type { Ending, Observation, Received } from "./trace.js";
export { isUtf8, Utf8Checker } from "./utf8.js";
