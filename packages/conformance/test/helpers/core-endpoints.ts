/**
 * Core as an endpoint under test, two ways: in memory (a `Link` that feeds core directly, no
 * sockets, no time), and as a tiny echo server on node:net built from `ServerConnection` alone
 * (a real socket, independent of the Node adapter).
 */
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { ClientConnection, type ClientOptions, type Connection, type ConnectionEvent, ServerConnection, type ServerOptions } from "@wsengine/core";
import {
  agreementFor,
  checkResponseAgainstOffer,
  encodeRequest,
  encodeResponse,
  type Endpoint,
  type Ending,
  formatExtensionHeader,
  type Link,
  parseDeflateParams,
  parseExtensionHeader,
  PeerReader,
  readHead,
  type DeflateAgreement,
  type DeflateParams,
  validRequest,
} from "../../src/index.js";
import { KIT_DEFLATE_OFFER } from "../../src/tcp.js";
import { bytesEqual, concat, utf8 } from "../../src/bytes.js";
import { encodeWireFrame, frame, OP } from "../../src/frames.js";
import { headerValues, headText } from "../../src/http.js";

/** Echo every text and binary event; ignore sends the state no longer allows. */
export function echo(conn: Connection, events: readonly ConnectionEvent[]): void {
  for (const ev of events) {
    try {
      if (ev.type === "text") conn.sendText(ev.data);
      else if (ev.type === "binary") conn.sendBinary(ev.data);
    } catch {
      // closed meanwhile: RFC 6455 §5.5.1 forbids data after our Close
    }
  }
}

/** Node's default socket read size: what one `receive()` gets at most. */
const READ_SIZE = 64 * 1024;

/** A Link straight into a core Connection: every write is fed at once, in socket-sized reads. */
export class CoreLink implements Link {
  readonly conn: Connection;
  readonly reader: PeerReader;
  readonly events: ConnectionEvent[] = [];
  #ending: Ending | null = null;
  #eofSent = false;

  constructor(conn: Connection, reader: PeerReader) {
    this.conn = conn;
    this.reader = reader;
  }

  get ending(): Ending | null {
    return this.#ending;
  }

  /** Feed bytes as a socket would: in reads of at most 64 KiB. */
  deliver(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length || at === 0; at += READ_SIZE) {
      // A copy, as a socket gives: a view would keep the whole script alive.
      const events = this.conn.receive(bytes.slice(at, at + READ_SIZE));
      this.events.push(...events);
      echo(this.conn, events);
      this.#flush();
      if (bytes.length === 0) break;
    }
  }

  #flush(): void {
    for (const b of this.conn.takeOutgoing()) this.reader.push(b);
    // The engine half-closes: its peer (the kit) sees EOF once everything is delivered.
    if (this.conn.outgoingEnded && this.#ending === null) this.#ending = "end";
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#ending !== null && this.#eofSent) return;
    this.deliver(bytes);
  }

  async pause(): Promise<void> {}

  async waitFor(predicate: () => boolean): Promise<boolean> {
    // Nothing happens without input in memory: the answer is now or never.
    return predicate();
  }

  end(): void {
    this.#ending ??= "local";
    this.#eof();
  }

  destroy(): void {
    this.#ending ??= "timeout";
    this.#eof();
  }

  #eof(): void {
    if (this.#eofSent) return;
    this.#eofSent = true;
    this.events.push(...this.conn.receiveEof());
    this.#flush();
  }
}

/** Options of {@link coreEndpoint}. */
export interface CoreEndpointOptions {
  readonly server?: ServerOptions;
  readonly client?: Partial<ClientOptions>;
}

/**
 * Core in memory as an endpoint: `role` "server" tests a `ServerConnection`, "client" a
 * `ClientConnection`. The last link opened is kept in `last` for inspection.
 */
