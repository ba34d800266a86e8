/**
 * The oracle: what RFC 6455 and RFC 7692 require of an echo endpoint that receives a list of
 * frames, stated from the RFC text and nothing else. It shares no code with core's Connection
 * (only the kit's own UTF-8 checker and node:zlib), so testing our own server with it proves
 * something.
 *
 * Where the RFCs leave a choice, the oracle lists every allowed reaction as a separate
 * candidate with a grade: `pass` for the reaction the RFC asks for, `info` for a documented
 * policy either way (non-minimal lengths), `warning` for a SHOULD not followed or a non-strict
 * reading (UTF-8 checked only at the end of a message). The judge picks the best candidate the
 * observed reaction matches; matching none is a failure.
 */
import { bytesEqual, concat, preview } from "./bytes.js";
import { type DeflateAgreement, inflateMessage, nextHistory } from "./deflate.js";
import { isControl, isReservedOpcode, OP, RSV1, type WireFrame } from "./frames.js";
import { Utf8Checker } from "./utf8.js";

/** A data message the endpoint must echo. */
export interface ExpectedMessage {
  readonly type: "text" | "binary";
  readonly data: Uint8Array;
}

/** How the exchange must end. */
export type Outcome =
  /**
   * The closing handshake completes: the endpoint answers our Close (`code` null: it was empty).
   * `echoesOptional`: the Close was part of the script, written together with the messages
   * before it, and RFC 6455 §5.5.1 lets the endpoint answer it "as soon as practical", so echoes
   * the application had not sent yet may be missing.
   */
  | { readonly kind: "closed"; readonly code: number | null; readonly echoesOptional?: boolean }
  /** The endpoint must _Fail the WebSocket Connection_, preferably with one of `codes`. */
  | { readonly kind: "fail"; readonly codes: readonly number[]; readonly closeFrameOptional?: boolean }
  /** No reaction: the endpoint waits for bytes that never come. */
  | { readonly kind: "wait" };

/** Ordered by severity. */
export type Grade = "pass" | "info" | "warning" | "fail";
export const GRADE_ORDER: readonly Grade[] = ["pass", "info", "warning", "fail"];
export const worse = (a: Grade, b: Grade): Grade => (GRADE_ORDER.indexOf(a) >= GRADE_ORDER.indexOf(b) ? a : b);

/** One allowed reaction. */
export interface Candidate {
  readonly echoes: readonly ExpectedMessage[];
  readonly pongs: readonly Uint8Array[];
  readonly outcome: Outcome;
  /** Index of the frame where the outcome happens; later frames must have no effect. */
  readonly at: number;
  readonly grade: Exclude<Grade, "fail">;
  readonly notes: readonly string[];
  /** The RFC text that decides the outcome. */
  readonly rule: string;
}

/** What the oracle must know besides the frames. */
export interface OracleContext {
  /** The role of the endpoint under test. */
  readonly peerRole: "server" | "client";
  /** The permessage-deflate agreement, seen from the kit; null when not negotiated. */
  readonly deflate: DeflateAgreement | null;
  /** Index of the first frame of the kit's tail (sentinel, final Close), if any. */
  readonly tailStart?: number;
  /**
   * Sizes past which a message may be refused with 1009 (RFC 6455 §10.4 lets an endpoint limit
   * them; graded `info`). Smaller messages must be echoed. Default `DEFAULT_LIMIT_HINT`: 64 KiB
   * and 64 fragments.
   */
  readonly limitHint?: { readonly messageSize: number; readonly fragments: number };
}

/** Every endpoint should take messages up to 64 KiB in up to 64 frames; beyond, 1009 is a policy. */
export const DEFAULT_LIMIT_HINT: { readonly messageSize: number; readonly fragments: number } = { messageSize: 64 * 1024, fragments: 64 };

/** The oracle does not inflate past this: such a message can only be refused (1009) or dropped. */
export const MAX_ORACLE_INFLATE: number = 16 * 1024 * 1024;

interface MessageState {
  readonly opcode: number;
  readonly parts: Uint8Array[];
  readonly compressed: boolean;
  /** Uncompressed text: the running UTF-8 check. */
  readonly utf8: Utf8Checker | null;
  /** Index of the message's first frame. */
  readonly start: number;
}

