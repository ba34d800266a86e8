/**
 * One scenario arbitrary per case group: valid traffic of the group's kind with, often, one
 * broken element somewhere in it. The oracle decides what the endpoint must do; the
 * arbitraries only decide what to send.
 */
import fc from "fast-check";
import { utf8 } from "../bytes.js";
import { frame, OP, RSV1, type WireFrame } from "../frames.js";
import type { FrameScenario, GroupName, ScriptItem } from "../scenario.js";
import {
  boundaryLength,
  brokenFrame,
  bytes,
  compressedMessage,
  controlFrame,
  dataMessage,
  invalidClosePayload,
  invalidUtf8,
  nonMinimalFrame,
  segmentCuts,
  sizedBytes,
  truncatedUtf8,
  validClosePayload,
  validText,
  wronglyMaskedFrame,
} from "./frames.js";

const flat = (messages: readonly (readonly ScriptItem[])[]): ScriptItem[] => messages.flat();

/** Insert `extra` at a position chosen by `where` (a fraction) among whole messages. */
function insertAt(messages: readonly (readonly ScriptItem[])[], extra: readonly ScriptItem[], where: number): ScriptItem[] {
  const at = Math.floor(where * (messages.length + 1));
  return flat([...messages.slice(0, at), extra, ...messages.slice(at)]);
}

const where = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

function scenario(group: GroupName, items: fc.Arbitrary<ScriptItem[]>, extra: Partial<FrameScenario> = {}): fc.Arbitrary<FrameScenario> {
  return fc.tuple(items, segmentCuts).map(([list, cuts]) => ({ kind: "frames", group, name: `random ${group}`, items: list, ...(cuts.length > 0 ? { cuts } : {}), ...extra }));
}

/** Valid messages with a sprinkling of boundary lengths. */
const framingMessages = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: dataMessage({ maxFragments: 2, interleave: false }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(OP.text, OP.binary), sizedBytes(boundaryLength)).map(([op, data]) => [frame(op, op === OP.text ? data.map((b) => 0x20 + (b % 0x5f)) : data)]) },
  ),
  { maxLength: 5 },
);

