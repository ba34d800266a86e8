/**
 * Our server for peers that are clients: an http or https server with our WebSocket server
 * attached, which checks every message against the plan named in the URL and echoes it.
 *
 * Query parameters of the WebSocket URL: `plan` (a {@link PlanName}, default `small`) and
 * `closer=server` to make the server close with {@link SERVER_CLOSE} once it echoed the whole plan
 * (otherwise the client closes). The same http server serves the browser test's page and the
 * payloads it sends (`GET /payload/PLAN/I`), so the page is same-origin with the WebSocket.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { attach, type CloseInfo, type Message, permessageDeflate, type PerMessageDeflateOptions, type WebSocketSession } from "@wsengine/node";
import { MAX_MESSAGE, mismatch, PLANS, type PlanName, SERVER_CLOSE } from "./plan.js";

export interface ServerRecord {
  readonly session: WebSocketSession;
  /** The client's `Sec-WebSocket-Extensions` offer as our server received it. */
  readonly offer: string | undefined;
  readonly plan: PlanName;
  readonly received: { count: number };
  /** Every message that was not the plan's, with what differed. */
  readonly problems: string[];
  readonly closed: Promise<CloseInfo>;
}

export interface OurServer {
  readonly port: number;
  readonly secure: boolean;
  /** `ws://127.0.0.1:PORT` or `wss://...`. */
  readonly url: string;
  /** Resolves with the next connection that opens (in order of opening). */
  nextConnection(): Promise<ServerRecord>;
  close(): Promise<void>;
}

export interface OurServerOptions {
  /** permessage-deflate options, or `false` for no compression. */
  readonly deflate: PerMessageDeflateOptions | false;
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
}

const PAGE = new URL("../browser/page.html", import.meta.url);

function serveStatic(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  const payload = /^\/payload\/(\w+)\/(\d+)$/.exec(url.pathname);
  if (url.pathname === "/") {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end(readFileSync(PAGE));
  } else if (url.pathname.startsWith("/plan/") && url.pathname.slice(6) in PLANS) {
    const plan = PLANS[url.pathname.slice(6) as PlanName];
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(plan.map((m) => (typeof m === "string" ? "text" : "binary"))));
  } else if (payload !== null && payload[1]! in PLANS && PLANS[payload[1] as PlanName][Number(payload[2])] !== undefined) {
    const message = PLANS[payload[1] as PlanName][Number(payload[2])]!;
    res.setHeader("Content-Type", typeof message === "string" ? "text/plain; charset=utf-8" : "application/octet-stream");
    res.end(typeof message === "string" ? Buffer.from(message, "utf8") : message);
  } else {
    res.statusCode = 404;
    res.end("not found");
  }
}

/** Start our echo-and-check server on 127.0.0.1. */
export async function startOurServer(options: OurServerOptions): Promise<OurServer> {
  const http: Server = options.tls === undefined ? createHttpServer(serveStatic) : createHttpsServer(options.tls, serveStatic);
  const sockets = new Set<Socket>();
  http.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const opened: ServerRecord[] = [];
  const waiting: Array<(r: ServerRecord) => void> = [];
  const wss = attach(http, {
    maxMessageSize: MAX_MESSAGE,
    closeTimeout: 5000,
    ...(options.deflate === false ? {} : { extensions: [permessageDeflate(options.deflate)] }),
    onConnection: (session, request) => {
      const query = new URL(request.target, "http://x").searchParams;
      const plan = (query.get("plan") ?? "small") as PlanName;
      const messages = PLANS[plan] ?? [];
      const record: ServerRecord = {
        session,
        offer: request.headers.get("sec-websocket-extensions"),
        plan,
        received: { count: 0 },
        problems: messages.length === 0 ? [`unknown plan ${plan}`] : [],
        closed: session.closed,
      };
      session.on("message", (m: Message) => {
        const i = record.received.count++;
        const expected = messages[i];
        const problem = expected === undefined ? "more messages than the plan has" : mismatch(expected, m);
        if (problem !== null) record.problems.push(`server received message ${i}: ${problem}`);
        void session.send(m).catch(() => {});
        if (i === messages.length - 1 && query.get("closer") === "server") {
          void session.close(SERVER_CLOSE.code, SERVER_CLOSE.reason);
        }
      });
      const next = waiting.shift();
      if (next !== undefined) next(record);
      else opened.push(record);
    },
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const port = (http.address() as AddressInfo).port;
  const secure = options.tls !== undefined;
  return {
    port,
    secure,
    url: `${secure ? "wss" : "ws"}://127.0.0.1:${port}`,
    nextConnection: () => {
      const record = opened.shift();
      return record !== undefined ? Promise.resolve(record) : new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      await wss.close({ timeout: 500 });
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
