/**
 * The judge: compares what an endpoint did with every reaction the oracle allows and grades it.
 *
 * Rules that hold for every candidate (they come from the RFC, not from our engine):
 * - Messages are echoed in order, with their type and bytes; how the echo is fragmented or
 *   whether it is compressed is the endpoint's choice.
 * - Before a failure, echoes may stop early (the failure may overtake a queued echo) and pongs
 *   may be missing; nothing sent after the failure point may be answered.
 * - Pongs answer pings in order; RFC 6455 §5.5.3 lets an endpoint answer only the most recent of
 *   several pings, so when the connection stays open only the last ping must be answered.
 *   Unsolicited pongs are allowed (§5.5.3).
 * - Nothing the endpoint sends may break the RFC itself (a `violation`), and no data frame may
 *   follow its Close (§5.5.1).
 */
import { bytesEqual, preview } from "./bytes.js";
import { type Candidate, describeCandidate, type Grade, worse } from "./oracle.js";
import type { WireFrame } from "./frames.js";
import { OP } from "./frames.js";
import { describeObservation, type Observation, type Received } from "./trace.js";

/** The judgement of one exchange. */
export interface Verdict {
  readonly grade: Grade;
  /** Why the grade is not `pass`: each deviation, with its RFC reference. */
  readonly notes: readonly string[];
  /** What the RFC expected (the candidate matched, or the primary one on failure). */
  readonly expected: string;
  readonly observed: string;
  /** The RFC rule behind the expectation. */
  readonly rule: string;
}

interface Match {
  readonly ok: boolean;
  readonly grade: Grade;
  readonly notes: string[];
  /** Why the candidate does not match. */
  readonly mismatch: string;
}

/**
 * Grade `observation` against `candidates` (from `expectReaction` for `frames`).
 * `peerRole` decides who closes TCP after the closing handshake (the server, §7.1.1).
 */
export function judge(candidates: readonly Candidate[], observation: Observation, frames: readonly WireFrame[], peerRole: "server" | "client"): Verdict {
  const observed = describeObservation(observation);
  const matches = candidates.map((c) => matchCandidate(c, observation, frames, peerRole));
  let best = -1;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
    if (!m.ok) continue;
    if (best === -1 || GRADE_RANK[m.grade] < GRADE_RANK[matches[best]!.grade]) best = i;
  }
  if (best === -1) {
    const primary = candidates[0]!;
    return {
      grade: "fail",
      notes: [matches[0]!.mismatch, ...matches[0]!.notes.filter((n) => n.startsWith("VIOLATION"))],
      expected: describeCandidate(primary),
      observed,
      rule: primary.rule,
    };
  }
  const c = candidates[best]!;
  const m = matches[best]!;
  return { grade: m.grade, notes: m.notes, expected: describeCandidate(c), observed, rule: c.rule };
}

const GRADE_RANK: Readonly<Record<Grade, number>> = { pass: 0, info: 1, warning: 2, fail: 3 };