/** The group's scenario arbitrary. `defaultMasked`: whether the kit masks (it plays the client). */
export function scenarioArbitrary(group: Exclude<GroupName, "handshake">, defaultMasked: boolean): fc.Arbitrary<FrameScenario> {
  switch (group) {
    case "framing":
      return scenario(
        group,
        fc.tuple(
          framingMessages,
          fc.option(fc.oneof(wronglyMaskedFrame.map((make) => make(defaultMasked)), nonMinimalFrame, brokenFrame.filter((f) => f.msb === true)), { nil: undefined }),
          where,
        ).map(([messages, extra, w]) => (extra === undefined ? flat(messages) : insertAt(messages, [extra], w))),
      );
    case "reserved":
      return scenario(
        group,
        fc.tuple(fc.array(dataMessage({ maxFragments: 2 }), { maxLength: 4 }), fc.option(brokenFrame.filter((f) => f.rsv !== 0 || (f.opcode >= 3 && f.opcode <= 7) || f.opcode >= 11), { freq: 3, nil: undefined }), where).map(([m, extra, w]) =>
          extra === undefined ? flat(m) : insertAt(m, [extra], w),
        ),
      );
    case "fragmentation": {
      const violation: fc.Arbitrary<ScriptItem[]> = fc.oneof(
        // §5.4: continuation without a message; a new message inside one; a fragmented control frame.
        bytes(8).map((p) => [frame(OP.continuation, p)]),
        fc.tuple(fc.constantFrom(OP.text, OP.binary), fc.constantFrom(OP.text, OP.binary)).map(([a, b]) => [frame(a, utf8("start"), { fin: false }), frame(b, utf8("again"))]),
        fc.tuple(fc.constantFrom(OP.ping, OP.pong), bytes(8)).map(([op, p]) => [frame(OP.text, utf8("frag"), { fin: false }), frame(op, p, { fin: false }), frame(OP.continuation, utf8("ment"))]),
      );
      return scenario(
        group,
        fc.tuple(fc.array(dataMessage({ maxFragments: 6 }), { maxLength: 4 }), fc.option(violation, { freq: 3, nil: undefined }), where).map(([m, extra, w]) => (extra === undefined ? flat(m) : insertAt(m, extra, w))),
      );
    }
    case "control":
      return scenario(
        group,
        fc.tuple(
          fc.array(fc.oneof(controlFrame.map((f) => [f]), dataMessage({ maxFragments: 3 })), { maxLength: 8 }),
          fc.option(brokenFrame.filter((f) => (f.opcode === OP.ping || f.opcode === OP.pong) && f.rsv === 0), { freq: 3, nil: undefined }),
          where,
        ).map(([m, extra, w]) => (extra === undefined ? flat(m) : insertAt(m, [extra], w))),
      );
    case "utf8": {
      const text = fc.oneof({ weight: 2, arbitrary: validText.map(utf8) }, { weight: 2, arbitrary: invalidUtf8 }, { weight: 1, arbitrary: truncatedUtf8 });
      return scenario(
        group,
        fc.tuple(
          fc.array(dataMessage({ text, binary: invalidUtf8, maxFragments: 5 }), { minLength: 1, maxLength: 4 }),
          // Sometimes leave the last text message open: the strict check then decides alone.
          fc.boolean(),
        ).map(([messages, leaveOpen]) => {
          const items = flat(messages);
          if (!leaveOpen) return items;
          const last = items.length - 1;
          const f = items[last] as WireFrame;
          return f.fin && f.opcode !== OP.ping && f.opcode !== OP.pong ? [...items.slice(0, last), { ...f, fin: false }] : items;
        }),
      );
    }
    case "closing":
      return scenario(
        group,
        fc.tuple(
          fc.array(dataMessage({ maxFragments: 2 }), { maxLength: 3 }),
          fc.oneof({ weight: 3, arbitrary: validClosePayload }, { weight: 2, arbitrary: invalidClosePayload }),
          fc.boolean(),
          fc.array(fc.oneof(dataMessage({ maxFragments: 1, interleave: false }), controlFrame.map((f) => [f])), { maxLength: 2 }),
        ).map(([before, close, inside, after]) => {
          const items = flat(before);
          // Sometimes send the Close in the middle of a fragmented message (allowed: §5.4).
          if (inside) items.push(frame(OP.text, utf8("unfinished"), { fin: false }));
          items.push(frame(OP.close, close));
          return [...items, ...flat(after)];
        }),
      );
    case "limits":
      return fc.oneof(
        scenario(
          group,
          fc.tuple(fc.constantFrom(OP.text, OP.binary), sizedBytes(fc.integer({ min: 65_536, max: 1 << 20 })), fc.integer({ min: 1, max: 16 })).map(([op, data, pieces]) => {
            const payload = op === OP.text ? data.map((b) => 0x20 + (b % 0x5f)) : data;
            return dataFrames(op, payload, pieces);
          }),
        ),
        // Many tiny fragments, empty ones included (they count: ws 8.21 DoS).
        scenario(
          group,
          fc.tuple(fc.integer({ min: 2, max: 300 }), fc.boolean()).map(([n, empty]) => dataFrames(OP.binary, new Uint8Array(empty ? 0 : n).fill(0x61), n)),
        ),
        // A header announcing more than any sane limit (2^31 to 2^53): refused from the header alone.
        fc.tuple(fc.constantFrom(OP.text, OP.binary), fc.integer({ min: 31, max: 53 })).map(([op, bits]): FrameScenario => ({
          kind: "frames",
          group,
          name: "random limits",
          items: [frame(op, new Uint8Array(0), { declaredLength: 2 ** bits - (bits === 53 ? 1 : 0) })],
          openEnded: true,
        })),
      );
    case "deflate": {
      const violation: fc.Arbitrary<ScriptItem[]> = fc.oneof(
        controlFrame.map((f) => [{ ...f, rsv: RSV1 }]),
        compressedMessage.map((m) => [{ ...m, fragments: Math.max(2, m.fragments), rsv1OnContinuations: true }]),
        compressedMessage.map((m) => [{ ...m, mode: "corrupt" as const }]),
      );
      const messages = fc.array(fc.oneof({ weight: 3, arbitrary: compressedMessage.map((m) => [m]) }, { weight: 1, arbitrary: dataMessage({ maxFragments: 2 }) }), { maxLength: 5 });
      return scenario(
        group,
        fc.tuple(messages, fc.option(violation, { freq: 4, nil: undefined }), where).map(([m, extra, w]) => (extra === undefined ? flat(m) : insertAt(m, extra, w))),
        { deflate: true },
      );
    }
  }
}

/** A message in `pieces` frames of near-equal size. */
function dataFrames(opcode: number, data: Uint8Array, pieces: number): WireFrame[] {
  const out: WireFrame[] = [];
  for (let i = 0; i < pieces; i++) {
    const from = Math.floor((data.length * i) / pieces);
    const to = Math.floor((data.length * (i + 1)) / pieces);
    out.push(frame(i === 0 ? opcode : OP.continuation, data.slice(from, to), { fin: i === pieces - 1 }));
  }
  return out;
}

