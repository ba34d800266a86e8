/**
 * Replay: run the findings of a report again, after a fix, without a new random search. Each
 * finding's scenario is rebuilt from what the report recorded (the frames as written, the
 * request or response as sent), run through the same runner, oracle and judge as the original
 * run, and graded again.
 *
 * The rebuilt scenario is the recorded one byte for byte: frames are decoded into their header
 * fields (including the broken encodings: non-minimal lengths, a set MSB, announced lengths,
 * the wrong mask bit) and encoded again with the same masking keys, at the same cut points. What
 * a report does not hold is filled in and said so in the outcome's notes: the tail of a frame
 * cut short (reports before the kit kept findings' frames whole, and info findings), or an
 * abbreviated request, which cannot be rebuilt.
 */
import { readFile } from "node:fs/promises";
import { fromHex } from "./bytes.js";
import type { WrittenFrame } from "./exchange.js";
import { isControl, OP, RSV1, type WireFrame } from "./frames.js";
import { acceptFor, type RequestSpec, type ResponseSpec } from "./http.js";
import type { Grade } from "./oracle.js";
import { type ConformanceReport, endpointFor, runScenario, type ScenarioResult, type Target } from "./runner.js";
import type { Scenario } from "./scenario.js";
import { KIT_DEFLATE_OFFER } from "./tcp.js";

// --- rebuilding scenarios ---

/** A scenario rebuilt from a report, with what had to be made up; or why it cannot be. */
export type RebuiltScenario = { readonly scenario: Scenario; readonly notes: readonly string[] } | { readonly error: string };

/**
 * The bytes a frame record is missing, filled with ASCII. In text, after the last complete UTF-8
 * sequence: text that was valid stays valid.
 */
function fillTail(known: Uint8Array, length: number, text: boolean): Uint8Array {
  let keep = known.length;
  for (let back = 1; text && back <= 3 && back <= known.length; back++) {
    const b = known[known.length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (size > back) keep = known.length - back;
    break;
  }
  const out = new Uint8Array(length).fill(0x61);
  out.set(known.subarray(0, keep));
  return out;
}

/**
 * Decode a recorded frame into a {@link WireFrame} that encodes to the same bytes (with the
 * kit's masking key for its position). `defaultMasked`: the kit played the client; `text`: the
 * payload is part of an uncompressed text message (what filling a cut record must respect).
 * @returns the frame and how many payload bytes the record was missing (filled in).
 * @throws {Error} for a record too short to hold its header.
 */
export function decodeWrittenFrame(record: Pick<WrittenFrame, "hex" | "bytes">, defaultMasked: boolean, text = false): { readonly frame: WireFrame; readonly missing: number } {
  const bytes = fromHex(record.hex);
  const need = (n: number): void => {
    if (bytes.length < n) throw new Error(`a frame record of ${bytes.length} bytes is too short for its header`);
  };
  need(2);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const masked = (b1 & 0x80) !== 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let declared = b1 & 0x7f;
  let offset = 2;
  let lengthForm: "16" | "64" | undefined;
  let msb = false;
  if (declared === 126) {
    need(4);
    declared = view.getUint16(2);
    offset = 4;
    if (declared < 126) lengthForm = "16";
  } else if (declared === 127) {
    need(10);
    const high = view.getUint32(2);
    msb = (high & 0x80000000) !== 0;
    declared = (high & 0x7fffffff) * 2 ** 32 + view.getUint32(6);
    offset = 10;
    if (!msb && declared < 65536) lengthForm = "64";
  }
  let key: Uint8Array | null = null;
  if (masked) {
    need(offset + 4);
    key = bytes.slice(offset, offset + 4);
    offset += 4;
  }
  const length = record.bytes - offset;
  const known = bytes.slice(offset, offset + length);
  if (key !== null) for (let i = 0; i < known.length; i++) known[i] = known[i]! ^ key[i & 3]!;
  const missing = length - known.length;
  const payload = missing > 0 ? fillTail(known, length, text) : known;
  const frame: WireFrame = {
    fin: (b0 & 0x80) !== 0,
    rsv: b0 & 0x70,
    opcode: b0 & 0x0f,
    payload,
    ...(masked !== defaultMasked ? { masked } : {}),
    ...(lengthForm === undefined ? {} : { lengthForm }),
    ...(declared !== length ? { declaredLength: declared } : {}),
    ...(msb ? { msb } : {}),
  };
  return { frame, missing };
}

/** Header lines of a recorded head (`headText` form), the start line first. */
function headLines(text: string): { start: string; headers: Array<readonly [string, string]>; body: string } | null {
  const end = text.indexOf("\n\n");
  const head = end === -1 ? text.trimEnd() : text.slice(0, end);
  const lines = head.split("\n");
  const start = lines.shift() ?? "";
  const headers: Array<readonly [string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    // `Name: value`, as encodeRequest and encodeResponse write it.
    headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^ /, "")]);
  }
  return { start, headers, body: end === -1 ? "" : text.slice(end + 2) };
}

