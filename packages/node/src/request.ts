/** Node's parsed `IncomingMessage` as core's {@link HttpRequestHead}. */
import type { IncomingMessage } from "node:http";
import { HeaderList, type HttpRequestHead } from "@wsengine/core";

/**
 * The request head of an `'upgrade'` event. `rawHeaders` keeps every field line in order with
 * its original case, which core's validation needs (a repeated Sec-WebSocket-Key is an error;
 * Node's `headers` object would have merged or dropped it).
 */
export function toRequestHead(req: IncomingMessage): HttpRequestHead {
  const raw = req.rawHeaders;
  const pairs: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return { method: req.method ?? "GET", target: req.url ?? "/", httpVersion: req.httpVersion, headers: HeaderList.from(pairs) };
}
