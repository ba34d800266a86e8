"""python3-websockets as a server for our client: check each message against the plan, echo it.

usage: echo_server.py --plan FILE --compression off|deflate|deflate-params [--certfile PEM --keyfile PEM]
                      --close-code N --close-reason TEXT
With ?closer=server in the request path, the server closes after echoing the whole plan.
Prints JSON lines: listening (port), then one "connection" line per connection once it closed
(offer, response, problems, count, close code and reason). Exits when stdin closes.
"""
import argparse
import asyncio
import ssl
import sys
from urllib.parse import parse_qs, urlsplit

import websockets

from common import compression_kwargs, emit, extensions_header, load_plan, mismatch


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", required=True)
    parser.add_argument("--compression", required=True)
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    parser.add_argument("--close-code", type=int, required=True)
    parser.add_argument("--close-reason", required=True)
    args = parser.parse_args()
    plan = load_plan(args.plan)

    async def handler(ws):
        path = getattr(ws, "path", None) or ws.request.path
        closer = parse_qs(urlsplit(path).query).get("closer", ["client"])[0]
        problems, count = [], 0
        try:
            async for message in ws:
                i = count
                count += 1
                problem = "more messages than the plan has" if i >= len(plan) else mismatch(i, plan[i], message)
                if problem:
                    problems.append(problem)
                await ws.send(message)
                if i == len(plan) - 1 and closer == "server":
                    await ws.close(args.close_code, args.close_reason)
                    break
        except websockets.ConnectionClosed as e:
            # Raised for any close code but 1000/1001; only a close without a closing handshake is a failure.
            if e.rcvd is None or e.sent is None:
                problems.append(f"connection failed after {count} messages: {e}")
        await ws.wait_closed()
        emit(
            event="connection",
            offer=extensions_header(ws, "request"),
            response=extensions_header(ws, "response"),
            problems=problems,
            count=count,
            code=ws.close_code,
            reason=ws.close_reason,
        )

    kwargs = compression_kwargs(args.compression, "server")
    if args.certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.certfile, args.keyfile)
        kwargs["ssl"] = context
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, **kwargs) as server:
        emit(event="listening", port=server.sockets[0].getsockname()[1])
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
