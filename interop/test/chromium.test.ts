/**
 * Headless Chromium (Debian's `chromium` package, driven by playwright-core with
 * `executablePath`; never a downloaded browser) runs a page from our own http server, whose
 * script talks to the WebSocket server attached to that same http server. Chromium always
 * offers `permessage-deflate; client_max_window_bits`: compression off is our server declining.
 * TLS: the certificate is made for the run, and Chromium is started with
 * --ignore-certificate-errors rather than given the CA (that would need an NSS database).
 */
import { type Browser, chromium as playwright } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { within } from "../helpers/net.js";
import { CLIENT_CLOSE } from "../helpers/plan.js";
import { type CompressionMode, type PeerClientOutcome, runOurServerSuite } from "../helpers/suite.js";
import { chromium, CHROMIUM } from "../helpers/tools.js";

const tool = chromium();

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--ignore-certificate-errors",
];

let browser: Browser | undefined;
beforeAll(async () => {
  if (tool.available) browser = await playwright.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
});
afterAll(async () => {
  await browser?.close();
});

const MODES: readonly CompressionMode[] = [
  { name: "compression off (our server declines)", ours: false, peer: "always-offers", negotiated: false },
  { name: "compression on", ours: {}, peer: "always-offers", negotiated: true, response: {} },
];

runOurServerSuite({
  name: "headless Chromium",
  skip: tool.skip,
  modes: MODES,
  compresses: true,
  run: async ({ url, direct, closer }) => {
    if (browser === undefined) throw new Error(`Chromium did not start (${tool.detail})`);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      // The page and its payloads come straight from our http server; the WebSocket goes through
      // the counting relay, so the suite counts only WebSocket bytes.
      const pageUrl = new URL(`${direct.replace(/^ws/, "http")}/`);
      pageUrl.searchParams.set("ws", url);
      pageUrl.searchParams.set("code", String(CLIENT_CLOSE.code));
      pageUrl.searchParams.set("reason", CLIENT_CLOSE.reason);
      await page.goto(pageUrl.href, { timeout: 15_000 });
      return await within(page.evaluate("window.interopResult") as Promise<PeerClientOutcome>, 60_000, "the page's exchange");
    } finally {
      await context.close();
    }
  },
});
