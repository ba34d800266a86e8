import { describe, expect, it } from "vitest";
import { HandshakeError, LocalProtocolError, RemoteProtocolError } from "../src/errors.js";

describe("errors", () => {
  it("makes a RemoteProtocolError without stack frames and leaves Error.stackTraceLimit as it was", () => {
    const before = Error.stackTraceLimit;
    const error = new RemoteProtocolError("UNEXPECTED_EOF", "transport ended without a close frame");
    expect(Error.stackTraceLimit).toBe(before);
    expect(error.stack).toBe("RemoteProtocolError: transport ended without a close frame");
    expect(new HandshakeError("bad", 400).stack).toBe("HandshakeError: bad");
    expect(error.code).toBe("UNEXPECTED_EOF");
    expect(error.closeCode).toBe(1006);
    expect(error).toBeInstanceOf(Error);
  });

  it("keeps the caller's stack on a LocalProtocolError, which reports misuse at the call", () => {
    const error = new LocalProtocolError("INVALID_STATE", "misused");
    expect(error.stack?.split("\n").length).toBeGreaterThan(1);
    expect(error.stack).toContain("errors.test.ts");
  });

  it("leaves a stackTraceLimit that is not a number alone", () => {
    const before = Error.stackTraceLimit;
    try {
      (Error as { stackTraceLimit?: unknown }).stackTraceLimit = "none";
      new RemoteProtocolError("UNEXPECTED_EOF", "x");
      expect((Error as { stackTraceLimit?: unknown }).stackTraceLimit).toBe("none");
    } finally {
      Error.stackTraceLimit = before;
    }
  });
});
