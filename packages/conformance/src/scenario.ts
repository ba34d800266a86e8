/**
 * Scenarios: what the kit sends to the endpoint under test. A frame scenario is a list of frames
 * (and messages the kit compresses at run time, once the deflate agreement is known) that the
 * runner follows with a fixed tail: a sentinel ping, a final fragment if a message was left
 * open, and a Close 1000. The tail turns "the endpoint stayed open and processed everything" into
 * something observable without waiting for a timeout.
 */
import { concat, utf8 } from "./bytes.js";
import { type CompressMode, type DeflateAgreement, KitDeflater } from "./deflate.js";
import { frame, OP, RSV1, type WireFrame } from "./frames.js";
import type { RequestSpec, ResponseSpec } from "./http.js";

/** The case groups, by RFC topic. */
export const GROUPS = ["framing", "reserved", "fragmentation", "control", "utf8", "closing", "limits", "handshake", "deflate"] as const;
export type GroupName = (typeof GROUPS)[number];

/** What each group covers, for reports. */
export const GROUP_TITLES: Readonly<Record<GroupName, string>> = {
  framing: "RFC 6455 §5.1-5.2 base framing: lengths, masking, length encodings",
  reserved: "RFC 6455 §5.2 reserved bits and reserved opcodes",
  fragmentation: "RFC 6455 §5.4 fragmentation, control frames between fragments",
  control: "RFC 6455 §5.5.2-5.5.3 ping and pong",
  utf8: "RFC 6455 §8.1 UTF-8 in text messages",
  closing: "RFC 6455 §5.5.1, §7 closing handshake and close codes",
  limits: "RFC 6455 §10.4 large messages and announced lengths",
  handshake: "RFC 6455 §4 opening handshake",
  deflate: "RFC 7692 permessage-deflate",
};

/** A message the kit compresses when the scenario runs (the agreement decides the window). */
export interface CompressedMessage {
  readonly kind: "compressed";
  readonly opcode: typeof OP.text | typeof OP.binary;
  readonly plain: Uint8Array;
  /** "corrupt": RSV1 with bytes no inflater accepts (a reserved block type). */
  readonly mode: CompressMode | "corrupt";
  /** Frames the compressed payload is split into; RSV1 goes on the first only (RFC 7692 §6.1). */
  readonly fragments: number;
  /** Control frames sent after the first fragment. */
  readonly interleaved?: readonly WireFrame[];
  /** Set RSV1 on the continuation frames too, which RFC 7692 §6.1 forbids. */
  readonly rsv1OnContinuations?: boolean;
}

/** One element of a script. */
export type ScriptItem = WireFrame | CompressedMessage;

export const isCompressedMessage = (item: ScriptItem): item is CompressedMessage => "kind" in item && item.kind === "compressed";

/** Frames sent on an open connection, then the tail. */
export interface FrameScenario {
  readonly kind: "frames";
  readonly group: GroupName;
  readonly name: string;
  readonly items: readonly ScriptItem[];
  /** Offsets at which the script's bytes are cut into separate writes (TCP segments). */
  readonly cuts?: readonly number[];
  /** Negotiate permessage-deflate first; without it the scenario does not apply. */
  readonly deflate?: boolean;
  /** The offer to make for a server under test instead of the kit's default offer. */
  readonly deflateOffer?: string;
  /** The script ends inside a frame, so no tail can follow: only the reaction is awaited. */
  readonly openEnded?: boolean;
}

/** An upgrade request sent to a server under test; the reaction is the HTTP response. */
export interface HandshakeScenario {
  readonly kind: "handshake";
  readonly group: "handshake";
  readonly name: string;
  readonly request: RequestSpec;
}

/** A response sent to a client under test after its upgrade request. */
export interface ResponseScenario {
  readonly kind: "response";
  readonly group: "handshake";
  readonly name: string;
  readonly response: ResponseSpec;
}

export type Scenario = FrameScenario | HandshakeScenario | ResponseScenario;

/** The sentinel ping's payload: a pong carrying it proves everything before it was processed. */
export const SENTINEL: Uint8Array = utf8("wsengine-sentinel");
/** The Close frame that ends every scenario that is still open: 1000, no reason. */
export const FINAL_CLOSE: Uint8Array = Uint8Array.of(0x03, 0xe8);

/**
 * Turn script items into frames: compressed messages are compressed with `deflater` (the
 * kit's side of the agreement). Without an agreement a compressed message is sent with RSV1 and
 * the compressed bytes anyway, which the peer must refuse.
 */
export function realize(items: readonly ScriptItem[], deflater: KitDeflater | null): WireFrame[] {
  const out: WireFrame[] = [];
  const compressor = deflater ?? new KitDeflater(true, 15);
  for (const item of items) {
    if (!isCompressedMessage(item)) {
      out.push(item);
      continue;
    }
    const data =
      item.mode === "corrupt"
        ? // BFINAL=0, BTYPE=11: a reserved block type that every inflater refuses (RFC 1951 §3.2.3).
          concat([Uint8Array.of(0x06), item.plain])
        : compressor.compress(item.plain, item.mode);
    const n = Math.max(1, Math.min(item.fragments, Math.max(1, data.length)));
    for (let i = 0; i < n; i++) {
      const from = Math.floor((data.length * i) / n);
      const to = Math.floor((data.length * (i + 1)) / n);
      const rsv = i === 0 || item.rsv1OnContinuations === true ? RSV1 : 0;
      out.push(frame(i === 0 ? item.opcode : OP.continuation, data.slice(from, to), { fin: i === n - 1, rsv }));
      if (i === 0 && item.interleaved !== undefined) out.push(...item.interleaved);
    }
  }
  return out;
}

/** Whether a data message is still open after `frames` (its last data frame had FIN clear). */
export function leavesMessageOpen(frames: readonly WireFrame[]): boolean {
  let open = false;
  for (const f of frames) {
    if (f.opcode === OP.continuation || f.opcode === OP.text || f.opcode === OP.binary) open = !f.fin;
  }
  return open;
}

/**
 * The tail after a script: the sentinel ping (phase 1); then a final fragment if a message was
 * left open (phase 2); then Close 1000 (phase 3, once the echoes have arrived).
 */
export function tailFor(frames: readonly WireFrame[]): { readonly sentinel: WireFrame[]; readonly completion: WireFrame[]; readonly closing: WireFrame[] } {
  return {
    sentinel: [frame(OP.ping, SENTINEL)],
    completion: leavesMessageOpen(frames) ? [frame(OP.continuation, new Uint8Array(0))] : [],
    closing: [frame(OP.close, FINAL_CLOSE)],
  };
}

/** Agreement-aware deflater for a scenario run, or null without deflate. */
export function deflaterFor(agreement: DeflateAgreement | null): KitDeflater | null {
  return agreement === null ? null : new KitDeflater(agreement.sendNoContextTakeover, agreement.sendWindowBits);
}
