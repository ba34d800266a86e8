/**
 * Real TCP: a server under test given by its ws:// URL, and a client under test started by a
 * command, which connects to a raw TCP server the kit runs on 127.0.0.1.
 *
 * The echo contract (README): a server echoes every text and binary message it receives on the
 * given URL, as the same type with the same bytes, and accepts any valid upgrade request there.
 * A client connects to the URL it is given (the `WS_URL` environment variable, or `{url}` in the
 * command), echoes every message, and either exits or connects again when a connection ends; the
 * kit starts it again when it exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server, type Socket, connect as netConnect } from "node:net";
import { bytesEqual, concat, utf8 } from "./bytes.js";
import { agreementFor, checkResponseAgainstOffer, type DeflateAgreement, type DeflateParams, formatExtensionHeader, parseDeflateParams, parseExtensionHeader } from "./deflate.js";
import type { Endpoint, OpenResult, ClientResponseObservation } from "./endpoint.js";
import type { Link } from "./exchange.js";
import { encodeWireFrame, frame, OP } from "./frames.js";
import type { HandshakeObservation } from "./handshake.js";
import { acceptFor, encodeRequest, encodeResponse, headerValues, headText, type ParsedHead, readHead, type RequestSpec, type ResponseSpec, statusOf, validRequest } from "./http.js";
import { type Ending, PeerReader } from "./trace.js";

/** A TCP connection carrying one exchange. */
export class TcpLink implements Link {
  readonly #socket: Socket;
  #reader: PeerReader | null = null;
  #pending: Uint8Array[] = [];
  #ending: Ending | null = null;
  readonly #waiters = new Set<() => void>();

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (this.#reader === null) this.#pending.push(bytes.slice());
      else this.#reader.push(bytes);
      this.#notify();
    });
    socket.on("end", () => this.#finish("end"));
    socket.on("error", () => this.#finish("reset"));
    socket.on("close", () => this.#finish("end"));
  }

  /** Connect to `host:port`. */
  static connect(host: string, port: number, timeoutMs: number): Promise<TcpLink> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new TcpLink(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get reader(): PeerReader {
    if (this.#reader === null) throw new Error("the link has no reader yet");
    return this.#reader;
  }

  get ending(): Ending | null {
    return this.#ending;
  }

  /** Bytes received before a reader was attached (the HTTP head and what follows it). */
  get buffered(): Uint8Array {
    return concat(this.#pending);
  }

  /** Read an HTTP head; null on timeout or end, an Error on garbage. */
  async readHead(timeoutMs: number): Promise<{ head: ParsedHead; rest: Uint8Array } | null | Error> {
    let result: { head: ParsedHead; rest: Uint8Array } | null | Error = null;
    await this.waitFor(() => {
      result = readHead(this.buffered);
      return result !== null || this.#ending !== null;
    }, timeoutMs);
    return result;
  }

  /** Decode everything from now on with `reader`, starting with `rest`. */
  attach(reader: PeerReader, rest: Uint8Array): void {
    this.#reader = reader;
    this.#pending = [];
    if (rest.length > 0) reader.push(rest);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#socket.destroyed || !this.#socket.writable) return Promise.resolve();
    return new Promise((resolve) => this.#socket.write(bytes, () => resolve()));
  }

  pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 1));
  }

  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        resolve(predicate());
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  end(): void {
    this.#ending ??= "local";
    this.#socket.end();
    this.#socket.destroySoon();
    this.#notify();
  }

  destroy(): void {
    this.#ending ??= "timeout";
    this.#socket.destroy();
    this.#notify();
  }

  #finish(how: Ending): void {
    this.#ending ??= how;
    this.#notify();
  }

  #notify(): void {
    for (const check of [...this.#waiters]) check();
  }
}

/** The offer the kit makes when a scenario needs permessage-deflate. */
export const KIT_DEFLATE_OFFER = "permessage-deflate; client_max_window_bits";

/** Options of {@link serverEndpoint}. */
export interface ServerEndpointOptions {
  /** Extra request headers (authentication, for instance). */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

/**
 * A server under test, reached at `url` (ws:// only).
 * @throws {TypeError} for a URL that is not ws://.
 */
export function serverEndpoint(url: string, options: ServerEndpointOptions = {}): Endpoint {
  const parsed = new URL(url);
  if (parsed.protocol !== "ws:") throw new TypeError(`only ws:// URLs can be tested, got ${url}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const port = Number(parsed.port || 80);
  const target = `${parsed.pathname}${parsed.search}`;
  const hostHeader = parsed.host;

  const open = async ({ deflate, timeoutMs, offer }: { deflate: boolean; timeoutMs: number; offer?: string }): Promise<OpenResult> => {
    const spec = validRequest(hostHeader, target, [...(options.headers ?? []), ...(deflate ? [["Sec-WebSocket-Extensions", offer ?? KIT_DEFLATE_OFFER] as const] : [])]);
    const requestBytes = encodeRequest(spec);
    const request = headText(requestBytes);
    let link: TcpLink;
    try {
      link = await TcpLink.connect(host, port, timeoutMs);
    } catch (error) {
      return { kind: "error", reason: `cannot connect: ${error instanceof Error ? error.message : String(error)}`, request };
    }
    await link.write(requestBytes);
    const result = await link.readHead(timeoutMs);
    if (result === null || result instanceof Error) {
      link.destroy();
      return { kind: "error", reason: result === null ? "no handshake response" : result.message, request };
    }
    const response = headText(encodeHeadText(result.head));
    if (statusOf(result.head) !== 101 || headerValues(result.head, "sec-websocket-accept")[0] !== acceptFor(spec.headers.find(([n]) => n === "Sec-WebSocket-Key")![1])) {
      link.destroy();
      return { kind: "error", reason: `the handshake failed: ${result.head.startLine}`, request, response };
    }
    let agreement: DeflateAgreement | null = null;
    const extensions = headerValues(result.head, "sec-websocket-extensions").join(", ");
    if (extensions !== "") {
      const elements = parseExtensionHeader(extensions);
      const pmd = elements?.find((e) => e.name === "permessage-deflate");
      const params = pmd === undefined ? null : parseDeflateParams(pmd.params, "response");
      if (params === null || typeof params === "string") {
        link.destroy();
        return { kind: "error", reason: `unusable Sec-WebSocket-Extensions answer: ${extensions}`, request, response };
      }
      agreement = agreementFor("client", params);
    }
    if (deflate && agreement === null) {
      link.destroy();
      return { kind: "skip", reason: "the server declined permessage-deflate" };
    }
    link.attach(new PeerReader("server", agreement), result.rest);
    return { kind: "open", link, agreement, request, response };
  };

  return {
    role: "server",
    description: url,
    start: async () => {},
    open,
    handshake: async (template: RequestSpec, timeoutMs: number) => {
      const fill = (v: string): string => v.replaceAll("$HOST", hostHeader).replaceAll("$TARGET", target);
      const spec: RequestSpec = { ...template, target: fill(template.target), headers: template.headers.map(([n, v]) => [n, fill(v)] as const) };
      const requestBytes = encodeRequest(spec);
      const requestText = headText(requestBytes);
      let link: TcpLink;
      try {
        link = await TcpLink.connect(host, port, timeoutMs);
      } catch (error) {
        return { spec, observation: { head: null, ending: "reset", error: `cannot connect: ${error instanceof Error ? error.message : String(error)}` }, requestText, responseText: "" };
      }
      await link.write(requestBytes);
      const result = await link.readHead(timeoutMs);
      const ending: Ending = link.ending ?? "timeout";
      link.destroy();
      const observation: HandshakeObservation =
        result === null ? { head: null, ending } : result instanceof Error ? { head: null, ending, error: result.message } : { head: result.head, ending };
      return { spec, observation, requestText, responseText: observation.head === null ? "" : headText(encodeHeadText(observation.head)) };
    },
    probe: async (timeoutMs: number) => {
      const opened = await open({ deflate: false, timeoutMs });
      if (opened.kind !== "open") return opened.reason;
      const { link } = opened;
      const message = utf8("wsengine-probe");
      await link.write(encodeWireFrame(frame(OP.text, message), true));
      const ok = await link.waitFor(() => link.reader.received.some((r) => r.type === "text" && bytesEqual(r.data, message)), timeoutMs);
      await link.write(encodeWireFrame(frame(OP.close, Uint8Array.of(0x03, 0xe8)), true, 1));
      await link.waitFor(() => link.ending !== null, timeoutMs);
      link.destroy();
      return ok ? null : "the probe message was not echoed";
    },
    stop: async () => {},
  };
}

function encodeHeadText(head: ParsedHead): Uint8Array {
  return utf8(`${head.startLine}\r\n${head.headers.map(([n, v]) => `${n}: ${v}`).join("\r\n")}\r\n\r\n`);
}

/** Options of {@link clientEndpoint}. */
export interface ClientEndpointOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the client to connect. Default 10 s. */
  readonly connectTimeoutMs?: number;
}

/**
 * A client under test, started with `command` (run by the shell). It receives the kit's URL
 * as `WS_URL` and `WSENGINE_CONFORMANCE_URL`, and in place of `{url}` in the command.
 */
export function clientEndpoint(command: string, options: ClientEndpointOptions = {}): Endpoint {
  let server: Server | null = null;
  let url = "";
  let child: ChildProcess | null = null;
  let exited = true;
  let starts = 0;
  const queue: Socket[] = [];
  const waiting = new Set<() => void>();
  const requests: ParsedHead[] = [];
  let output = "";
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;

  const spawnClient = (): void => {
    starts++;
    exited = false;
    const cmd = command.replaceAll("{url}", url);
    // Its own process group, so stopping it also stops whatever the shell started.
    const proc = spawn(cmd, { shell: true, detached: true, cwd: options.cwd, env: { ...process.env, ...options.env, WS_URL: url, WSENGINE_CONFORMANCE_URL: url }, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    proc.on("exit", () => {
      exited = true;
      for (const w of [...waiting]) w();
    });
    child = proc;
  };

  const nextSocket = async (timeoutMs: number): Promise<Socket | null> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const socket = queue.shift();
      if (socket !== undefined) return socket;
      if (exited) {
        if (starts > 200) return null;
        spawnClient();
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        waiting.add(wake);
      });
    }
    return queue.shift() ?? null;
  };

  /** Accept the client's next connection and read its request. */
  const acceptRequest = async (timeoutMs: number): Promise<{ link: TcpLink; head: ParsedHead; rest: Uint8Array; key: string } | { error: string }> => {
    // A looping client may have connected again while the last scenario ran, and given up on
    // that connection since: skip connections that ended before sending a request.
    for (let attempt = 0; ; attempt++) {
      const socket = await nextSocket(Math.max(timeoutMs, connectTimeoutMs));
      if (socket === null) return { error: `the client did not connect within ${connectTimeoutMs} ms${output === "" ? "" : `; its output: ${output.slice(-500)}`}` };
      if (socket.destroyed || socket.readableEnded) continue;
      const link = new TcpLink(socket);
      const result = await link.readHead(timeoutMs);
      if (result === null && link.ending !== null && attempt < 5) continue;
      if (result === null || result instanceof Error) {
        link.destroy();
        return { error: result === null ? "the client sent no upgrade request" : `the client's request is not HTTP: ${result.message}` };
      }
      requests.push(result.head);
      return { link, head: result.head, rest: result.rest, key: headerValues(result.head, "sec-websocket-key")[0] ?? "" };
    }
  };

  return {
    role: "client",
    description: command,
    requests,
    start: async () => {
      server = createServer((socket) => {
        // Until a scenario takes it, an error (a reset) must not go unhandled.
        socket.on("error", () => {});
        queue.push(socket);
        for (const w of [...waiting]) w();
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", () => resolve()));
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no server address");
      url = `ws://127.0.0.1:${address.port}/`;
    },
    open: async ({ deflate, timeoutMs }) => {
      const accepted = await acceptRequest(timeoutMs);
      if ("error" in accepted) return { kind: "error", reason: accepted.error };
      const { link, head, rest, key } = accepted;
      const requestText = headText(encodeHeadText(head));
      let agreement: DeflateAgreement | null = null;
      const headers: Array<readonly [string, string]> = [
        ["Upgrade", "websocket"],
        ["Connection", "Upgrade"],
        ["Sec-WebSocket-Accept", "$ACCEPT"],
      ];
      if (deflate) {
        const offers = (parseExtensionHeader(headerValues(head, "sec-websocket-extensions").join(", ")) ?? []).filter((e) => e.name === "permessage-deflate");
        const offer = offers.map((o) => parseDeflateParams(o.params, "offer")).find((p): p is DeflateParams => typeof p !== "string");
        if (offer === undefined) {
          // Let the client go cleanly: open, then close at once.
          await link.write(encodeResponse({ status: 101, reason: "Switching Protocols", headers }, key));
          await link.write(encodeWireFrame(frame(OP.close, Uint8Array.of(0x03, 0xe8)), false));
          await link.waitFor(() => link.ending !== null || link.buffered.length > 0, 500);
          link.end();
          return { kind: "skip", reason: "the client did not offer permessage-deflate" };
        }
        const response: DeflateParams = {
          serverNoContextTakeover: offer.serverNoContextTakeover,
          clientNoContextTakeover: false,
          serverMaxWindowBits: offer.serverMaxWindowBits,
          clientMaxWindowBits: null,
        };
        if (checkResponseAgainstOffer(response, offer) !== null) throw new Error("internal: the kit's deflate response does not answer the offer");
        const params: Array<readonly [string, string | null]> = [];
        if (response.serverNoContextTakeover) params.push(["server_no_context_takeover", null]);
        if (response.serverMaxWindowBits !== null) params.push(["server_max_window_bits", String(response.serverMaxWindowBits)]);
        headers.push(["Sec-WebSocket-Extensions", formatExtensionHeader([{ name: "permessage-deflate", params }])]);
        agreement = agreementFor("server", response);
      }
      const responseBytes = encodeResponse({ status: 101, reason: "Switching Protocols", headers }, key);
      await link.write(responseBytes);
      link.attach(new PeerReader("client", agreement), rest);
      return { kind: "open", link, agreement, request: requestText, response: headText(responseBytes) };
    },
    respond: async (spec: ResponseSpec, timeoutMs: number): Promise<ClientResponseObservation | { error: string }> => {
      const accepted = await acceptRequest(timeoutMs);
      if ("error" in accepted) return accepted;
      const { link, head, rest, key } = accepted;
      const responseBytes = encodeResponse(spec, key);
      await link.write(responseBytes);
      link.attach(new PeerReader("client", null), rest);
      const probe = utf8("wsengine-probe");
      await link.write(encodeWireFrame(frame(OP.text, probe), false));
      const echoed = (): boolean => link.reader.received.some((r) => r.type === "text" && bytesEqual(r.data, probe));
      await link.waitFor(() => echoed() || link.ending !== null, timeoutMs);
      const wasEchoed = echoed();
      if (wasEchoed && link.ending === null) {
        await link.write(encodeWireFrame(frame(OP.close, Uint8Array.of(0x03, 0xe8)), false));
        await link.waitFor(() => link.reader.received.some((r) => r.type === "close") || link.ending !== null, timeoutMs);
        link.end();
      }
      const ending = link.ending ?? "timeout";
      link.destroy();
      return {
        request: head,
        requestText: headText(encodeHeadText(head)),
        responseText: headText(responseBytes),
        received: [...link.reader.received],
        echoed: wasEchoed,
        ending,
      };
    },
    output: () => output,
    stop: async () => {
      const proc = child as ChildProcess | null;
      if (proc !== null && !exited && proc.pid !== undefined) {
        const group = -proc.pid;
        const signal = (name: NodeJS.Signals): void => {
          try {
            process.kill(group, name);
          } catch {
            // already gone
          }
        };
        signal("SIGTERM");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            signal("SIGKILL");
            resolve();
          }, 2000);
          proc.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      for (const s of queue.splice(0)) s.destroy();
      const srv = server as Server | null;
      if (srv !== null) await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}
