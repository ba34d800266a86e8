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
    ],
  },
});
