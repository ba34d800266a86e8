/**
 * The system tools some interop tests need (Debian packages that scripts/install-system-deps.sh
 * installs). A missing tool skips its tests loudly on a developer's machine; under CI=true it
 * does not skip, so a broken install fails the run instead of passing it quietly.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's python, which python3-websockets installs into (not a pyenv python on PATH). */
export const SYSTEM_PYTHON = process.env["WSENGINE_PYTHON"] ?? "/usr/bin/python3";
/** Debian's chromium package. */
export const CHROMIUM = process.env["WSENGINE_CHROMIUM"] ?? "/usr/bin/chromium";

const onCi = process.env["CI"] === "true";

function pythonWebsocketsVersion(): string | null {
  try {
    return execFileSync(SYSTEM_PYTHON, ["-c", "import websockets; print(websockets.__version__)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).trim();
  } catch {
    return null;
  }
}

export interface Tool {
  readonly available: boolean;
  /** What was found (a version), or why it is missing. */
  readonly detail: string;
  /** Whether tests that need it skip: missing, and not on CI. */
  readonly skip: boolean;
}

function tool(name: string, detail: string | null, missing: string): Tool {
  const available = detail !== null;
  if (!available) {
    const banner = onCi ? "MISSING ON CI (tests will fail)" : "SKIPPING";
    console.warn(`\n*** interop: ${banner}: ${name}: ${missing}\n*** install it with: sudo bash scripts/install-system-deps.sh\n`);
  }
  return { available, detail: detail ?? missing, skip: !available && !onCi };
}

/** python3-websockets for the system python. */
export function pythonWebsockets(): Tool {
  const version = pythonWebsocketsVersion();
  return tool("python3-websockets", version, `${SYSTEM_PYTHON} cannot import websockets (apt-get install python3-websockets)`);
}

/** Debian's chromium binary. */
export function chromium(): Tool {
  return tool("chromium", existsSync(CHROMIUM) ? CHROMIUM : null, `${CHROMIUM} not found (apt-get install chromium)`);
}
