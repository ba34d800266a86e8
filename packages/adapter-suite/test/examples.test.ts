/**
 * The Deno and Bun examples run as their headers say (the npm binaries standing in for `npx deno`
 * and `npx bun`): each echo server with its own runtime's echo client, over ws:// and wss://.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findRuntime, killChildren, makeCertificate, type RuntimeName, spawnTracked } from "../src/node/index.js";

const COMMANDS: Record<RuntimeName, { server: string[]; client: string[] }> = {
  deno: {
    server: ["run", "--allow-net", "--allow-env", "--allow-read", "examples/deno/echo-server.ts"],
    client: ["run", "--allow-net", "--allow-env", "--allow-read", "examples/deno/echo-client.ts"],
  },
  bun: { server: ["examples/bun/echo-server.ts"], client: ["examples/bun/echo-client.ts"] },
};

const dir = mkdtempSync(join(tmpdir(), "wsengine-examples-"));
const certificate = makeCertificate();
const files = { TLS_CERT: join(dir, "cert.pem"), TLS_KEY: join(dir, "key.pem"), TLS_CA: join(dir, "ca.pem") };
writeFileSync(files.TLS_CERT, certificate.cert);
writeFileSync(files.TLS_KEY, certificate.key);
writeFileSync(files.TLS_CA, certificate.ca);

afterAll(() => {
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** Collect a child's output; resolve with the first match of `pattern` or reject at exit or timeout. */
function output(child: ChildProcess): { text: () => string; match(pattern: RegExp, ms: number): Promise<RegExpMatchArray>; exited: Promise<number | null> } {
  let text = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (text += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (text += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    text: () => text,
    exited,
    match: (pattern, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms:\n${text}`)), ms);
        const check = (): void => {
          const found = pattern.exec(text);
          if (found !== null) {
            clearTimeout(timer);
            resolve(found);
          }
        };
        child.stdout!.on("data", check);
        check();
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited before ${pattern}:\n${text}`));
        });
      }),
  };
}

for (const runtime of ["deno", "bun"] as const) {
  const binary = findRuntime(runtime);
  describe(`examples/${runtime}`, () => {
    for (const secure of [false, true]) {
      it(`echo-server and echo-client talk over ${secure ? "wss" : "ws"}://`, async (ctx) => {
        if (binary.path === null) return ctx.skip(`${runtime} unavailable: ${binary.reason}`);
        const tls = secure ? { TLS_CERT: files.TLS_CERT, TLS_KEY: files.TLS_KEY } : {};
        const server = spawnTracked(binary.path, COMMANDS[runtime].server, { PORT: "0", ...tls });
        const serverOutput = output(server);
        const [, url] = await serverOutput.match(/listening on (wss?:\/\/\S+)/, 20_000);
        const client = spawnTracked(binary.path, [...COMMANDS[runtime].client, url!, "hello", "wörld ✓"], secure ? { TLS_CA: files.TLS_CA } : {});
        const clientOutput = output(client);
        expect(await clientOutput.exited).toBe(0);
        expect(clientOutput.text()).toContain("echo: hello\necho: wörld ✓\necho: <65536 bytes of binary>\nclosed 1000");
        await serverOutput.match(/- closed 1000 bye/, 5_000);
        server.kill("SIGINT");
        expect(await serverOutput.exited).toBe(0);
      }, 40_000);
    }
  });
}
