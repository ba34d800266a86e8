/**
 * The runner: named cases, then random scenarios per group with fast-check, which shrinks a
 * failing scenario to a minimal byte script. Everything runs one scenario at a time over fresh
 * connections, so a scenario's verdict depends on its bytes only.
 */
import fc from "fast-check";
import { requestSpec, responseSpec, scenarioArbitrary } from "./arbitraries/index.js";
import { namedCases } from "./cases.js";
import type { Endpoint } from "./endpoint.js";
import { toHex } from "./bytes.js";
import { MAX_RECORDED_BYTES, runExchange, type WrittenFrame } from "./exchange.js";
import { encodeWireFrame, type WireFrame } from "./frames.js";
import { checkClientRequest, expectClientOpens, expectHandshake, type HandshakeObservation, judgeClientResponse, judgeHandshake } from "./handshake.js";
import { abbreviateHead, headerValues } from "./http.js";
import { judge } from "./judge.js";
import { expectReaction, type Grade } from "./oracle.js";
import { deflaterFor, type FrameScenario, GROUPS, type GroupName, realize, type Scenario, tailFor } from "./scenario.js";
import { clientEndpoint, serverEndpoint } from "./tcp.js";
import { describeObservation, type Observation } from "./trace.js";

/** A scenario's result. `skip`: it does not apply to this endpoint. */
export interface ScenarioResult {
  readonly group: GroupName;
  readonly name: string;
  readonly source: "case" | "random";
  readonly grade: Grade | "skip";
  readonly notes: readonly string[];
  readonly expected: string;
  readonly observed: string;
  readonly rule: string;
  readonly handshake?: { readonly request: string; readonly response: string };
  /**
   * What was written, in order. Script frames past `MAX_RECORDED_BYTES` are cut short, except in
   * results graded fail or warning (see {@link MAX_WHOLE_FRAME_BYTES}).
   */
  readonly frames: readonly WrittenFrame[];
  /** Frame scenarios written in several segments: where the script was cut (fractions of its length). */
  readonly cuts?: readonly number[];
  readonly elapsedMs: number;
  /** Random scenarios: how to reproduce the (shrunk) counterexample with fast-check. */
  readonly reproduce?: { readonly seed: number; readonly path: string; readonly numShrinks: number };
  /** Aggregated random findings: how many scenarios showed it. */
  readonly occurrences?: number;
}

/** Per-group totals. */
export interface GroupResult {
  readonly group: GroupName;
  readonly cases: Readonly<Record<Grade | "skip", number>>;
  readonly random: {
    readonly runs: number;
    readonly seed: number;
    readonly interrupted: boolean;
    readonly failures: number;
    readonly skipped: number;
  };
}

/** The endpoint under test. */
export type Target =
  | { readonly kind: "server"; readonly url: string; readonly headers?: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: "client"; readonly command: string; readonly cwd?: string; readonly env?: Readonly<Record<string, string>> }
  | { readonly kind: "endpoint"; readonly endpoint: Endpoint };

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  readonly target: Target;
  /** Groups to run; default all. */
  readonly groups?: readonly GroupName[];
  /** fast-check seed; default random. Each group uses `seed + its index`. */
  readonly seed?: number;
  /** Random scenarios per group. Default 100; 0 runs the named cases only. */
  readonly runs?: number;
  /** Wall-clock budget for the random scenarios of all groups together, in ms. Default 60 s. */
  readonly timeBudgetMs?: number;
  /** How long to wait for each reaction, in ms. Default 2000. */
  readonly timeoutMs?: number;
  /** Run the named cases. Default true. */
  readonly cases?: boolean;
  /** Distinct failures to shrink per group. Default 3. */
  readonly maxFailuresPerGroup?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Everything a run found. */
export interface ConformanceReport {
  readonly tool: "@wsengine/conformance";
  readonly version: string;
  readonly target: { readonly role: "server" | "client"; readonly description: string };
  readonly startedAt: string;
  readonly durationMs: number;
  readonly options: { readonly seed: number; readonly runs: number; readonly timeBudgetMs: number; readonly timeoutMs: number; readonly groups: readonly GroupName[] };
  readonly summary: Readonly<Record<Grade | "skip", number>>;
  readonly groups: readonly GroupResult[];
  /** Every named case, and every random finding that is not a pass. */
  readonly results: readonly ScenarioResult[];
}

export const VERSION = "0.1.0";

const emptyCounts = (): Record<Grade | "skip", number> => ({ pass: 0, info: 0, warning: 0, fail: 0, skip: 0 });

/** Build the endpoint for a target. */
export function endpointFor(target: Target): Endpoint {
  switch (target.kind) {
    case "server":
      return serverEndpoint(target.url, target.headers === undefined ? {} : { headers: target.headers });
    case "client":
      return clientEndpoint(target.command, { ...(target.cwd === undefined ? {} : { cwd: target.cwd }), ...(target.env === undefined ? {} : { env: target.env }) });
    case "endpoint":
      return target.endpoint;
  }
}

