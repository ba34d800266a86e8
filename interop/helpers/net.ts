/** Sockets, certificates and headers shared by the interop tests. */
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificate } from "../../packages/node/test/helpers/servers.js";

export interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly keyPath: string;
  readonly certPath: string;
  remove(): void;
}

/** A self-signed certificate for 127.0.0.1 made for this run, also written to files (for python). */
export function makeTlsFiles(): TlsFiles {
  const { key, cert } = makeCertificate();
  const dir = mkdtempSync(join(tmpdir(), "wsengine-interop-tls-"));
  const keyPath = join(dir, "key.pem");
  const certPath = join(dir, "cert.pem");
  writeFileSync(keyPath, key);
  writeFileSync(certPath, cert);
  return { key, cert, keyPath, certPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CountingProxy {
  readonly port: number;
  /** Bytes from the client towards the server, and back, over every connection so far. */
  readonly bytes: { up: number; down: number };
  reset(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 that counts the bytes each way, so a test can tell that compression
 * really shrank what crossed the wire (TLS records included when the peers speak TLS).
 */
export async function countingProxy(targetPort: number): Promise<CountingProxy> {
  const bytes = { up: 0, down: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(targetPort, "127.0.0.1");
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("error", () => {
        inbound.destroy();
        outbound.destroy();
      });
      s.on("close", () => sockets.delete(s));
    }
    inbound.on("data", (chunk: Buffer) => (bytes.up += chunk.length));
    outbound.on("data", (chunk: Buffer) => (bytes.down += chunk.length));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    bytes,
    reset: () => {
      bytes.up = 0;
      bytes.down = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One element of a `Sec-WebSocket-Extensions` header: valueless parameters are `true`. */
export interface ExtensionElement {
  readonly name: string;
  readonly params: Readonly<Record<string, string | true>>;
}

/** Parse `Sec-WebSocket-Extensions` (RFC 6455 §9.1); enough for the values peers send. */
export function parseExtensions(header: string | undefined | null): ExtensionElement[] {
  if (header === undefined || header === null || header.trim() === "") return [];
  return header.split(",").map((element) => {
    const [name, ...params] = element.split(";").map((s) => s.trim());
    const parsed: Record<string, string | true> = {};
    for (const param of params) {
      const eq = param.indexOf("=");
      if (eq === -1) parsed[param] = true;
      else parsed[param.slice(0, eq).trim()] = param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    }
    return { name: name ?? "", params: parsed };
  });
}

/** Resolve `promise`, or reject after `ms` with `what` in the message. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
