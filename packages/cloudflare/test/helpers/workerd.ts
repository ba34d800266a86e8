/**
 * Running code in real workerd from Node: bundle a Worker with esbuild, start it with miniflare
 * (which spawns the `workerd` binary from npm's `@cloudflare/workerd-linux-64`).
 */
import { build } from "esbuild";

/**
 * The compatibility date of the test Workers: at most the bundled workerd's own date
 * (miniflare 4.20260426.0 ships workerd 1.20260426.1).
 */
export const COMPATIBILITY_DATE = "2026-04-01";

/**
 * Bundle `entry` (TypeScript, workspace packages' `.ts` sources, fflate) into one ES module for
 * workerd. `cloudflare:*` modules are the runtime's own and stay imports.
 */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker"],
    target: "es2022",
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/**
 * The network service the Workers' `connect()` and `fetch()` go through. miniflare's default
 * "internet" service already allows private addresses (loopback included) but trusts only the
 * public CAs, so the tests replace it with one that also trusts the test certificate. Raw
 * workerd's implicit "internet" service allows only "public": a capnp config needs
 * `network = (allow = ["public", "local"])` or `["public", "private"]` for 127.0.0.1.
 */
export function loopbackNetwork(trustedCertificates: readonly string[]): {
  network: { allow: string[]; deny: string[]; tlsOptions: { trustedCertificates: string[] } };
} {
  return { network: { allow: ["public", "private", "local"], deny: [], tlsOptions: { trustedCertificates: [...trustedCertificates] } } };
}
