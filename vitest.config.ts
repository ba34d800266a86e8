import { defineConfig } from "vitest/config";

// One project per package; the slow interop suites are their own projects so they can be run alone.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "core",
          root: "packages/core",
          include: ["test/**/*.test.ts"],
          // Property tests do real work per run; a busy 2-core CI machine must not turn that into a timeout.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "session",
          root: "packages/session",
          include: ["test/**/*.test.ts"],
        },
      },
      {
        // Real sockets on 127.0.0.1; each test uses short timeouts so the suite stays fast.
        test: {
          name: "node",
          root: "packages/node",
          include: ["test/**/*.test.ts"],
          testTimeout: 10_000,
        },
      },
      {
        // The shared adapter suite on Node (in-process) and cross-runtime interop: Deno and Bun
        // (the npm deno/bun binaries) as child processes; see packages/adapter-suite/README.md.
        test: {
          name: "adapter-suite",
          root: "packages/adapter-suite",
          include: ["test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The shared adapter suite on the npm deno binary, one child process.
        test: {
          name: "deno",
          root: "packages/deno",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The shared adapter suite on the npm bun binary, one child process.
        test: {
          name: "bun",
          root: "packages/bun",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Real workerd (miniflare spawns npm's workerd binary) talking to Node servers on
        // 127.0.0.1 through cloudflare:sockets; see packages/cloudflare/README.md.
        test: {
          name: "cloudflare",
          root: "packages/cloudflare",
          include: ["test/**/*.test.ts"],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Real peers in real processes over 127.0.0.1: ws, undici, python3-websockets, Chromium.
        // Tools a machine lacks skip loudly (under CI=true they fail); see interop/README.md.
        test: {
          name: "interop",
          root: "interop",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The conformance kit: its oracle, runs against core (in memory and over node:net), our
        // Node server and client, and ws; the bad-input catalogue as tests. All on 127.0.0.1.
        test: {
          name: "conformance",
          root: "packages/conformance",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
      {
        // Replays the minimised fuzz failures in fuzz/corpus and runs the model target as the state
        // machine's model-based property test (the campaigns are `pnpm --filter @wsengine/fuzz fuzz`).
        test: {
          name: "fuzz",
          root: "fuzz",
          include: ["test/**/*.test.ts"],
          // As for core's property tests: a busy 2-core CI machine must not turn real work into a timeout.
          testTimeout: 60_000,
        },
      },
      {
        // Smoke tests of examples/: each runs with the command in its header, exchanges a message
        // and stops (Deno and Bun on the npm binaries, Workers in workerd); the README's quick
        // starts are checked against the example files. See examples/README.md.
        test: {
          name: "examples",
          root: "examples",
          include: ["test/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
