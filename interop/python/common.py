"""Shared by the interop peers: the plan, compression settings, headers and JSON-lines output.

Written for Debian's python3-websockets (10.x, the legacy asyncio API) and newer releases
(14+, where headers moved to ws.request / ws.response).
"""
import base64
import json
import sys

from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

# Every parameter of RFC 7692 at once, with small windows.
PARAMS = dict(
    server_no_context_takeover=True,
    client_no_context_takeover=True,
    server_max_window_bits=10,
    client_max_window_bits=9,
)


def emit(**fields):
    """One JSON line on stdout: the test reads these."""
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def load_plan(path):
    """The messages to send or expect: JSON lines of {"t": "text"|"bin", "d": text|base64}."""
    plan = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                plan.append(item["d"] if item["t"] == "text" else base64.b64decode(item["d"]))
    return plan


def compression_kwargs(mode, role):
    """connect()/serve() keyword arguments for "off", "deflate" (defaults) or "deflate-params"."""
    if mode == "off":
        return {"compression": None}
    if mode == "deflate":
        return {"compression": "deflate"}
    if mode == "deflate-params":
        factory = ClientPerMessageDeflateFactory if role == "client" else ServerPerMessageDeflateFactory
        return {"compression": None, "extensions": [factory(**PARAMS)]}
    raise SystemExit(f"unknown compression mode {mode}")


def extensions_header(ws, which):
    """Sec-WebSocket-Extensions of the "request" or the "response" of a connection."""
    headers = getattr(ws, f"{which}_headers", None)  # websockets < 14
    if headers is None:
        headers = getattr(getattr(ws, which, None), "headers", None)
    return None if headers is None else headers.get("Sec-WebSocket-Extensions")


def mismatch(i, expected, got):
    """None when got is expected exactly (same type, same content); otherwise what differs."""
    if type(got) is type(expected) and got == expected:
        return None
    kind = lambda m: "text" if isinstance(m, str) else "binary"
    size = lambda m: len(m.encode("utf-8")) if isinstance(m, str) else len(m)
    return f"message {i}: expected {kind(expected)} of {size(expected)} bytes, got {kind(got)} of {size(got)} bytes"
