#!/usr/bin/env python3
"""Loopback WebSocket load: many connections, each sending messages of 5 B to 9 kB (text and
binary) to an echo server and waiting for every echo. Used to make the big benchmark capture.
Usage: ws_load.py URL CONNECTIONS CONCURRENCY MESSAGES_PER_CONNECTION [SEED]"""
import asyncio, random, sys

import websockets


async def one(url, rng, messages):
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        for _ in range(messages):
            n = rng.randint(5, 9000)
            if rng.random() < 0.5:
                msg = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=n))
            else:
                msg = rng.randbytes(n)
            await ws.send(msg)
            echo = await ws.recv()
            assert echo == msg, "echo differs"
        if rng.random() < 0.2:
            await ws.ping(b"still there?")


async def main():
    url, conns, conc, msgs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    sem = asyncio.Semaphore(conc)

    async def guarded(i):
        async with sem:
            await one(url, random.Random(seed * 100003 + i), msgs)

    await asyncio.gather(*(guarded(i) for i in range(conns)))


asyncio.run(main())