/**
 * Run one scenario against `endpoint` and judge it.
 * @example
 * const result = await runScenario(serverEndpoint("ws://127.0.0.1:8080/"), namedCases("utf8", "server")[0]!);
 */
export async function runScenario(endpoint: Endpoint, scenario: Scenario, timeoutMs = 2000): Promise<ScenarioResult> {
  return (await runScenarioDetailed(endpoint, scenario, timeoutMs)).result;
}

/** {@link runScenario}, plus the raw observation (frames received, how the transport ended). */
export interface DetailedResult {
  readonly result: ScenarioResult;
  readonly observation?: Observation;
  readonly handshake?: HandshakeObservation;
}

/** {@link runScenario} with the raw observation, for tests that check more than the grade. */
export async function runScenarioDetailed(endpoint: Endpoint, scenario: Scenario, timeoutMs = 2000): Promise<DetailedResult> {
  const started = Date.now();
  const base = { group: scenario.group, name: scenario.name, source: "case" as const, frames: [] as WrittenFrame[] };
  const elapsed = (): number => Date.now() - started;
  switch (scenario.kind) {
    case "frames":
      return runFrames(endpoint, scenario, timeoutMs);
    case "handshake": {
      if (endpoint.handshake === undefined) return { result: { ...base, grade: "skip", notes: ["only servers are sent requests"], expected: "", observed: "", rule: "", elapsedMs: elapsed() } };
      const { spec, observation, requestText, responseText } = await endpoint.handshake(scenario.request, timeoutMs);
      const verdict = judgeHandshake(expectHandshake(spec), observation, spec);
      const request = keepsWholeScript(verdict.grade) ? requestText : abbreviateHead(requestText);
      return { result: { ...base, ...verdict, handshake: { request, response: responseText }, elapsedMs: elapsed() }, handshake: observation };
    }
    case "response": {
      if (endpoint.respond === undefined) return { result: { ...base, grade: "skip", notes: ["only clients are sent responses"], expected: "", observed: "", rule: "", elapsedMs: elapsed() } };
      const o = await endpoint.respond(scenario.response, timeoutMs);
      if ("error" in o) return { result: { ...base, grade: "fail", notes: [o.error], expected: "a connection from the client", observed: o.error, rule: "the echo-client contract (README)", elapsedMs: elapsed() } };
      const { opens, rule } = expectClientOpens(scenario.response, o.request);
      const sentFrames = o.received.some((r) => r.type !== "violation");
      const verdict = judgeClientResponse(opens, o.echoed, sentFrames, o.ending);
      const observation: Observation = { received: o.received, ending: o.ending, elapsedMs: elapsed() };
      const result: ScenarioResult = {
        ...base,
        grade: verdict.grade,
        notes: verdict.notes,
        expected: verdict.expected,
        observed: `${o.echoed ? "echoed the probe" : "did not echo the probe"}; ${describeObservation(observation)}`,
        rule,
        handshake: { request: o.requestText, response: o.responseText },
        elapsedMs: elapsed(),
      };
      return { result, observation };
    }
  }
}

async function runFrames(endpoint: Endpoint, scenario: FrameScenario, timeoutMs: number): Promise<DetailedResult> {
  const started = Date.now();
  const base = { group: scenario.group, name: scenario.name, source: "case" as const };
  const opened = await endpoint.open({ deflate: scenario.deflate === true, timeoutMs, ...(scenario.deflateOffer === undefined ? {} : { offer: scenario.deflateOffer }) });
  if (opened.kind === "skip") return { result: { ...base, grade: "skip", notes: [opened.reason], expected: "", observed: "", rule: "", frames: [], elapsedMs: Date.now() - started } };
  if (opened.kind === "error") {
    return { result: {
      ...base,
      grade: "fail",
      notes: [`could not open a connection: ${opened.reason}`],
      expected: "a completed opening handshake",
      observed: opened.reason,
      rule: "the echo contract (README)",
      frames: [],
      ...(opened.request === undefined ? {} : { handshake: { request: opened.request, response: opened.response ?? "" } }),
      elapsedMs: Date.now() - started,
    } };
  }
  const { link, agreement } = opened;
  const script = realize(scenario.items, deflaterFor(agreement));
  const tail = scenario.openEnded === true ? { sentinel: [], completion: [], closing: [] } : tailFor(script);
  const frames = [...script, ...tail.sentinel, ...tail.completion, ...tail.closing];
  const candidates = expectReaction(frames, { peerRole: endpoint.role, deflate: agreement, tailStart: script.length });
  // The most echoes any reaction that reaches the final Close expects.
  const echoesBeforeClose = Math.max(0, ...candidates.filter((c) => c.outcome.kind === "closed" && c.at === frames.length - 1).map((c) => c.echoes.length));
  const plan = { script, ...tail, echoesBeforeClose, ...(scenario.cuts === undefined ? {} : { cuts: scenario.cuts }) };
  const record = await runExchange(link, plan, endpoint.role === "server", endpoint.role, timeoutMs);
  const verdict = judge(candidates, record.observation, frames, endpoint.role);
  const written = keepsWholeScript(verdict.grade) ? wholeScriptFrames(record.written, script, endpoint.role === "server") : record.written;
  return {
    result: {
      ...base,
      ...verdict,
      handshake: { request: opened.request, response: opened.response },
      frames: written,
      ...(scenario.cuts === undefined ? {} : { cuts: scenario.cuts }),
      elapsedMs: Date.now() - started,
    },
    observation: record.observation,
  };
}

