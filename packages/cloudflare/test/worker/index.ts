/**
 * The test Worker. `GET /worker/<scenario>?id=<case id>` runs a scenario in the fetch handler;
 * `GET /do/<scenario>` runs it inside the `ScenarioRunner` Durable Object;
 * `GET /worker/suite?kind=adapter|interop&name=<case>` (or `/do/suite?...`) runs one case of the
 * shared adapter suite. The Durable Object
 * also keeps one session across requests (`/do/persist-open`, `/do/persist-echo`,
 * `/do/persist-close`): sockets a Durable Object opens outlive the request that opened them.
 */
import { connect, type WebSocketSession } from "../../src/index.js";
import { executeCase } from "@wsengine/adapter-suite";
import { type Observation, SCENARIOS, type ScenarioEnv } from "./scenarios.js";
import { findSuiteCase, type SuiteEnv } from "./suite.js";

export interface Env extends ScenarioEnv, SuiteEnv {
  readonly RUNNER: DurableObjectNamespace;
}

function errorResponse(error: unknown): Response {
  const e = error instanceof Error ? error : new Error(String(error));
  return Response.json({ error: `${e.name}: ${e.message}`, stack: e.stack ?? null }, { status: 500 });
}

async function runSuiteCase(env: Env, url: URL): Promise<Response> {
  const query = new URLSearchParams(url.search);
  const testCase = findSuiteCase(env, query.get("kind") ?? "adapter", query.get("name") ?? "");
  if (testCase === undefined) return Response.json({ error: `no suite case ${query.get("name")}` }, { status: 404 });
  const started = Date.now();
  try {
    await executeCase(testCase);
    return Response.json({ observation: { status: "pass", ms: Date.now() - started } });
  } catch (error) {
    return errorResponse(error);
  }
}

async function run(name: string, env: Env, id: string, url: URL): Promise<Response> {
  return name === "suite" ? runSuiteCase(env, url) : runScenario(name, env, id);
}

async function runScenario(name: string, env: ScenarioEnv, id: string): Promise<Response> {
  const scenario = SCENARIOS[name];
  if (scenario === undefined) return Response.json({ error: `no scenario ${name}` }, { status: 404 });
  try {
    const observation: Observation = await scenario(env, id);
    return Response.json({ observation });
  } catch (error) {
    return errorResponse(error);
  }
}

function route(request: Request): { where: string; name: string; id: string; url: URL } {
  const url = new URL(request.url);
  const [, where = "", name = ""] = url.pathname.split("/");
  return { where, name, id: new URLSearchParams(url.search).get("id") ?? name, url };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { where, name, id, url } = route(request);
    if (where === "worker") return run(name, env, id, url);
    if (where === "do") return env.RUNNER.get(env.RUNNER.idFromName("runner")).fetch(request);
    return new Response("not found", { status: 404 });
  },
};

/** A Durable Object that runs the same scenarios, and holds a session between requests. */
export class ScenarioRunner {
  readonly #env: Env;
  #session: WebSocketSession | null = null;

  constructor(_state: DurableObjectState, env: Env) {
    this.#env = env;
  }

  async fetch(request: Request): Promise<Response> {
    const { name, id, url } = route(request);
    try {
      switch (name) {
        case "persist-open": {
          this.#session = await connect(`${this.#env.ECHO_URL}/echo`, { headers: { "X-Case-Id": id } });
          return Response.json({ observation: { readyState: this.#session.readyState } });
        }
        case "persist-echo": {
          const ws = this.#session!;
          const reply = new Promise((resolve) => ws.once("message", resolve));
          await ws.send(new URLSearchParams(new URL(request.url).search).get("m") ?? "");
          return Response.json({ observation: { echoed: await reply } });
        }
        case "persist-close": {
          const info = await this.#session!.close(1000, "done");
          this.#session = null;
          return Response.json({ observation: { code: info.code, reason: info.reason, wasClean: info.wasClean } });
        }
        default:
          return run(name, this.#env, id, url);
      }
    } catch (error) {
      return errorResponse(error);
    }
  }
}
