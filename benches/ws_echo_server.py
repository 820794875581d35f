#!/usr/bin/env python3
"""A plain WebSocket echo server (Python `websockets`), the fallback for make_big_capture.sh when
`osiscope serve` is not available. Echoes every text and binary message back unchanged.
Usage: ws_echo_server.py HOST PORT"""
import asyncio, sys

import websockets


async def echo(ws, path=None):  # `path` for websockets < 10.1, which passes it
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


async def main():
    host, port = sys.argv[1], int(sys.argv[2])
    async with websockets.serve(echo, host, port, max_size=None, compression=None):
        await asyncio.Future()


asyncio.run(main())
