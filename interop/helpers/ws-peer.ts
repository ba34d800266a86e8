/** The `ws` package as a peer: an echo-and-check server, and a client exchange. */
import { once } from "node:events";
import { createServer as createHttpsServer } from "node:https";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Message } from "@wsengine/node";
import WebSocket, { WebSocketServer as WsServer, type PerMessageDeflateOptions as WsDeflateOptions } from "ws";
import { within } from "./net.js";
import { CLIENT_CLOSE, checkSequence, MAX_MESSAGE, mismatch, PLANS, type PlanName, SERVER_CLOSE } from "./plan.js";
import type { CloseSeen } from "./suite.js";

export const toMessage = (data: WebSocket.RawData, isBinary: boolean): Message => {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
  return isBinary ? new Uint8Array(buffer) : buffer.toString("utf8");
};

export interface WsServerRecord {
  readonly offer: string | undefined;
  readonly response: string | undefined;
  readonly problems: string[];
  count: number;
  readonly closed: Promise<CloseSeen>;
}

export interface WsPeerServer {
  readonly port: number;
  /** The oldest connection not yet taken. */
  next(): WsServerRecord;
  close(): Promise<void>;
}

/**
 * A ws echo server on 127.0.0.1 that checks what it receives against the plan in the URL
 * (`?plan=`), and closes with {@link SERVER_CLOSE} after the whole plan when `?closer=server`.
 */
export async function startWsServer(deflate: WsDeflateOptions | false, tls?: { key: Buffer; cert: Buffer }): Promise<WsPeerServer> {
  const https = tls === undefined ? undefined : createHttpsServer(tls);
  const server = https === undefined
    ? new WsServer({ host: "127.0.0.1", port: 0, perMessageDeflate: deflate, maxPayload: MAX_MESSAGE })
    : new WsServer({ server: https, perMessageDeflate: deflate, maxPayload: MAX_MESSAGE });
  if (https !== undefined) https.listen(0, "127.0.0.1");
  await once(https ?? server, "listening");
  const records: WsServerRecord[] = [];
  let lastResponse: string | undefined;
  server.on("headers", (headers: string[]) => {
    const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
    lastResponse = line?.slice(line.indexOf(":") + 1).trim();
  });
  server.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    const plan = PLANS[(query.get("plan") ?? "small") as PlanName];
    const record: WsServerRecord = {
      offer: req.headers["sec-websocket-extensions"],
      response: lastResponse,
      problems: [],
      count: 0,
      closed: new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }))),
    };
    records.push(record);
    ws.on("message", (data, isBinary) => {
      const i = record.count++;
      const m = toMessage(data, isBinary);
      const problem = plan[i] === undefined ? "more messages than the plan has" : mismatch(plan[i]!, m);
      if (problem !== null) record.problems.push(`ws server received message ${i}: ${problem}`);
      ws.send(m, { binary: isBinary });
      if (i === plan.length - 1 && query.get("closer") === "server") ws.close(SERVER_CLOSE.code, SERVER_CLOSE.reason);
    });
  });
  return {
    port: ((https ?? server).address() as AddressInfo).port,
    next: () => {
      const r = records.shift();
      if (r === undefined) throw new Error("the ws server saw no connection");
      return r;
    },
    close: () =>
      new Promise((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => (https === undefined ? resolve() : https.close(() => resolve())));
      }),
  };
}

export interface WsClientOutcome {
  /** The 101 response's `Sec-WebSocket-Extensions`. */
  readonly response: string | undefined;
  readonly problems: string[];
  readonly close: CloseSeen;
}

/** A ws client sends `plan`, checks the echoes, then closes with {@link CLIENT_CLOSE} or waits for the server to. */
export async function wsClientExchange(url: string, options: WebSocket.ClientOptions, plan: PlanName, closer: "client" | "server"): Promise<WsClientOutcome> {
  const messages = PLANS[plan];
  const ws = new WebSocket(url, { maxPayload: MAX_MESSAGE, ...options });
  try {
    let response: string | undefined;
    ws.once("upgrade", (res: IncomingMessage) => (response = res.headers["sec-websocket-extensions"] as string | undefined));
    const got: Message[] = [];
    let echoed!: () => void;
    const allEchoed = new Promise<void>((resolve) => (echoed = resolve));
    ws.on("message", (data, isBinary) => {
      got.push(toMessage(data, isBinary));
      if (got.length === messages.length) echoed();
    });
    const closed = new Promise<CloseSeen>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    await within(once(ws, "open"), 10_000, "ws client opening");
    for (const m of messages) ws.send(m, { binary: typeof m !== "string" });
    await within(Promise.race([allEchoed, closed]), 30_000, "echoes to the ws client");
    if (closer === "client") ws.close(CLIENT_CLOSE.code, CLIENT_CLOSE.reason);
    const close = await within(closed, 10_000, "the ws client's close");
    return { response, problems: checkSequence(messages, got), close };
  } finally {
    ws.terminate();
  }
}
