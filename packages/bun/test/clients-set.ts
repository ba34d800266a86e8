/**
 * For test/clients-set.test.ts: a server's `clients` on the installed `bun`, whose `Set` has
 * ES2025's set methods, answers each of them as a `Set` of the same sessions does, with three
 * clients open. Prints one JSON line.
 *   node_modules/.bin/bun run packages/bun/test/clients-set.ts
 */
import { connect, listen } from "../src/index.js";

export interface Report {
  readonly clients: number;
  /** Per method: whether `clients` and a `Set` of the same sessions gave the same answer. */
  readonly same: Record<string, boolean>;
}

const METHODS = ["union", "intersection", "difference", "symmetricDifference", "isSubsetOf", "isSupersetOf", "isDisjointFrom"] as const;
type SetMethod = (other: ReadonlySet<unknown>) => unknown;

const wss = listen({ port: 0, hostname: "127.0.0.1" });
const sockets = await Promise.all([0, 1, 2].map(() => connect(`ws://127.0.0.1:${wss.port}`)));
while (wss.clients.size < 3) await new Promise((resolve) => setTimeout(resolve, 5));

const [first] = wss.clients;
const asSet = new Set(wss.clients);
const others: ReadonlySet<unknown>[] = [new Set(), new Set([first, {}]), new Set(wss.clients), new Set([...wss.clients, {}])];
const same: Record<string, boolean> = {};
for (const name of METHODS) {
  same[name] = others.every((other) => {
    const ours = (wss.clients as unknown as Record<string, SetMethod>)[name]!.call(wss.clients, other);
    const theirs = (asSet as unknown as Record<string, SetMethod>)[name]!.call(asSet, other);
    if (typeof theirs === "boolean") return ours === theirs;
    const a = [...(ours as Set<unknown>)];
    const b = [...(theirs as Set<unknown>)];
    return ours instanceof Set && a.length === b.length && a.every((v, i) => v === b[i]);
  });
}
console.log(JSON.stringify({ clients: wss.clients.size, same } satisfies Report));
for (const s of sockets) s.terminate();
await wss.close({ timeout: 100 });
