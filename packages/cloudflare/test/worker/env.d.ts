// The few Workers runtime APIs the test Worker uses beyond the adapter's own (see src/globals.d.ts).
// Docs: https://developers.cloudflare.com/workers/runtime-apis/

declare class Headers {
  constructor(init?: ReadonlyArray<readonly [string, string]> | Record<string, string>);
  get(name: string): string | null;
}
declare class Request {
  constructor(input: string, init?: { method?: string; headers?: Record<string, string> });
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
}
declare class Response {
  constructor(body?: string | null, init?: { status?: number; headers?: Record<string, string>; webSocket?: WorkersWebSocket | null });
  static json(data: unknown, init?: { status?: number }): Response;
  readonly status: number;
  text(): Promise<string>;
}

/** The platform's WebSocket as `WebSocketPair` gives it: accept(), then events. */
interface WorkersWebSocket {
  binaryType: "blob" | "arraybuffer";
  accept(): void;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { readonly data: string | ArrayBuffer }) => void): void;
  addEventListener(type: "close", listener: (event: { readonly code: number; readonly reason: string; readonly wasClean: boolean }) => void): void;
  addEventListener(type: "error", listener: (event: { readonly error?: unknown }) => void): void;
}
declare class WebSocketPair {
  constructor();
  readonly 0: WorkersWebSocket;
  readonly 1: WorkersWebSocket;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}
interface DurableObjectId {
  toString(): string;
}
interface DurableObjectStub {
  fetch(request: Request | string, init?: { headers?: Record<string, string> }): Promise<Response>;
}
interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}
interface DurableObjectState {
  readonly id: DurableObjectId;
}

declare class URLSearchParams {
  constructor(init?: string);
  get(name: string): string | null;
}
