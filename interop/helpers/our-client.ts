/** Our client's side of an exchange: send a plan, check the echoes, close or be closed. */
import { type CloseInfo, type ConnectOptions, type Message, openSession, type WebSocketSession } from "@wsengine/node";
import { within } from "./net.js";
import { CLIENT_CLOSE, checkSequence, MAX_MESSAGE } from "./plan.js";

export interface ClientOutcome {
  /** `Sec-WebSocket-Extensions` of the server's 101 response, as our client received it. */
  readonly response: string | undefined;
  readonly extensions: readonly string[];
  /** Echoes that were not the plan's. */
  readonly problems: string[];
  readonly closeInfo: CloseInfo;
}

/**
 * Connect to `url`, send `plan` (all at once, in order), wait for every echo, then close with
 * {@link CLIENT_CLOSE} (`closer: "client"`) or wait for the server's Close.
 */
export async function ourClientExchange(
  url: string,
  options: ConnectOptions,
  plan: readonly Message[],
  closer: "client" | "server",
  ms = 30_000,
): Promise<ClientOutcome> {
  const session: WebSocketSession = openSession(url, { maxMessageSize: MAX_MESSAGE, handshakeTimeout: 5000, closeTimeout: 5000, ...options });
  try {
    let response: string | undefined;
    session.once("open", (info) => (response = info.headers.get("sec-websocket-extensions")));
    await within(session.opened, 10_000, `our client opening ${url}`);
    const got: Message[] = [];
    let echoed!: () => void;
    const allEchoed = new Promise<void>((resolve) => (echoed = resolve));
    session.on("message", (m) => {
      got.push(m);
      if (got.length === plan.length) echoed();
    });
    await within(Promise.all(plan.map((m) => session.send(m))), ms, "our client sending the plan");
    await within(Promise.race([allEchoed, session.closed]), ms, `the echoes of ${plan.length} messages`);
    const closeInfo =
      closer === "client"
        ? await within(session.close(CLIENT_CLOSE.code, CLIENT_CLOSE.reason), 10_000, "our client's closing handshake")
        : await within(session.closed, 10_000, "the server's Close");
    return { response, extensions: session.extensions, problems: checkSequence(plan, got), closeInfo };
  } finally {
    session.terminate();
  }
}
