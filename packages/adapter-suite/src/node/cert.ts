/**
 * A throwaway certificate authority and a server certificate it signed, for the TLS cases, made
 * with the openssl CLI (as @wsengine/node's tests do). A separate CA matters: rustls (Deno)
 * refuses a self-signed CA certificate presented as the server's own ("CaUsedAsEndEntity").
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM strings: the CA to trust, and the server's certificate (for 127.0.0.1 and localhost) and key. */
export interface TestCertificate {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export function makeCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "wsengine-suite-tls-"));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: "ignore", timeout: 10_000 });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    openssl("req", "-x509", ...ec, "-days", "1", "-subj", "/CN=wsengine test CA", "-keyout", file("ca.key"), "-out", file("ca.pem"));
    openssl("req", ...ec, "-subj", "/CN=localhost", "-keyout", file("key.pem"), "-out", file("server.csr"));
    writeFileSync(file("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n");
    openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-days", "1", "-extfile", file("ext.cnf"), "-out", file("cert.pem"));
    return { ca: readFileSync(file("ca.pem"), "utf8"), cert: readFileSync(file("cert.pem"), "utf8"), key: readFileSync(file("key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How a child runtime receives the certificate: three environment variables. */
export function certificateEnv(certificate: TestCertificate): Record<string, string> {
  return { WSENGINE_TEST_CA: certificate.ca, WSENGINE_TEST_CERT: certificate.cert, WSENGINE_TEST_KEY: certificate.key };
}
