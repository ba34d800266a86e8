/**
 * The event objects a WHATWG WebSocket dispatches. The runtime's own `MessageEvent` and
 * `CloseEvent` are used where they exist (so `instanceof` checks in application code work);
 * Node 20 has no `CloseEvent`, Workers may lack either, so minimal spec-shaped fallbacks follow.
 */

// EventInit is spelled out: it is not a global type in every runtime's declarations.
interface BaseEventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** `CloseEvent`'s init dictionary (WebSockets standard). */
export interface CloseEventInit extends BaseEventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

/** `MessageEvent`'s init dictionary, the members a WebSocket uses. */
export interface MessageEventInit extends BaseEventInit {
  data?: unknown;
  origin?: string;
  lastEventId?: string;
}

/** A `close` event: how the connection ended. */
export class WebSocketCloseEvent extends Event {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;
  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.wasClean = init.wasClean ?? false;
    this.code = init.code ?? 0;
    this.reason = init.reason ?? "";
  }
}

/** A `message` event: the data and the origin it came from. */
export class WebSocketMessageEvent extends Event {
  readonly data: unknown;
  readonly origin: string;
  readonly lastEventId: string;
  readonly source: null = null;
  readonly ports: readonly never[] = [];
  constructor(type: string, init: MessageEventInit = {}) {
    super(type, init);
    this.data = init.data ?? null;
    this.origin = init.origin ?? "";
    this.lastEventId = init.lastEventId ?? "";
  }
}

type EventClass<I> = new (type: string, init: I) => Event;
const runtime = globalThis as unknown as { CloseEvent?: EventClass<CloseEventInit>; MessageEvent?: EventClass<MessageEventInit> };

/** The runtime's `CloseEvent`, or {@link WebSocketCloseEvent}. */
export const CloseEventClass: EventClass<CloseEventInit> = runtime.CloseEvent ?? WebSocketCloseEvent;
/** The runtime's `MessageEvent`, or {@link WebSocketMessageEvent}. */
export const MessageEventClass: EventClass<MessageEventInit> = runtime.MessageEvent ?? WebSocketMessageEvent;
