"""python3-websockets as a client of our server: send the plan, check the echoes, close.

usage: echo_client.py URL --plan FILE --compression off|deflate|deflate-params
                      [--cafile PEM] --closer client|server --close-code N --close-reason TEXT
Prints JSON lines: open (the response's extensions), result (problems, count), close (code, reason).
"""
import argparse
import asyncio
import ssl

import websockets

from common import compression_kwargs, emit, extensions_header, load_plan, mismatch


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--plan", required=True)
    parser.add_argument("--compression", required=True)
    parser.add_argument("--cafile")
    parser.add_argument("--closer", choices=["client", "server"], required=True)
    parser.add_argument("--close-code", type=int, required=True)
    parser.add_argument("--close-reason", required=True)
    args = parser.parse_args()

    plan = load_plan(args.plan)
    kwargs = compression_kwargs(args.compression, "client")
    if args.cafile:
        kwargs["ssl"] = ssl.create_default_context(cafile=args.cafile)
    ws = await asyncio.wait_for(websockets.connect(args.url, max_size=None, **kwargs), 10)
    emit(event="open", extensions=extensions_header(ws, "response"))

    async def send_all():
        for message in plan:
            await ws.send(message)

    sender = asyncio.create_task(send_all())
    problems, count = [], 0
    try:
        for i, expected in enumerate(plan):
            got = await ws.recv()
            count += 1
            problem = mismatch(i, expected, got)
            if problem:
                problems.append(problem)
    except websockets.ConnectionClosed as e:
        problems.append(f"closed after {count} echoes: {e}")
    await sender
    if args.closer == "client":
        await ws.close(args.close_code, args.close_reason)
    else:
        await ws.wait_closed()
    emit(event="result", problems=problems, count=count)
    emit(event="close", code=ws.close_code, reason=ws.close_reason)


asyncio.run(asyncio.wait_for(main(), 60))
