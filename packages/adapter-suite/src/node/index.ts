/** Node-side helpers of the adapter suite: runtime binaries, child processes, the test certificate. */
export { findRuntime, killChildren, runArgs, runChildSuite, runToExit, spawnTracked, startPeer, startPeerProcess, WORKSPACE_ROOT } from "./runtimes.js";
export type { ChildSuite, PeerOptions, PeerProcess, RuntimeBinary, RuntimeName } from "./runtimes.js";
export { certificateEnv, makeCertificate } from "./cert.js";
export { describeChildSuite } from "./vitest.js";
export type { TestCertificate } from "./cert.js";
