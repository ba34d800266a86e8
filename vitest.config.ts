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
    ],
  },
});
