/// <reference path="../../core/src/internal/globals.d.ts" />
// The only runtime globals the session layer may touch: core's (TextEncoder, TextDecoder,
// crypto.getRandomValues, referenced above rather than redeclared, since core's sources are part
// of this program) and the web-platform APIs below, present in Node, Deno, Bun and Cloudflare
// Workers alike. `lib: ["ES2022"]` with `types: []` keeps Buffer,
// process, `node:*` modules and the DOM out, so using any of them is a compile error. The
// declarations are minimal on purpose: only what this package calls. (Inside an adapter's own
// program the runtime's full declarations take over; nothing here is exported.)

interface TimerHandle {
  readonly __timerHandle: never;
}
declare function setTimeout(callback: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle | undefined): void;
declare function queueMicrotask(callback: () => void): void;
declare const performance: { now(): number };

interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}
declare class Event {
  constructor(type: string, eventInitDict?: EventInit);
  readonly type: string;
  readonly target: EventTarget | null;
  readonly currentTarget: EventTarget | null;
  readonly defaultPrevented: boolean;
  readonly timeStamp: number;
  preventDefault(): void;
  stopPropagation(): void;
  stopImmediatePropagation(): void;
}
interface EventListener {
  (evt: Event): void;
}
interface EventListenerObject {
  handleEvent(object: Event): void;
}
interface AddEventListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
}
declare class EventTarget {
  constructor();
  addEventListener(type: string, listener: EventListener | EventListenerObject | null, options?: AddEventListenerOptions | boolean): void;
  removeEventListener(type: string, listener: EventListener | EventListenerObject | null, options?: { capture?: boolean } | boolean): void;
  dispatchEvent(event: Event): boolean;
}

declare class DOMException extends Error {
  constructor(message?: string, name?: string);
  readonly code: number;
}

declare class Blob {
  constructor(blobParts?: ReadonlyArray<Uint8Array | ArrayBuffer | string | Blob>, options?: { type?: string });
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

declare class URL {
  constructor(url: string, base?: string | URL);
  href: string;
  readonly origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
  toString(): string;
}
