"""The reference echo server for benches/LIVE_RESULTS.md: Python `websockets` (Debian's
python3-websockets), echoing every message. Usage: /usr/bin/python3 benches/python_echo.py PORT"""
import asyncio
import sys

import websockets


async def echo(ws, _path=None):
    async for message in ws:
        await ws.send(message)


async def main(port):
    async with websockets.serve(echo, "127.0.0.1", port, max_size=16 << 20):
        await asyncio.Future()


asyncio.run(main(int(sys.argv[1])))
