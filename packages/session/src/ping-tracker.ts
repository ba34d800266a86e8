/** Pings awaiting their pong, matched by payload (RFC 6455 §5.5.3). */

interface PendingPing {
  readonly sentAt: number;
  readonly resolve: (rtt: number) => void;
  readonly reject: (error: Error) => void;
}

/** Latin-1 view of a payload: a cheap exact key for a Map (payloads are at most 125 bytes). */
export function payloadKey(data: Uint8Array): string {
  let key = "";
  for (let i = 0; i < data.length; i++) key += String.fromCharCode(data[i]!);
  return key;
}

/**
 * Outstanding pings in the order they were sent. RFC 6455 §5.5.3 lets a peer answer only the
 * most recent of several pings, so a pong settles its own ping and every earlier one
 * (websockets does the same).
 */
export class PingTracker {
  readonly #pending: Map<string, PendingPing> = new Map();
  #counter = 0;

  /** Pings still waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /** Whether a ping with this payload is still waiting. */
  has(key: string): boolean {
    return this.#pending.has(key);
  }

  /** A fresh 4-byte payload that is not outstanding. */
  nextPayload(): Uint8Array {
    for (;;) {
      const n = (this.#counter = (this.#counter + 1) >>> 0);
      const payload = new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
      if (!this.#pending.has(payloadKey(payload))) return payload;
    }
  }

  /** Record a ping sent now. */
  add(key: string, sentAt: number, resolve: (rtt: number) => void, reject: (error: Error) => void): void {
    this.#pending.set(key, { sentAt, resolve, reject });
  }

  /** A pong arrived: settle its ping and every earlier one. Unsolicited pongs are ignored. */
  pong(key: string, now: number): void {
    if (!this.#pending.has(key)) return;
    for (const [k, ping] of this.#pending) {
      this.#pending.delete(k);
      ping.resolve(now - ping.sentAt);
      if (k === key) break;
    }
  }

  /** The connection closed: every waiting ping fails. */
  rejectAll(error: Error): void {
    for (const ping of this.#pending.values()) ping.reject(error);
    this.#pending.clear();
  }
}