interface WalkState {
  readonly echoes: ExpectedMessage[];
  readonly pongs: Uint8Array[];
  message: MessageState | null;
  /** The endpoint's inflater window (earlier decompressed messages). */
  history: Uint8Array;
  grade: Exclude<Grade, "fail">;
  readonly notes: string[];
  /** On the non-strict UTF-8 path: the open message is known invalid, to be failed at its end. */
  lazyInvalid: boolean;
}

const MAX_CANDIDATES = 12;

function cloneState(s: WalkState): WalkState {
  return {
    echoes: [...s.echoes],
    pongs: [...s.pongs],
    message:
      s.message === null
        ? null
        : { ...s.message, parts: [...s.message.parts], utf8: s.message.utf8 === null ? null : s.message.utf8.clone() },
    history: s.history,
    grade: s.grade,
    notes: [...s.notes],
    lazyInvalid: s.lazyInvalid,
  };
}

const RULES = {
  mask: "RFC 6455 §5.1: a server MUST close the connection on an unmasked frame and a client on a masked one (it MAY send 1002)",
  rsv: "RFC 6455 §5.2: a nonzero RSV bit that no negotiated extension defines MUST _Fail the WebSocket Connection_",
  opcode: "RFC 6455 §5.2: a reserved opcode MUST _Fail the WebSocket Connection_",
  msb: 'RFC 6455 §5.2: in a 64-bit length "the most significant bit MUST be 0"',
  controlFin: 'RFC 6455 §5.5: "Control frames themselves MUST NOT be fragmented"',
  controlLength: 'RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less"',
  continuation: "RFC 6455 §5.4: a continuation frame needs a message in progress, and a new message may not start inside one",
  rsv1Continuation: 'RFC 7692 §6.1: the "Per-Message Compressed" bit is set on the first frame of a message only; on other frames it is an RSV1 no extension defines (RFC 6455 §5.2)',
  rsv1Control: "RFC 7692 §6.1: control frames are never compressed; RSV1 on one is undefined (RFC 6455 §5.2)",
  utf8: "RFC 6455 §8.1: text that is not valid UTF-8 MUST _Fail the WebSocket Connection_ (1007, §7.4.1)",
  inflate: "RFC 7692 §6.2 / RFC 6455 §7.4.1: a compressed message that cannot be decompressed fails the connection (1007 or 1002)",
  closeLength: "RFC 6455 §5.5.1: a Close body starts with a 2-byte code; a 1-byte body is a protocol error",
  closeCode: "RFC 6455 §7.4: codes 0-999, 1004-1006, 1015, unassigned 1016-2999 and 5000+ may not appear on the wire (Autobahn 7.9, 7.13; fail with 1002)",
  closeReason: 'RFC 6455 §5.5.1: the close reason "MUST be valid UTF-8" (1007)',
  echoClose: 'RFC 6455 §5.5.1: "the endpoint MUST send a Close frame in response"',
  ping: 'RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response"',
  limit: "RFC 6455 §10.4: implementations SHOULD impose a limit on frame and message sizes (1009)",
  sizeLimit: "RFC 6455 §10.4 and §7.4.1 (1009): an endpoint may refuse a message too big for it",
  nonMinimal: 'RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length" binds the sender; a receiver may accept or refuse other encodings',
} as const;

/** Close codes a Close frame may carry (RFC 6455 §7.4.1, IANA registry). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * Every reaction RFC 6455/7692 allow an echo endpoint for `frames` (a script plus its tail),
 * best first. The first candidate is the RFC's primary expectation.
 */
export function expectReaction(frames: readonly WireFrame[], ctx: OracleContext): Candidate[] {
  const out: Candidate[] = [];
  walk(frames, 0, { echoes: [], pongs: [], message: null, history: new Uint8Array(0), grade: "pass", notes: [], lazyInvalid: false }, ctx, out);
  const order = (c: Candidate): number => GRADE_ORDER.indexOf(c.grade);
  return out.map((c, i) => ({ c, i })).sort((a, b) => order(a.c) - order(b.c) || a.i - b.i).map(({ c }) => c);
}