/** Why a recorded request cannot be the whole request, or null. */
function abbreviation(text: string): string | null {
  const long = /\.\.\. \((\d+) characters\)$/m.exec(text);
  if (long !== null) return `a header line of ${long[1]} characters`;
  // The kit's only source of heads past 60 lines, which reports cut in the middle.
  const fillers = [...text.matchAll(/^X-Filler-(\d+):/gm)].map((m) => Number(m[1]));
  if (fillers.some((n, i) => n !== i)) return "header lines in the middle of the request";
  return null;
}

const valueOf = (headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

/**
 * Rebuild the scenario behind a report's result.
 * @param role the role of the endpoint the report tested.
 * @param url a server report's URL: its host and path in a recorded request become `$HOST` and
 *   `$TARGET` again, so the request fits the server it is replayed against.
 */
export function scenarioFromResult(result: ScenarioResult, role: "server" | "client", url?: string): RebuiltScenario {
  const { group, name } = result;
  const frames = result.frames ?? [];
  if (frames.length > 0) {
    const notes: string[] = [];
    const items: WireFrame[] = [];
    const script = frames.filter((f) => f.phase === "script");
    let text = false;
    for (const [i, record] of script.entries()) {
      // Whether a continuation belongs to a text message: what its first frame said.
      const head = fromHex(record.hex.slice(0, 2))[0] ?? 0;
      if ((head & 0x0f) === OP.text || (head & 0x0f) === OP.binary) text = (head & 0x0f) === OP.text && (head & RSV1) === 0;
      const { frame, missing } = decodeWrittenFrame(record, role === "server", text && !isControl(head & 0x0f));
      if (missing > 0) notes.push(`script frame ${i + 1} is cut to ${record.bytes - missing} of its ${record.bytes} bytes in the report: the rest is filler, so this replay is not exact`);
      items.push(frame);
    }
    let deflateOffer: string | undefined;
    if (role === "server" && result.handshake !== undefined) {
      const offer = valueOf(headLines(result.handshake.request)?.headers ?? [], "sec-websocket-extensions");
      if (offer !== undefined && offer !== KIT_DEFLATE_OFFER) deflateOffer = offer;
    }
    const scenario: Scenario = {
      kind: "frames",
      group,
      name,
      items,
      // The deflate group is the one that negotiates permessage-deflate first.
      ...(group === "deflate" ? { deflate: true } : {}),
      ...(deflateOffer === undefined ? {} : { deflateOffer }),
      ...(result.cuts === undefined ? {} : { cuts: result.cuts }),
      // Without a tail the script ended inside a frame.
      ...(frames.some((f) => f.phase === "sentinel") ? {} : { openEnded: true }),
    };
    return { scenario, notes };
  }
  if (group === "handshake" && result.handshake !== undefined) {
    if (role === "server") {
      const cut = abbreviation(result.handshake.request);
      if (cut !== null) return { error: `the report abbreviated the request (${cut}); run the kit again to reproduce it` };
      const head = headLines(result.handshake.request);
      const parts = head?.start.split(" ") ?? [];
      if (head === null || parts.length !== 3) return { error: "the recorded request is not an HTTP request head" };
      let host: string | null = null;
      let path: string | null = null;
      if (url !== undefined && URL.canParse(url)) {
        const parsed = new URL(url);
        host = parsed.host;
        path = `${parsed.pathname}${parsed.search}`;
      }
      const template = (v: string): string => (host === null ? v : v.replaceAll(host, "$HOST"));
      const request: RequestSpec = {
        method: parts[0]!,
        target: parts[1] === path ? "$TARGET" : parts[1]!,
        version: parts[2]!,
        headers: head.headers.map(([n, v]) => [n, template(v)] as const),
      };
      return { scenario: { kind: "handshake", group, name, request }, notes: [] };
    }
    const head = headLines(result.handshake.response);
    const status = head === null ? null : /^HTTP\/1\.1 (\d{3})(?: (.*))?$/.exec(head.start);
    if (head === null || status === null) return { error: "the recorded response is not an HTTP response head" };
    // The accept value was computed for that connection's key; the replay's client sends a new one.
    const key = valueOf(headLines(result.handshake.request)?.headers ?? [], "sec-websocket-key");
    const accept = key === undefined ? null : acceptFor(key);
    const response: ResponseSpec = {
      status: Number(status[1]),
      reason: status[2] ?? "",
      headers: head.headers.map(([n, v]) => [n, accept === null ? v : v.replaceAll(accept, "$ACCEPT")] as const),
      ...(head.body === "" ? {} : { body: head.body }),
    };
    return { scenario: { kind: "response", group, name, response }, notes: [] };
  }
  return { error: "the report holds no script for it (a check over many connections, or a connection that never opened); run the kit again" };
}

// --- running ---

/** Options of {@link replayReport}. */
export interface ReplayOptions {
  /** The endpoint to replay against; it must have the report's role. */
  readonly target: Target;
  /** Findings to replay, by their grade in the report. Default fail and warning. */
  readonly grades?: readonly Grade[];
  /** How long to wait for each reaction, in ms. Default: the report's. */
  readonly timeoutMs?: number;
  /** Runs of each scenario; it passes only if every run does (races show up this way). Default 1. */
  readonly repeat?: number;
  /** Called as each finding has been replayed. */
  readonly onOutcome?: (outcome: ReplayOutcome, index: number, total: number) => void;
}

/** One finding, replayed. */
export interface ReplayOutcome {
  /** The finding as the report has it. */
  readonly finding: ScenarioResult;
  /**
   * `pass`: every run graded pass or info now. `fail`: a run graded fail or warning.
   * `not-replayed`: the report does not hold the scenario, or it did not apply (`reason`).
   */
  readonly status: "pass" | "fail" | "not-replayed";
  /** The runs, in order. */
  readonly runs: readonly ScenarioResult[];
  /** Where the rebuilt scenario is not exactly the recorded one. */
  readonly notes: readonly string[];
  readonly reason?: string;
}

/** Everything a replay found. */
export interface ReplaySummary {
  readonly outcomes: readonly ReplayOutcome[];
  readonly pass: number;
  readonly fail: number;
  readonly notReplayed: number;
}

/**
 * Read a report written by {@link writeReport} (its `.json`).
 * @throws {Error} when the file cannot be read or is not such a report.
 */
export async function readReport(path: string): Promise<ConformanceReport> {
  const value = JSON.parse(await readFile(path, "utf8")) as Partial<ConformanceReport> | null;
  const role = value?.target?.role;
  if (value?.tool !== "@wsengine/conformance" || !Array.isArray(value.results) || (role !== "server" && role !== "client")) {
    throw new Error(`${path} is not a report of @wsengine/conformance (its .json)`);
  }
  return value as ConformanceReport;
}

/**
 * Replay a report's findings against `options.target`, one at a time, each on fresh connections.
 * @throws {Error} when the target's role is not the report's, or a server cannot be reached.
 * @example
 * const summary = await replayReport(await readReport("reports/bun-client.json"), { target: { kind: "client", command: "bun my-client.ts" } });
 * process.exitCode = summary.fail + summary.notReplayed > 0 ? 1 : 0;
 */
export async function replayReport(report: ConformanceReport, options: ReplayOptions): Promise<ReplaySummary> {
  const grades = options.grades ?? ["fail", "warning"];
  const findings = report.results.filter((r) => (grades as readonly string[]).includes(r.grade));
  const endpoint = endpointFor(options.target);
  if (endpoint.role !== report.target.role) throw new Error(`the report tested a ${report.target.role}, but the target is a ${endpoint.role}`);
  const timeoutMs = options.timeoutMs ?? report.options?.timeoutMs ?? 2000;
  const repeat = Math.max(1, options.repeat ?? 1);
  const outcomes: ReplayOutcome[] = [];
  if (findings.length === 0) return { outcomes, pass: 0, fail: 0, notReplayed: 0 };
  await endpoint.start();
  try {
    const unreachable = endpoint.probe === undefined ? null : await endpoint.probe(timeoutMs);
    if (unreachable !== null && /cannot connect/.test(unreachable)) throw new Error(`${endpoint.description}: ${unreachable}`);
    for (const finding of findings) {
      const rebuilt = scenarioFromResult(finding, endpoint.role, report.target.role === "server" ? report.target.description : undefined);
      let outcome: ReplayOutcome;
      if ("error" in rebuilt) {
        outcome = { finding, status: "not-replayed", runs: [], notes: [], reason: rebuilt.error };
      } else {
        const runs: ScenarioResult[] = [];
        for (let i = 0; i < repeat; i++) runs.push(await runScenario(endpoint, rebuilt.scenario, timeoutMs));
        const skipped = runs.find((r) => r.grade === "skip");
        const failed = runs.some((r) => r.grade === "fail" || r.grade === "warning");
        outcome = {
          finding,
          status: failed ? "fail" : skipped !== undefined ? "not-replayed" : "pass",
          runs,
          notes: rebuilt.notes,
          ...(skipped !== undefined && !failed ? { reason: `the scenario did not apply: ${skipped.notes[0] ?? ""}` } : {}),
        };
      }
      outcomes.push(outcome);
      options.onOutcome?.(outcome, outcomes.length, findings.length);
    }
  } finally {
    await endpoint.stop();
  }
  const count = (status: ReplayOutcome["status"]): number => outcomes.filter((o) => o.status === status).length;
  return { outcomes, pass: count("pass"), fail: count("fail"), notReplayed: count("not-replayed") };
}

// --- text ---

const LABEL: Readonly<Record<Grade | "skip", string>> = { fail: "FAIL", warning: "WARNING", info: "INFO", pass: "pass", skip: "skip" };

/** What the kit sent, in a line or two: the script's frames, or the request or response. */
function sentLines(finding: ScenarioResult, role: "server" | "client"): string[] {
  const frames = finding.frames ?? [];
  if (frames.length > 0) {
    const script = frames.filter((f) => f.phase === "script");
    const shown = script.slice(0, 8).map((f) => (f.bytes > 24 ? `${f.hex.slice(0, 48)}...(${f.bytes} bytes)` : f.hex));
    return [`  script    ${shown.join(" ") || "(empty)"}${script.length > 8 ? ` ... (${script.length} frames)` : ""}`];
  }
  if (finding.handshake === undefined) return [];
  const head = (role === "server" ? finding.handshake.request : finding.handshake.response).trimEnd().split("\n");
  return [`  ${role === "server" ? "request " : "response"}  ${head[0] ?? ""} (+${head.length - 1} lines)`];
}

/**
 * An outcome as text: the finding, the scenario, what was expected, what the report observed,
 * and what happens now (each distinct reaction once, with its count when repeated).
 */
export function formatOutcome(outcome: ReplayOutcome, role: "server" | "client"): string {
  const { finding } = outcome;
  const lines = [`${LABEL[finding.grade]} ${finding.group} / ${finding.name}${finding.source === "random" ? " (random)" : ""}`, ...sentLines(finding, role)];
  for (const note of outcome.notes) lines.push(`  note      ${note}`);
  lines.push(`  expected  ${outcome.runs[0]?.expected ?? finding.expected}`);
  lines.push(`  before    ${LABEL[finding.grade]}: ${finding.observed}`);
  const seen = new Map<string, { run: ScenarioResult; count: number }>();
  for (const run of outcome.runs) {
    const key = `${run.grade}\u0000${run.observed}`;
    const entry = seen.get(key);
    if (entry === undefined) seen.set(key, { run, count: 1 });
    else entry.count++;
  }
  for (const { run, count } of seen.values()) {
    const times = outcome.runs.length > 1 ? ` (${count} of ${outcome.runs.length})` : "";
    lines.push(`  now       ${LABEL[run.grade]}${times}: ${run.observed}`);
    if (run.grade !== "pass") for (const note of run.notes) lines.push(`            ${note}`);
  }
  const verdict = { pass: "passes now", fail: "STILL FAILS", "not-replayed": `NOT REPLAYED: ${outcome.reason ?? ""}` }[outcome.status];
  lines.push(`  => ${verdict}`);
  return lines.join("\n");
}

/** The closing line: `2 finding(s) replayed: 1 pass now, 1 still fail(s), 0 not replayed`. */
export function formatReplaySummary(summary: ReplaySummary): string {
  if (summary.outcomes.length === 0) return "no findings of the selected grades to replay";
  return `${summary.outcomes.length} finding(s) replayed: ${summary.pass} pass now, ${summary.fail} still fail, ${summary.notReplayed} not replayed`;
}