function matchCandidate(c: Candidate, o: Observation, frames: readonly WireFrame[], peerRole: "server" | "client"): Match {
  let grade: Grade = c.grade;
  const notes: string[] = [...c.notes];
  const no = (mismatch: string): Match => ({ ok: false, grade: "fail", notes, mismatch });
  const raise = (g: Grade, note: string): void => {
    grade = worse(grade, g);
    notes.push(note);
  };

  const closeIndex = o.received.findIndex((r) => r.type === "close");
  const beforeClose = closeIndex === -1 ? o.received : o.received.slice(0, closeIndex);
  for (const r of o.received) if (r.type === "violation") raise("fail", `VIOLATION: the endpoint ${r.message}`);
  if (closeIndex !== -1 && o.received.slice(closeIndex + 1).some((r) => r.type === "text" || r.type === "binary")) {
    raise("fail", "VIOLATION: the endpoint sent a data frame after its Close frame (RFC 6455 §5.5.1 MUST NOT)");
  }

  // Echoes.
  const echoes = beforeClose.filter((r): r is Extract<Received, { type: "text" | "binary" }> => r.type === "text" || r.type === "binary");
  const failing = c.outcome.kind === "fail";
  for (let k = 0; k < echoes.length; k++) {
    const want = c.echoes[k];
    const got = echoes[k]!;
    if (want === undefined) {
      return no(
        failing
          ? `echoed ${got.type} ${preview(got.data, 24)}, sent after the point where it had to fail (frame ${c.at + 1})`
          : `echoed an unexpected ${got.type} ${preview(got.data, 24)}`,
      );
    }
    if (want.type !== got.type || !bytesEqual(want.data, got.data)) {
      return no(`echo #${k + 1} is ${got.type} ${preview(got.data, 24)}, expected ${want.type} ${preview(want.data, 24)}`);
    }
  }
  if (!failing && echoes.length < c.echoes.length) {
    const missing = c.echoes[echoes.length]!;
    if (c.outcome.kind === "closed" && c.outcome.echoesOptional === true) {
      raise("info", `answered our Close before echoing ${c.echoes.length - echoes.length} message(s) sent just before it (RFC 6455 §5.5.1 allows answering a Close at once)`);
    } else {
      return no(`did not echo ${missing.type} ${preview(missing.data, 24)} (message ${echoes.length + 1} of ${c.echoes.length})`);
    }
  }

  // Pongs.
  const laterPings = frames.slice(c.at + 1).filter((f) => f.opcode === OP.ping).map((f) => f.payload);
  let next = 0;
  let lastMatched = -1;
  for (const r of o.received) {
    if (r.type !== "pong") continue;
    let found = -1;
    for (let k = next; k < c.pongs.length; k++) {
      if (bytesEqual(c.pongs[k]!, r.data)) {
        found = k;
        break;
      }
    }
    if (found !== -1) {
      next = found + 1;
      lastMatched = found;
    } else if (laterPings.some((p) => bytesEqual(p, r.data))) {
      return no(`answered ping ${preview(r.data, 24)}, sent after the point where it had to ${failing ? "fail" : "stop processing"} (frame ${c.at + 1})`);
    } else {
      raise("info", `sent an unsolicited or out-of-order pong ${preview(r.data, 24)} (RFC 6455 §5.5.3 allows unsolicited pongs)`);
    }
  }
  if (!failing && c.pongs.length > 0 && lastMatched !== c.pongs.length - 1) {
    return no(`did not answer ping ${preview(c.pongs[c.pongs.length - 1]!, 24)} (RFC 6455 §5.5.2 MUST)`);
  }

  // Outcome.
  const close = closeIndex === -1 ? null : (o.received[closeIndex] as Extract<Received, { type: "close" }>);
  const peerEnded = o.ending === "end" || o.ending === "reset";
  switch (c.outcome.kind) {
    case "closed": {
      if (close === null) {
        return no(peerEnded ? "closed TCP without answering our Close frame (RFC 6455 §5.5.1 MUST send a Close in response)" : "did not answer our Close frame (RFC 6455 §5.5.1 MUST)");
      }
      const want = c.outcome.code;
      if (want !== null && close.code !== want) {
        raise("info", close.code === null ? `answered Close ${want} with an empty Close (RFC 6455 §5.5.1: typically echoes the code)` : `answered Close ${want} with Close ${close.code} (RFC 6455 §5.5.1: typically echoes the code)`);
      }
      if (peerRole === "server" && o.ending === "timeout") {
        raise("warning", "did not close TCP after the closing handshake (RFC 6455 §7.1.1: the server SHOULD close first)");
      }
      break;
    }
    case "fail": {
      const { codes } = c.outcome;
      if (close !== null) {
        if (close.code === null || !codes.includes(close.code)) {
          raise("warning", `failed with ${close.code === null ? "an empty Close" : `code ${close.code}`}, expected ${codes.join(" or ")} (RFC 6455 §7.4.1)`);
        }
        if (peerRole === "server" && o.ending === "timeout") {
          raise("warning", "did not close TCP after failing the connection (RFC 6455 §7.1.7)");
        }
      } else if (peerEnded) {
        if (c.outcome.closeFrameOptional !== true) {
          raise("warning", `closed TCP without a Close frame${o.ending === "reset" ? " (reset)" : ""} (RFC 6455 §7.1.7: SHOULD send a Close with ${codes.join(" or ")})`);
        }
      } else {
        return no(`did not fail the connection (expected ${codes.join(" or ")} at frame ${c.at + 1})`);
      }
      break;
    }
    case "wait": {
      if (close !== null) return no(`closed with ${close.code ?? "an empty Close"} where the RFC expects it to wait`);
      if (peerEnded) return no("closed TCP where the RFC expects it to wait");
      break;
    }
  }
  return { ok: true, grade, notes, mismatch: "" };
}
