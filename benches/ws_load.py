#!/usr/bin/env python3
"""Loopback WebSocket load: many connections, each sending messages of 5 B to 9 kB (text and
binary) to an echo server and waiting for every echo. Used to make the big benchmark capture.
With MODE `deflate` the client offers permessage-deflate (as browsers and python do by default) and
sends word-like texts (20 B–4 kB) and binaries (half of them repetitive, half random), the traffic
compression is meant for. With MODE `tls` URL is wss:// and the server's certificate is not
checked (a self-signed one made for the benchmark).
Usage: ws_load.py URL CONNECTIONS CONCURRENCY MESSAGES_PER_CONNECTION [SEED] [MODE]"""
import asyncio, random, ssl, sys

import websockets


WORDS = ("the a to of and in is it you that he was for on are with as his they be at one have "
         "this from or had by hot word but what some we can out other were all there when up use "
         "your how said an each she which do their time if will way about many then them write "
         "would like so these her long make thing see him two has look more day could go come "
         "socket frame packet server client message handshake upgrade ping pong close").split()


def plain(rng):
    n = rng.randint(5, 9000)
    if rng.random() < 0.5:
        return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=n))
    return rng.randbytes(n)


def compressible(rng):
    r = rng.random()
    if r < 0.7:
        words = rng.randint(4, 700)
        return " ".join(rng.choices(WORDS, k=words))
    if r < 0.85:
        return bytes(rng.choices(b"ABCD\x00\x01", k=rng.randint(20, 4000)))
    return rng.randbytes(rng.randint(20, 4000))


async def one(url, rng, messages, mode):
    compression = "deflate" if mode == "deflate" else None
    make = compressible if mode == "deflate" else plain
    tls = None
    if mode == "tls":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    async with websockets.connect(url, max_size=None, compression=compression, ssl=tls) as ws:
        for _ in range(messages):
            msg = make(rng)
            await ws.send(msg)
            echo = await ws.recv()
            assert echo == msg, "echo differs"
        if rng.random() < 0.2:
            await ws.ping(b"still there?")


async def main():
    url, conns, conc, msgs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    mode = sys.argv[6] if len(sys.argv) > 6 else ""
    sem = asyncio.Semaphore(conc)

    async def guarded(i):
        async with sem:
            await one(url, random.Random(seed * 100003 + i), msgs, mode)

    await asyncio.gather(*(guarded(i) for i in range(conns)))


asyncio.run(main())
