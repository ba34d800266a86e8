/**
 * @wsengine/adapter-suite: the runtime-neutral suite every adapter runs unchanged, and the
 * cross-runtime interop cases. `@wsengine/adapter-suite/node` holds the Node-side helpers that
 * run Deno and Bun as child processes from vitest.
 */
export { adapterCases } from "./suite.js";
export { ECHO_PEER_OPTIONS, interopCases, PEER_PREFIX, REPLY_PREFIX, serveEchoPeer } from "./interop.js";
export { DEFAULT_CASE_TIMEOUT, executeCase, printResult, RESULT_PREFIX, runCases, skipReason } from "./runner.js";
export type { Case, CaseResult, Scope } from "./runner.js";
export { adapterHarness } from "./harness.js";
export type {
  AdapterBinding,
  Capabilities,
  Capability,
  Harness,
  ListeningServer,
  SuiteClientOptions,
  SuiteServer,
  SuiteServerOptions,
  TestCertificatePem,
  WebSocketFactory,
  WebSocketLike,
} from "./harness.js";
export { checkUtf8Slice, checkUtf8Write } from "./utf8-codecs.js";
export type { Utf8SliceReport, Utf8WriteReport } from "./utf8-codecs.js";
export { AssertionError, assert, assertBytes, assertEqual, pattern, sleep, until, within } from "./assert.js";