/**
 * Script frames up to this size stay whole in findings graded fail or warning, so that `replay`
 * can send them again byte for byte (the kit's largest named-case frame is 1 MiB).
 */
export const MAX_WHOLE_FRAME_BYTES: number = 2 ** 20 + 14;

/** Whether a result keeps what `replay` needs to resend it exactly. */
const keepsWholeScript = (grade: Grade | "skip"): boolean => grade === "fail" || grade === "warning";

/** `written` with the script frames the record cut short put back whole (see {@link MAX_WHOLE_FRAME_BYTES}). */
function wholeScriptFrames(written: readonly WrittenFrame[], script: readonly WireFrame[], defaultMasked: boolean): readonly WrittenFrame[] {
  if (!written.some((w, i) => i < script.length && w.bytes > MAX_RECORDED_BYTES && w.bytes <= MAX_WHOLE_FRAME_BYTES)) return written;
  return written.map((w, i) => (i < script.length && w.bytes > MAX_RECORDED_BYTES && w.bytes <= MAX_WHOLE_FRAME_BYTES ? { ...w, hex: toHex(encodeWireFrame(script[i]!, defaultMasked, i)) } : w));
}

/** What makes two failures "the same" for the report: the first note, numbers and quotes removed. */
export function signature(r: ScenarioResult): string {
  const note = (r.notes[0] ?? r.observed).replace(/"(?:[^"\\]|\\.)*"|0x[0-9a-f]+|\d+/gi, "#");
  return `${r.grade}:${note}`;
}

function scriptSize(r: ScenarioResult): number {
  return r.frames.reduce((n, f) => n + f.bytes, 0) + (r.handshake?.request.length ?? 0);
}

function arbitraryFor(group: GroupName, role: "server" | "client"): fc.Arbitrary<Scenario> {
  if (group === "handshake") {
    if (role === "server") {
      return requestSpec("$HOST", "$TARGET").map(({ spec, mutations }): Scenario => ({ kind: "handshake", group, name: mutations.length === 0 ? "valid request" : mutations.join(", "), request: spec }));
    }
    return responseSpec.map(({ spec, name }): Scenario => ({ kind: "response", group, name, response: spec }));
  }
  return scenarioArbitrary(group, role === "server");
}

