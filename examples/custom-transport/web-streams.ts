/**
 * A complete minimal adapter: @wsengine/core bound to a pair of Web Streams, the reason a sans-I/O
 * engine exists. Nothing here knows about TCP: the "network" is two TransformStreams crossed into
 * an in-memory full-duplex byte stream, and the same adapter runs unchanged over anything with a
 * `readable` and a `writable`: a Deno.Conn, a Workers socket, a WebTransport bidirectional stream,
 * a Node stream wrapped with `Duplex.toWeb()` (a TLS socket, a child's stdio, an SSH channel).
 *
 * The adapter follows the integration loop of docs/core-guide.md:
 *   1. bytes in:       every chunk read goes to `conn.receive()`, end of stream to `conn.receiveEof()`;
 *   2. events out:     every event is handled, then `conn.takeEvents()` until it is empty;
 *   3. outbox drained: `conn.takeOutgoing()` after every call into the engine, written in order;
 *   4. half-close:     once `conn.outgoingEnded`, the writable side is closed (our FIN);
 *   5. close timer:    while `conn.closeExpected`, a timer runs; on expiry the streams are torn
 *                      down and `conn.receiveEof()` reports 1006.
 *
 * Run:  npx tsx examples/custom-transport/web-streams.ts
 */
import { ClientConnection, type Connection, type ConnectionEvent, ServerConnection } from "@wsengine/core";

/** One end of a full-duplex byte stream. */
export interface ByteStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** Two ends of an in-memory byte stream: what one end writes, the other reads. */
export function streamPair(): [ByteStream, ByteStream] {
  const aToB = new TransformStream<Uint8Array, Uint8Array>();
  const bToA = new TransformStream<Uint8Array, Uint8Array>();
  return [
    { readable: bToA.readable, writable: aToB.writable },
    { readable: aToB.readable, writable: bToA.writable },
  ];
}

/** The adapter: one engine `Connection` driven over one `ByteStream`. */
export class StreamWebSocket {
  readonly #conn: Connection;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #onEvent: (event: ConnectionEvent, socket: StreamWebSocket) => void;
  readonly #closeTimeout: number;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #writeEnded = false;
  #eof = false;
  /** Resolves with the `closed` event, which the engine emits exactly once. */
  readonly closed: Promise<Extract<ConnectionEvent, { type: "closed" }>>;
  #resolveClosed!: (event: Extract<ConnectionEvent, { type: "closed" }>) => void;

  constructor(conn: Connection, stream: ByteStream, onEvent: (event: ConnectionEvent, socket: StreamWebSocket) => void, closeTimeout = 5_000) {
    this.#conn = conn;
    this.#reader = stream.readable.getReader();
    this.#writer = stream.writable.getWriter();
    this.#onEvent = onEvent;
    this.#closeTimeout = closeTimeout;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // A client's constructor queued the upgrade request; a server's outbox is still empty.
    this.#flush();
    void this.#readLoop();
  }

  /** The engine, for reading `state`, `protocol`, `extensions`. */
  get connection(): Connection {
    return this.#conn;
  }

  /** Send a text message; resolves when the stream can take more (backpressure). */
  async sendText(text: string): Promise<void> {
    this.#conn.sendText(text);
    this.#flush();
    await this.#writer.ready;
  }

  /** Send a binary message; resolves when the stream can take more (backpressure). */
  async sendBinary(bytes: Uint8Array): Promise<void> {
    this.#conn.sendBinary(bytes);
    this.#flush();
    await this.#writer.ready;
  }

  /** Start the closing handshake; resolves with the `closed` event. */
  close(code?: number, reason?: string): Promise<Extract<ConnectionEvent, { type: "closed" }>> {
    if (this.#conn.state === "open") {
      this.#conn.close(code, reason);
      this.#flush();
    }
    return this.closed;
  }