export function coreEndpoint(role: "server" | "client", options: CoreEndpointOptions = {}): Endpoint & { last: CoreLink | null } {
  const state: { last: CoreLink | null } = { last: null };
  const openServer = (deflate: boolean, offer = KIT_DEFLATE_OFFER): ReturnType<Endpoint["open"]> => {
    const conn = new ServerConnection(options.server ?? {});
    const request = encodeRequest(validRequest("127.0.0.1", "/", deflate ? [["Sec-WebSocket-Extensions", offer]] : []));
    const events = conn.receive(request);
    if (events[0]?.type !== "upgrade-request") return Promise.resolve({ kind: "error", reason: `no upgrade-request: ${events.map((e) => e.type).join(",")}` });
    conn.accept();
    conn.takeEvents();
    const response = concat(conn.takeOutgoing());
    const head = readHead(response);
    if (head === null || head instanceof Error) return Promise.resolve({ kind: "error", reason: "no 101" });
    let agreement: DeflateAgreement | null = null;
    const ext = headerValues(head.head, "sec-websocket-extensions").join(", ");
    if (ext !== "") {
      const params = parseDeflateParams(parseExtensionHeader(ext)![0]!.params, "response");
      if (typeof params === "string") return Promise.resolve({ kind: "error", reason: params });
      agreement = agreementFor("client", params);
    }
    if (deflate && agreement === null) return Promise.resolve({ kind: "skip", reason: "declined" });
    const link = new CoreLink(conn, new PeerReader("server", agreement));
    state.last = link;
    return Promise.resolve({ kind: "open", link, agreement, request: headText(request), response: headText(response) });
  };
  const acceptClient = (deflate: boolean): { conn: ClientConnection; key: string; head: NonNullable<Exclude<ReturnType<typeof readHead>, Error>>["head"] } => {
    const conn = new ClientConnection({ host: "127.0.0.1", ...options.client });
    const head = readHead(concat(conn.takeOutgoing()));
    if (head === null || head instanceof Error) throw new Error("client sent no request");
    void deflate;
    return { conn, key: headerValues(head.head, "sec-websocket-key")[0]!, head: head.head };
  };
  const endpoint: Endpoint & { last: CoreLink | null } = {
    role,
    description: `core ${role} (in memory)`,
    get last() {
      return state.last;
    },
    set last(v) {
      state.last = v;
    },
    start: async () => {},
    stop: async () => {},
    open: async ({ deflate, offer }) => {
      if (role === "server") return openServer(deflate, offer);
      const { conn, key, head } = acceptClient(deflate);
      const headers: Array<readonly [string, string]> = [["Upgrade", "websocket"], ["Connection", "Upgrade"], ["Sec-WebSocket-Accept", "$ACCEPT"]];
      let agreement: DeflateAgreement | null = null;
      if (deflate) {
        const offer = (parseExtensionHeader(headerValues(head, "sec-websocket-extensions").join(", ")) ?? [])
          .filter((e) => e.name === "permessage-deflate")
          .map((e) => parseDeflateParams(e.params, "offer"))
          .find((p): p is DeflateParams => typeof p !== "string");
        if (offer === undefined) return { kind: "skip", reason: "no offer" };
        const response: DeflateParams = { serverNoContextTakeover: offer.serverNoContextTakeover, clientNoContextTakeover: false, serverMaxWindowBits: offer.serverMaxWindowBits, clientMaxWindowBits: null };
        if (checkResponseAgainstOffer(response, offer) !== null) throw new Error("bad response");
        const params: Array<readonly [string, string | null]> = [];
        if (response.serverNoContextTakeover) params.push(["server_no_context_takeover", null]);
        if (response.serverMaxWindowBits !== null) params.push(["server_max_window_bits", String(response.serverMaxWindowBits)]);
        headers.push(["Sec-WebSocket-Extensions", formatExtensionHeader([{ name: "permessage-deflate", params }])]);
        agreement = agreementFor("server", response);
      }
      const response = encodeResponse({ status: 101, reason: "Switching Protocols", headers }, key);
      const events = conn.receive(response);
      if (events[0]?.type !== "open") return { kind: "error", reason: `client did not open: ${events.map((e) => e.type).join(",")}` };
      const link = new CoreLink(conn, new PeerReader("client", agreement));
      state.last = link;
      return { kind: "open", link, agreement, request: "", response: headText(response) };
    },
    ...(role === "server"
      ? {
          handshake: async (template, _timeoutMs) => {
            const fill = (v: string): string => v.replaceAll("$HOST", "127.0.0.1").replaceAll("$TARGET", "/");
            const spec = { ...template, target: fill(template.target), headers: template.headers.map(([n, v]) => [n, fill(v)] as const) };
            const conn = new ServerConnection(options.server ?? {});
            const bytes = encodeRequest(spec);
            const events = conn.receive(bytes);
            if (events.some((e) => e.type === "upgrade-request")) {
              conn.accept();
              conn.takeEvents();
            }
            const out = concat(conn.takeOutgoing());
            const head = readHead(out);
            const ending: Ending = conn.outgoingEnded ? "end" : "timeout";
            const observation = head === null || head instanceof Error ? { head: null, ending } : { head: head.head, ending };
            return { spec, observation, requestText: headText(bytes), responseText: headText(out) };
          },
        }
      : {
          respond: async (spec, _timeoutMs) => {
            const { conn, key, head } = acceptClient(false);
            const response = encodeResponse(spec, key);
            const events = conn.receive(response);
            const reader = new PeerReader("client", null);
            const link = new CoreLink(conn, reader);
            link.events.push(...events);
            for (const b of conn.takeOutgoing()) reader.push(b);
            const probe = utf8("wsengine-probe");
            if (conn.state === "open") link.deliver(encodeWireFrame(frame(OP.text, probe), false));
            const echoed = reader.received.some((r) => r.type === "text" && bytesEqual(r.data, probe));
            const ending: Ending = conn.state === "closed" || conn.outgoingEnded ? "end" : "timeout";
            return { request: head, requestText: "", responseText: headText(response), received: [...reader.received], echoed, ending };
          },
        }),
  };
  return endpoint;
}

/**
 * A bare echo server on node:net from `ServerConnection` alone (no adapter). `reply` replaces
 * {@link echo}, to make deliberately broken servers.
 */
export async function startCoreNetServer(
  options: ServerOptions = {},
  reply: (conn: Connection, events: readonly ConnectionEvent[]) => void = echo,
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const conn = new ServerConnection(options);
    const flush = (): void => {
      for (const b of conn.takeOutgoing()) socket.write(b);
      if (conn.outgoingEnded) socket.end();
    };
    const handle = (events: ConnectionEvent[]): void => {
      for (const ev of events) {
        if (ev.type === "upgrade-request") {
          conn.accept();
          handle(conn.takeEvents());
        }
      }
      reply(conn, events);
    };
    socket.on("data", (chunk) => {
      handle(conn.receive(chunk));
      flush();
    });
    socket.on("end", () => {
      handle(conn.receiveEof());
      flush();
    });
    socket.on("error", () => {
      conn.receiveEof();
      socket.destroy();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
