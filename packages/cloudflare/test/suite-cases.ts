/**
 * Which cases of the shared adapter suite (@wsengine/adapter-suite's `adapterCases`) run in
 * workerd. Both sides import this file: the test Worker and the vitest wrapper. It imports
 * nothing, so it loads in Node and in workerd alike.
 */

/**
 * Why the other cases are skipped. The shared suite runs the server and the client on the
 * runtime under test; a Worker cannot listen on TCP (`cloudflare:sockets` only connects), so the
 * server is a @wsengine/node echo peer on 127.0.0.1 and every case that drives the server side
 * (its upgrade hook, its accepted session, its shutdown) cannot run here.
 */
export const SERVER_SIDE_REASON =
  "server side: Workers cannot listen on TCP (cloudflare:sockets only connects), so this case's server-side session, upgrade hook or shutdown cannot run in workerd; the server is a Node echo peer";

/**
 * Cases that need only an echo server, by their names in the suite. A case not listed (a new
 * one, or a renamed one) is skipped with {@link SERVER_SIDE_REASON}; a listed name that no longer
 * exists fails a test, so the list cannot silently rot.
 */
export const CLIENT_SIDE_CASES: readonly string[] = [
  "echo: text from empty to 100,000 characters, multibyte included",
  "echo: binary with every byte value from 0 B to 6 MiB",
  "echo: 1000 messages sent at once come back in order",
  "tls: wss:// with a test CA echoes text and 1 MiB of binary",
  "tls: a client refuses a certificate it does not trust",
  "whatwg: the adapter's WebSocket class talks to the adapter's server",
  "builtin: the runtime's own WebSocket client talks to our server",
];