  /** Server: accept the pending upgrade request (call it from the `upgrade-request` event). */
  accept(protocol?: string | null): void {
    (this.#conn as ServerConnection).accept(protocol === undefined ? {} : { protocol });
    this.#flush();
  }

  // --- 1. bytes in ---

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        // The engine does not keep `value` after receive() returns, so a reused buffer is fine.
        this.#dispatch(this.#conn.receive(value));
      }
    } catch {
      // A failed or cancelled stream is an end of input like any other: the engine decides
      // whether that was clean (after the closing handshake) or 1006.
    }
    this.#eof = true;
    this.#dispatch(this.#conn.receiveEof());
  }

  // --- 2. events out ---

  #dispatch(events: ConnectionEvent[]): void {
    // Handlers may call accept(), sendText(), close()...: the events those calls produce (an
    // accept's `open`, a failure's `closed`) come from takeEvents(), in order, after these.
    for (let batch = events; batch.length > 0; batch = this.#conn.takeEvents()) {
      for (const event of batch) {
        this.#onEvent(event, this);
        if (event.type === "closed") this.#resolveClosed(event);
      }
    }
    this.#flush();
  }

  // --- 3. outbox drained, 4. half-close, 5. close timer ---

  /** The tail of every call into the engine. */
  #flush(): void {
    const conn = this.#conn;
    // WritableStream writes are queued in call order; their promises only matter for errors,
    // which the read side reports as the end of the stream.
    for (const bytes of conn.takeOutgoing()) this.#writer.write(bytes).catch(() => {});
    if (conn.outgoingEnded && !this.#writeEnded) {
      this.#writeEnded = true;
      this.#writer.close().catch(() => {});
    }
    if (conn.closeExpected && this.#closeTimer === undefined) {
      this.#closeTimer = setTimeout(() => this.#destroy(), this.#closeTimeout);
    }
    if (conn.state === "closed" && this.#eof && this.#closeTimer !== undefined) {
      clearTimeout(this.#closeTimer);
      this.#closeTimer = undefined;
    }
  }

  /** The peer did not finish closing in time: tear both directions down; the loop then reports EOF. */
  #destroy(): void {
    this.#closeTimer = undefined;
    this.#writer.abort().catch(() => {});
    this.#reader.cancel().catch(() => {});
  }
}

// --- the demo: a server and a client on the two ends of one in-memory stream ---

const [clientEnd, serverEnd] = streamPair();

const server = new StreamWebSocket(new ServerConnection({ subprotocols: ["echo.v1"] }), serverEnd, (event, socket) => {
  switch (event.type) {
    case "upgrade-request":
      console.log(`server: upgrade request for ${event.request.target}, protocols ${event.request.protocols.join(", ")}`);
      socket.accept();
      break;
    case "text":
      void socket.sendText(event.data.toUpperCase());
      break;
    case "closed":
      console.log(`server: closed ${event.code} ${JSON.stringify(event.reason)} clean=${event.wasClean}`);
      break;
    default:
      break;
  }
});

let markOpen!: () => void;
const opened = new Promise<void>((resolve) => (markOpen = resolve));
const replies: string[] = [];
const client = new StreamWebSocket(new ClientConnection({ host: "in-memory.local", target: "/echo", protocols: ["echo.v1"] }), clientEnd, (event) => {
  switch (event.type) {
    case "open":
      console.log(`client: open, protocol ${event.protocol}`);
      markOpen();
      break;
    case "text":
      console.log(`client: echo ${JSON.stringify(event.data)}`);
      replies.push(event.data);
      if (replies.length === 2) void client.close(1000, "done");
      break;
    case "closed":
      console.log(`client: closed ${event.code} ${JSON.stringify(event.reason)} clean=${event.wasClean}`);
      break;
    default:
      break;
  }
});

await opened;
await client.sendText("hello over a pair of Web Streams");
await client.sendText("no sockets were harmed");
const [clientClosed, serverClosed] = await Promise.all([client.closed, server.closed]);
if (!clientClosed.wasClean || !serverClosed.wasClean) process.exitCode = 1;
