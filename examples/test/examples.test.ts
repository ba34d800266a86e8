/**
 * Every runnable example, started with the command in its header: it starts, exchanges a
 * message, and stops (by itself, or on SIGINT as a person would stop it), each within a bound.
 * Covered elsewhere: examples/deno/echo-* and examples/bun/echo-* over ws:// and wss:// in
 * packages/adapter-suite/test/examples.test.ts; relay-worker.ts case by case in
 * packages/cloudflare/test/relay-example.test.ts (here: its one command, run-relay.ts --once).
 */
import { connect, HandshakeRejectedError, type Message } from "@wsengine/node";
import { afterAll, describe, expect, it } from "vitest";
import { exitCode, killChildren, runtime, startNode, startRuntime } from "./helpers.js";

afterAll(killChildren);

describe("quick starts (the README's code)", () => {
  it("node: examples/node/quickstart.ts", async () => {
    const example = startNode("examples/node/quickstart.ts");
    expect(await exitCode(example, 20_000)).toBe(0);
    expect(example.output()).toContain("echo: hello from Node\nclosed 1000, clean: true\n");
  });

  for (const name of ["deno", "bun"] as const) {
    it(`${name}: examples/${name}/quickstart.ts`, async (ctx) => {
      const binary = runtime(name);
      if (binary.path === null) return ctx.skip(`${name} unavailable: ${binary.reason}`);
      const args = name === "deno" ? ["run", "--allow-net", "examples/deno/quickstart.ts"] : ["examples/bun/quickstart.ts"];
      const example = startRuntime(binary.path, args);
      expect(await exitCode(example, 30_000)).toBe(0);
      expect(example.output()).toContain(`echo: hello from ${name === "deno" ? "Deno" : "Bun"}\nclosed 1000, clean: true\n`);
    });
  }

  it("cloudflare: examples/cloudflare/quickstart-worker.ts in workerd", async () => {
    const example = startNode("examples/cloudflare/run-quickstart.ts");
    expect(await exitCode(example, 45_000)).toBe(0);
    expect(example.output()).toContain("echo: hello from a Worker at /quickstart\nclosed 1000, clean: true\n");
  });
});

describe("examples/", () => {
  it("in-memory-demo.ts (npm run demo) runs both handshakes to the end", async () => {
    const example = startNode("examples/in-memory-demo.ts");
    expect(await exitCode(example, 20_000)).toBe(0);
    expect(example.output()).toContain('[client] text "{\\"type\\":\\"welcome\\"');
    expect(example.output()).toContain("client: closed, server: closed");
  });

  it("custom-transport/web-streams.ts: core over a pair of Web Streams", async () => {
    const example = startNode("examples/custom-transport/web-streams.ts");
    expect(await exitCode(example, 20_000)).toBe(0);
    const output = example.output();
    expect(output).toContain('client: echo "HELLO OVER A PAIR OF WEB STREAMS"');
    expect(output).toContain('client: closed 1000 "done" clean=true');
    expect(output).toContain('server: closed 1000 "done" clean=true');
  });

  it("node/echo-server.ts with node/client.ts: lines typed come back; Ctrl+D closes; SIGINT stops the server", async () => {
    const server = startNode("examples/node/echo-server.ts", [], { PORT: "0" });
    const [, url] = await server.waitFor(/echo server on (ws:\/\/\S+)/, 20_000);
    const health = await fetch(`${url!.replace("ws:", "http:")}/health`);
    expect(await health.text()).toBe("ok\n");

    const client = startNode("examples/node/client.ts", [url!]);
    await client.waitFor(/connected to/, 20_000);
    client.type("hello\n");
    await client.waitFor(/^hello$/m, 5_000);
    client.type("wörld ✓\n");
    await client.waitFor(/^wörld ✓$/m, 5_000);
    client.child.stdin!.end();
    expect(await exitCode(client, 10_000)).toBe(0);
    expect(client.output()).toContain("closed: 1000 bye (clean: true)");
    await server.waitFor(/- \S+ 1000 bye clean=true/, 5_000);

    server.child.kill("SIGINT");
    expect(await exitCode(server, 10_000)).toBe(0);
  }, 45_000);

  it("node/chat-server.ts: serves the page, refuses a foreign Origin (403), broadcasts", async () => {
    const server = startNode("examples/node/chat-server.ts", [], { PORT: "0" });
    const [, base] = await server.waitFor(/chat on (http:\/\/\S+?)\/ /, 20_000);
    const page = await fetch(`${base!}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>wsengine chat</title>");
    const url = `${base!.replace("http:", "ws:")}/chat`;

    const refused = await connect(url, { origin: "https://evil.example" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HandshakeRejectedError);
    expect((refused as HandshakeRejectedError).status).toBe(403);

    const ws = await connect(url, { origin: base! });
    const inbox: Message[] = [];
    let arrived: () => void = () => {};
    ws.on("message", (message) => {
      inbox.push(message);
      arrived();
    });
    const next = async (): Promise<{ from: string; text: string }> => {
      if (inbox.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
      return JSON.parse(String(inbox.shift())) as { from: string; text: string };
    };
    const welcome = await next();
    expect(welcome.text).toMatch(/^welcome, guest-\d+$/);
    expect(await next()).toEqual({ from: "server", text: `${welcome.text.slice("welcome, ".length)} joined` });
    await ws.send("hi everyone");
    expect(await next()).toEqual({ from: welcome.text.slice("welcome, ".length), text: "hi everyone" });
    expect((await ws.close(1000, "bye")).wasClean).toBe(true);

    server.child.kill("SIGINT");
    expect(await exitCode(server, 10_000)).toBe(0);
  }, 45_000);

  it("cloudflare/run-relay.ts --once: a message through the relay Worker in workerd", async () => {
    const example = startNode("examples/cloudflare/run-relay.ts", ["--once"]);
    expect(await exitCode(example, 45_000)).toBe(0);
    expect(example.output()).toContain("protocol chat; echo: hello through the relay ✓");
  }, 60_000);
});