function walk(frames: readonly WireFrame[], from: number, st: WalkState, ctx: OracleContext, out: Candidate[]): void {
  const push = (outcome: Outcome, at: number, rule: string, extra: { grade?: Exclude<Grade, "fail">; note?: string } = {}): void => {
    if (out.length >= MAX_CANDIDATES) return;
    const grade = extra.grade === undefined ? st.grade : (worse(st.grade, extra.grade) as Exclude<Grade, "fail">);
    out.push({
      echoes: [...st.echoes],
      pongs: [...st.pongs],
      outcome,
      at,
      grade,
      notes: extra.note === undefined ? [...st.notes] : [...st.notes, extra.note],
      rule,
    });
  };
  const fail = (at: number, codes: readonly number[], rule: string, extra: { closeFrameOptional?: boolean } = {}): void =>
    push({ kind: "fail", codes, ...(extra.closeFrameOptional === true ? { closeFrameOptional: true } : {}) }, at, rule);

  const mustMask = ctx.peerRole === "server";
  const rsvAllowed = ctx.deflate === null ? 0 : RSV1;

  for (let i = from; i < frames.length; i++) {
    const f = frames[i]!;
    const masked = f.masked ?? mustMask;
    if (masked !== mustMask) return fail(i, [1002], RULES.mask, { closeFrameOptional: true });
    if ((f.rsv & ~rsvAllowed) !== 0) return fail(i, [1002], RULES.rsv);
    if (isReservedOpcode(f.opcode)) return fail(i, [1002], RULES.opcode);
    if (f.msb === true) return fail(i, [1002, 1009], RULES.msb);
    const control = isControl(f.opcode);
    const length = f.declaredLength ?? f.payload.length;
    if (control && !f.fin) return fail(i, [1002], RULES.controlFin);
    if (control && length > 125) return fail(i, [1002], RULES.controlLength);
    if (control && (f.rsv & RSV1) !== 0) return fail(i, [1002], RULES.rsv1Control);
    if (f.declaredLength !== undefined && f.declaredLength > f.payload.length) {
      // The script ends inside this frame. Beyond any sane limit the endpoint should refuse it
      // from the header alone; waiting for the bytes is allowed but unbounded.
      push({ kind: "fail", codes: [1009] }, i, RULES.limit);
      push({ kind: "fail", codes: [1002] }, i, RULES.limit, { grade: "info", note: `refuses a frame announcing ${f.declaredLength} bytes with 1002 rather than 1009` });
      push({ kind: "wait" }, i, RULES.limit, { grade: "warning", note: `waits for the ${f.declaredLength} bytes a frame header announced: no size limit (RFC 6455 §10.4 SHOULD)` });
      return;
    }
    if (isNonMinimal(f)) {
      // Both policies are allowed; branch.
      const refuse = cloneState(st);
      refuse.grade = worse(refuse.grade, "info") as Exclude<Grade, "fail">;
      refuse.notes.push(`refuses the non-minimal ${f.lengthForm}-bit length encoding of a ${f.payload.length}-byte payload (1002)`);
      st.grade = worse(st.grade, "info") as Exclude<Grade, "fail">;
      st.notes.push(`accepts non-minimal length encodings (a ${f.payload.length}-byte payload in a ${f.lengthForm}-bit length)`);
      if (out.length < MAX_CANDIDATES) {
        out.push({ echoes: [...refuse.echoes], pongs: [...refuse.pongs], outcome: { kind: "fail", codes: [1002] }, at: i, grade: refuse.grade, notes: refuse.notes, rule: RULES.nonMinimal });
      }
    }

    if (control) {
      if (f.opcode === OP.ping) {
        st.pongs.push(f.payload);
        continue;
      }
      if (f.opcode === OP.pong) continue;
      // Close (RFC 6455 §5.5.1): check the body, then the closing handshake completes.
      const body = f.payload;
      const early = ctx.tailStart !== undefined && i < ctx.tailStart ? { echoesOptional: true } : {};
      if (body.length === 1) return fail(i, [1002], RULES.closeLength);
      if (body.length === 0) return push({ kind: "closed", code: null, ...early }, i, RULES.echoClose);
      const code = (body[0]! << 8) | body[1]!;
      if (!isValidCloseCode(code)) {
        fail(i, [1002], RULES.closeCode);
        push({ kind: "closed", code, ...early }, i, RULES.closeCode, { grade: "warning", note: `accepts close code ${code}, which may not appear on the wire` });
        return;
      }
      const reason = new Utf8Checker();
      if (!reason.push(body.subarray(2)) || !reason.atBoundary) return fail(i, [1007], RULES.closeReason);
      return push({ kind: "closed", code, ...early }, i, RULES.echoClose);
    }

    // Data frames (RFC 6455 §5.4).
    if (f.opcode === OP.continuation) {
      if (st.message === null) return fail(i, [1002], RULES.continuation);
      if ((f.rsv & RSV1) !== 0) return fail(i, [1002], RULES.rsv1Continuation);
    } else {
      if (st.message !== null) return fail(i, [1002], RULES.continuation);
      const compressed = (f.rsv & RSV1) !== 0;
      st.message = { opcode: f.opcode, parts: [], compressed, utf8: f.opcode === OP.text && !compressed ? new Utf8Checker() : null, start: i };
      st.lazyInvalid = false;
    }
    const message = st.message;
    message.parts.push(f.payload);
    if (message.utf8 !== null && !st.lazyInvalid && !message.utf8.push(f.payload)) {
      if (f.fin) return fail(i, [1007], RULES.utf8);
      // Strict: fail at the first impossible byte. Non-strict: at the end of the message.
      fail(i, [1007], RULES.utf8);
      st.grade = worse(st.grade, "warning") as Exclude<Grade, "fail">;
      st.notes.push("non-strict UTF-8: invalid text in a non-final fragment is refused only when the message ends (RFC 6455 §8.1; Autobahn 6.4 expects a fast fail)");
      st.lazyInvalid = true;
    }
    if (!f.fin) continue;

    st.message = null;
    if (st.lazyInvalid) return fail(i, [1007], RULES.utf8);
    let data = concat(message.parts);
    const hint = ctx.limitHint ?? DEFAULT_LIMIT_HINT;
    const fragments = frames.slice(message.start, i + 1).filter((x) => !isControl(x.opcode)).length;
    if (message.compressed) {
      const inflated = inflateMessage(data, st.history, MAX_ORACLE_INFLATE);
      if (inflated instanceof RangeError) {
        // A decompression bomb, as far as the kit is concerned: only a limit can answer it.
        return push({ kind: "fail", codes: [1009] }, i, RULES.sizeLimit, { note: `the message inflates past ${MAX_ORACLE_INFLATE} bytes, which the kit does not follow: it expects a size limit` });
      }
      // Fail at the last frame: a strict endpoint that fails earlier answers fewer pings, which
      // the judge allows before a failure.
      if (inflated instanceof Error) return fail(i, [1007, 1002], RULES.inflate);
      st.history = nextHistory(st.history, inflated, ctx.deflate?.sendNoContextTakeover ?? true);
      data = inflated;
      if (message.opcode === OP.text) {
        const checker = new Utf8Checker();
        if (!checker.push(data) || !checker.atBoundary) return fail(i, [1007], RULES.utf8);
      }
    } else if (message.utf8 !== null && !message.utf8.atBoundary) {
      return fail(i, [1007], RULES.utf8);
    }
    if (data.length > hint.messageSize || fragments > hint.fragments) {
      // Refusing at any frame of the message is allowed; the latest point admits them all.
      push({ kind: "fail", codes: [1009] }, i, RULES.sizeLimit, { grade: "info", note: `refuses a message of ${data.length} bytes in ${fragments} frames (size limit)` });
    }
    st.echoes.push({ type: message.opcode === OP.text ? "text" : "binary", data });
  }
  push({ kind: "wait" }, frames.length, "the script ends with the connection open");
}