/**
 * Run the conformance kit against a target and return the report.
 * @throws {Error} when a server under test cannot be reached at all.
 * @example
 * const report = await runConformance({ target: { kind: "server", url: "ws://127.0.0.1:8080/" }, seed: 42, runs: 50 });
 * console.log(report.summary);
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const startedAt = new Date();
  const log = options.log ?? ((): void => {});
  const endpoint = endpointFor(options.target);
  const groups = options.groups ?? GROUPS;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const runs = options.runs ?? 100;
  const timeBudgetMs = options.timeBudgetMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxFailures = options.maxFailuresPerGroup ?? 3;
  const results: ScenarioResult[] = [];
  const groupResults: GroupResult[] = [];
  const randomDeadline = Date.now() + timeBudgetMs;
  await endpoint.start();
  try {
    // An endpoint that cannot be reached at all is a usage error, not a list of failures.
    const unreachable = endpoint.probe === undefined ? null : await endpoint.probe(timeoutMs);
    if (unreachable !== null && /cannot connect/.test(unreachable)) throw new Error(`${endpoint.description}: ${unreachable}`);
    for (const [index, group] of groups.entries()) {
      const counts = emptyCounts();
      if (options.cases !== false) {
        for (const scenario of namedCases(group, endpoint.role)) {
          const result = await runScenario(endpoint, scenario, timeoutMs);
          results.push(result);
          counts[result.grade]++;
          if (result.grade === "fail" || result.grade === "warning") log(`  ${result.grade.toUpperCase()} ${group}: ${result.name}: ${result.notes[0] ?? ""}`);
        }
      }
      log(`${group}: cases ${formatCounts(counts)}`);

      // Random scenarios, with this group's share of what is left of the budget.
      const groupSeed = seed + index;
      let randomRuns = 0;
      let interrupted = false;
      let failures = 0;
      let skipped = 0;
      if (runs > 0) {
        const budget = Math.max(0, (randomDeadline - Date.now()) / (groups.length - index));
        const deadline = Date.now() + budget;
        const found = new Set<string>();
        const findings = new Map<string, ScenarioResult>();
        const arbitrary = arbitraryFor(group, endpoint.role);
        for (let attempt = 0; failures < maxFailures && Date.now() < deadline; attempt++) {
          const property = fc.asyncProperty(arbitrary, async (scenario) => {
            const result = await runScenario(endpoint, scenario, timeoutMs);
            randomRuns++;
            if (result.grade === "skip") skipped++;
            if (result.grade === "fail") return found.has(signature(result));
            if (result.grade === "warning" || result.grade === "info") {
              const key = signature(result);
              const seen = findings.get(key);
              const occurrences = (seen?.occurrences ?? 0) + 1;
              const smaller = seen === undefined || scriptSize(result) < scriptSize(seen) ? result : seen;
              findings.set(key, { ...smaller, source: "random", occurrences });
            }
            return true;
          });
          const details = await fc.check(property, { seed: groupSeed + attempt * 7919, numRuns: runs, interruptAfterTimeLimit: Math.max(1, deadline - Date.now()), markInterruptAsFailure: false });
          interrupted ||= details.interrupted;
          if (!details.failed || details.counterexample === null) break;
          const [counterexample] = details.counterexample;
          const result = await runScenario(endpoint, counterexample, timeoutMs);
          if (result.grade !== "fail") {
            log(`  ${group}: a counterexample did not fail again (flaky endpoint?): ${counterexample.name}`);
            break;
          }
          failures++;
          found.add(signature(result));
          results.push({ ...result, source: "random", reproduce: { seed: details.seed, path: details.counterexamplePath ?? "", numShrinks: details.numShrinks } });
          log(`  FAIL ${group} (random, shrunk ${details.numShrinks} times): ${result.notes[0] ?? ""}`);
        }
        for (const finding of findings.values()) results.push(finding);
      }
      groupResults.push({ group, cases: counts, random: { runs: randomRuns, seed: groupSeed, interrupted, failures, skipped } });
      log(`${group}: ${randomRuns} random scenarios, ${failures} failure(s)${skipped > 0 ? `, ${skipped} skipped` : ""}`);

      if (endpoint.probe !== undefined) {
        const problem = await endpoint.probe(timeoutMs);
        if (problem !== null) {
          results.push({ group, name: `still serving after the ${group} group`, source: "case", grade: "fail", notes: [`the endpoint stopped working: ${problem}`], expected: "a plain echo on a new connection", observed: problem, rule: "robustness: hostile input on one connection must not affect others", frames: [], elapsedMs: 0 });
          log(`FAIL: the endpoint stopped working after ${group}: ${problem}`);
          break;
        }
      }
    }
    if (endpoint.role === "client" && endpoint.requests !== undefined && endpoint.requests.length > 0) {
      results.push(clientRequestResult(endpoint));
    }
  } finally {
    await endpoint.stop();
  }
  const summary = emptyCounts();
  for (const r of results) summary[r.grade]++;
  return {
    tool: "@wsengine/conformance",
    version: VERSION,
    target: { role: endpoint.role, description: endpoint.description },
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    options: { seed, runs, timeBudgetMs, timeoutMs, groups },
    summary,
    groups: groupResults,
    results,
  };
}

function clientRequestResult(endpoint: Endpoint): ScenarioResult {
  const requests = endpoint.requests ?? [];
  let grade: Grade = "pass";
  const notes = new Set<string>();
  const keys: string[] = [];
  for (const head of requests) {
    const check = checkClientRequest(head, keys);
    keys.push(headerValues(head, "sec-websocket-key")[0] ?? "");
    if (["pass", "info", "warning", "fail"].indexOf(check.grade) > ["pass", "info", "warning", "fail"].indexOf(grade)) grade = check.grade;
    for (const n of check.notes) notes.add(n);
  }
  const first = requests[0]!;
  return {
    group: "handshake",
    name: `the client's upgrade requests (${requests.length} connections)`,
    source: "case",
    grade,
    notes: [...notes],
    expected: "GET, HTTP/1.1, Host, Upgrade: websocket, Connection: Upgrade, a fresh 16-byte base64 key, version 13",
    observed: [first.startLine, ...first.headers.map(([n, v]) => `${n}: ${v}`)].join(" | "),
    rule: "RFC 6455 §4.1",
    frames: [],
    elapsedMs: 0,
  };
}

/** `pass 3, fail 1` style. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ") || "none";
}
