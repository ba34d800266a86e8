import { expect, it } from "vitest";
import { ReceiveQueue } from "../src/receive-queue.js";

it("keeps order and a running size over many shifts", () => {
  const queue = new ReceiveQueue();
  for (let i = 0; i < 5000; i++) queue.push(i % 2 === 0 ? `t${i}` : new Uint8Array(3));
  let expectedBytes = queue.bytes;
  for (let i = 0; i < 4000; i++) {
    const m = queue.shift()!;
    expectedBytes -= m.length;
    if (i % 2 === 0) expect(m).toBe(`t${i}`);
    else expect(m).toBeInstanceOf(Uint8Array);
  }
  expect(queue.bytes).toBe(expectedBytes);
  expect(queue.length).toBe(1000);
  while (queue.shift() !== undefined);
  expect(queue.bytes).toBe(0);
  expect(queue.shift()).toBeUndefined();
});