function isNonMinimal(f: WireFrame): boolean {
  if (f.lengthForm === undefined || f.declaredLength !== undefined) return false;
  return f.lengthForm === "16" ? f.payload.length < 126 : f.payload.length < 65536;
}

/** A one-line summary of a candidate for reports. */
export function describeCandidate(c: Candidate): string {
  const parts: string[] = [];
  if (c.echoes.length > 0) parts.push(`echo ${c.echoes.map((e) => `${e.type} ${preview(e.data, 16)}`).join(", ")}`);
  if (c.pongs.length > 0) parts.push(`pong ${c.pongs.map((p) => preview(p, 16)).join(", ")}`);
  switch (c.outcome.kind) {
    case "closed":
      parts.push(c.outcome.code === null ? "answer the empty Close" : `answer Close ${c.outcome.code}`);
      break;
    case "fail":
      parts.push(`fail with ${c.outcome.codes.join(" or ")} at frame ${c.at + 1}${c.outcome.closeFrameOptional === true ? " (Close frame optional)" : ""}`);
      break;
    case "wait":
      parts.push("no reaction (waits for more bytes)");
      break;
  }
  return parts.join("; ");
}

/** Whether two expected or received messages hold the same type and bytes. */
export function sameMessage(a: ExpectedMessage, b: ExpectedMessage): boolean {
  return a.type === b.type && bytesEqual(a.data, b.data);
}
