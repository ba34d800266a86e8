/**
 * The loopback ceiling for the stream scenario: a plain TCP echo (no WebSocket), 1 MiB writes with
 * 4 MiB in flight, the echo server pinned to core 0 and this client to core 1 as in the suite.
 * Prints MB/s echoed and the client's user and system CPU; on a machine where the system time
 * fills the client's core, the kernel's loopback path, not any server, sets the stream figures.
 *
 *   npx tsx bench/e2e/tcp-ceiling.ts [--seconds 4] [--runs 3]
 */
import { createInterface } from "node:readline";
import { connect, createServer } from "node:net";
import { pinSelf, spawnPinned } from "../lib/processes.js";
import { serveControl } from "./servers/common.js";
import { flagValue } from "../lib/args.js";

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number): number => Number(flagValue(argv, name) ?? fallback);

if (argv[0] === "--serve") {
  // The suite's server protocol (servers/common.ts): `ready <port>`, exit when stdin closes.
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.pipe(socket);
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => serveControl((server.address() as { port: number }).port, () => server.close()));
} else {
  pinSelf(1);
  const child = spawnPinned(0, process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, "--serve"], {}, "inherit");
  const ready = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).on("line", (line) => line.startsWith("ready ") && resolve(line)));
  const port = Number(ready.split(" ")[1]);
  const seconds = arg("seconds", 4);
  for (let run = 0; run < arg("runs", 3); run++) {
    const chunk = Buffer.alloc(1 << 20, 7);
    const socket = connect({ port, host: "127.0.0.1", noDelay: true });
    let echoed = 0;
    let inFlight = 0;
    const fill = (): void => {
      while (inFlight < 4 * chunk.length) {
        socket.write(chunk);
        inFlight += chunk.length;
      }
    };
    socket.on("data", (d: Buffer) => {
      echoed += d.length;
      inFlight -= d.length;
      fill();
    });
    await new Promise((resolve) => socket.once("connect", resolve));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    fill();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    socket.destroy();
    console.log(`run ${run + 1}: ${Math.round(echoed / elapsed / 1e6)} MB/s echoed; client user ${(cpu.user / 1e6 / elapsed).toFixed(2)}, system ${(cpu.system / 1e6 / elapsed).toFixed(2)} of a core`);
  }
  child.stdin!.end();
}
