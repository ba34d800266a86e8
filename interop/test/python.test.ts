/**
 * Debian's python3-websockets (the system python's, /usr/bin/python3) as a real peer process,
 * both roles, compression off, on with its defaults (its server asks for 12-bit windows), and
 * on with every RFC 7692 parameter (no context takeover both ways, windows 10 and 9), over TCP
 * and TLS. Skips loudly when the package is missing (scripts/install-system-deps.sh installs it).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type PythonPeer, startPython } from "../helpers/python.js";
import { CLIENT_CLOSE, PLANS, planAsJsonLines, SERVER_CLOSE } from "../helpers/plan.js";
import { type CompressionMode, runOurClientSuite, runOurServerSuite } from "../helpers/suite.js";
import { pythonWebsockets } from "../helpers/tools.js";

const python = pythonWebsockets();
const dir = mkdtempSync(join(tmpdir(), "wsengine-interop-py-"));
const planFile = join(dir, "full.jsonl");
const peers = new Set<PythonPeer>();

beforeAll(() => writeFileSync(planFile, planAsJsonLines(PLANS.full)));
afterAll(async () => {
  await Promise.all([...peers].map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(python.skip)(`the system python has websockets (${python.detail})`, () => {
  expect(python.available).toBe(true);
});

function run(script: string, args: readonly string[]): PythonPeer {
  const peer = startPython(script, args);
  peers.add(peer);
  void peer.exited.then(() => peers.delete(peer));
  return peer;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

runOurServerSuite({
  name: "python3-websockets",
  skip: python.skip,
  compresses: true,
  modes: [
    { name: "compression off", ours: false, peer: "off", negotiated: false },
    { name: "compression on (its defaults)", ours: {}, peer: "deflate", negotiated: true },
    {
      name: "compression on, every parameter",
      ours: {},
      peer: "deflate-params",
      negotiated: true,
      // Our server grants the requests; it allows any client window, so it leaves client_max_window_bits out.
      response: { server_no_context_takeover: true, client_no_context_takeover: true, server_max_window_bits: "10" },
    },
  ] satisfies CompressionMode[],
  run: async ({ url, closer, mode, tls }) => {
    const peer = run("echo_client.py", [
      url,
      "--plan", planFile,
      "--compression", mode.peer,
      ...(tls === null ? [] : ["--cafile", tls.certPath]),
      "--closer", closer,
      "--close-code", String(CLIENT_CLOSE.code),
      "--close-reason", CLIENT_CLOSE.reason,
    ]);
    try {
      const open = await peer.next("open", 15_000);
      const result = await peer.next("result", 60_000);
      const close = await peer.next("close", 10_000);
      return {
        extensions: str(open["extensions"]),
        problems: result["count"] === PLANS.full.length ? (result["problems"] as string[]) : [`${String(result["count"])} echoes`, ...(result["problems"] as string[])],
        close: { code: Number(close["code"]), reason: str(close["reason"]) },
      };
    } finally {
      await peer.stop();
    }
  },
});

runOurClientSuite({
  name: "python3-websockets",
  skip: python.skip,
  compresses: true,
  modes: [
    { name: "compression off", ours: false, peer: "off", negotiated: false },
    { name: "compression on (its defaults)", ours: {}, peer: "deflate", negotiated: true },
    {
      name: "compression on, every parameter",
      ours: {},
      peer: "deflate-params",
      negotiated: true,
      response: { server_no_context_takeover: true, client_no_context_takeover: true, server_max_window_bits: "10", client_max_window_bits: "9" },
    },
  ] satisfies CompressionMode[],
  start: async ({ mode, tls }) => {
    const peer = run("echo_server.py", [
      "--plan", planFile,
      "--compression", mode.peer,
      ...(tls === null ? [] : ["--certfile", tls.certPath, "--keyfile", tls.keyPath]),
      "--close-code", String(SERVER_CLOSE.code),
      "--close-reason", SERVER_CLOSE.reason,
    ]);
    const listening = await peer.next("listening", 15_000);
    return {
      port: Number(listening["port"]),
      lastConnection: async () => {
        const c = await peer.next("connection", 15_000);
        return {
          offer: typeof c["offer"] === "string" ? c["offer"] : undefined,
          response: typeof c["response"] === "string" ? c["response"] : undefined,
          problems: c["problems"] as string[],
          count: Number(c["count"]),
          close: { code: Number(c["code"]), reason: str(c["reason"]) },
        };
      },
      close: () => peer.stop(),
    };
  },
});
