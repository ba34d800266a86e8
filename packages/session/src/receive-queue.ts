/** Received messages waiting for a consumer, counted in bytes so the session can bound them. */

/** A data message as the session delivers it: text as a string, binary as bytes. */
export type Message = string | Uint8Array;

/** Size a message counts for: bytes, or UTF-16 code units for text (what the string occupies). */
export function messageSize(message: Message): number {
  return message.length;
}

/** A FIFO of messages with a running byte count. Shifts are O(1) amortised. */
export class ReceiveQueue {
  #items: Message[] = [];
  #head = 0;
  #bytes = 0;

  /** Total size of the queued messages. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of queued messages. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  push(message: Message): void {
    this.#items.push(message);
    this.#bytes += messageSize(message);
  }

  /** The oldest message, removed, or `undefined` when empty. */
  shift(): Message | undefined {
    if (this.#head === this.#items.length) return undefined;
    const message = this.#items[this.#head]!;
    // Drop the reference so a consumed message can be collected before the array is compacted.
    (this.#items as Array<Message | undefined>)[this.#head] = undefined;
    this.#head++;
    this.#bytes -= messageSize(message);
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }
}
