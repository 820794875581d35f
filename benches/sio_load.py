#!/usr/bin/env python3
"""Loopback Socket.IO load for the Socket.IO benchmark capture: CONNECTIONS Socket.IO clients on the
WebSocket transport (Engine.IO v4, as `socket.io-client` with `transports: ["websocket"]` speaks
it), each connecting to the bundled server's `/compare` namespace and emitting MESSAGES `chat`
events of 1-60 words, waiting each time for the server's answer (`socket.emit("chat", …)` to the
sender alone). Every Engine.IO ping is answered with a pong. So the capture holds
CONNECTIONS × MESSAGES × 2 Socket.IO EVENT packets, plus the connects, pings and pongs.
Only the standard library and `websockets` (as benches/ws_load.py).
Usage: sio_load.py HOST:PORT CONNECTIONS CONCURRENCY MESSAGES_PER_CONNECTION [SEED]"""
import asyncio, json, random, sys

import websockets

NSP = "/compare"
WORDS = ("the a to of and in is it you that he was for on are with as his they be at one have "
         "this from or had by hot word but what some we can out other were all there when up use "
         "socket frame packet server client message handshake upgrade ping pong close émoji ✓").split()


async def next_packet(ws):
    """The next Engine.IO message packet (type 4) text; pings are answered on the way."""
    while True:
        packet = await ws.recv()
        if packet == "2":
            await ws.send("3")
        elif packet.startswith("4"):
            return packet[1:]
        elif packet.startswith("1"):
            raise RuntimeError("the server closed the Engine.IO session")


async def one(addr, rng, messages):
    url = f"ws://{addr}/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(url, compression=None, max_size=None) as ws:
        opened = await ws.recv()
        assert opened.startswith("0{"), f"no Engine.IO open packet: {opened!r}"
        await ws.send(f"40{NSP},")
        connected = await next_packet(ws)
        assert connected.startswith(f"0{NSP},"), f"no CONNECT answer: {connected!r}"
        for _ in range(messages):
            text = " ".join(rng.choices(WORDS, k=rng.randint(1, 60)))
            await ws.send(f"42{NSP}," + json.dumps(["chat", text], ensure_ascii=False))
            answer = await next_packet(ws)
            assert answer.startswith(f"2{NSP},"), f"not an EVENT: {answer!r}"
            event, body = json.loads(answer[len(NSP) + 2:])
            assert event == "chat" and body["text"] == "re: " + text, f"wrong answer: {answer!r}"
        await ws.send(f"41{NSP},")


async def main():
    addr, conns, conc, msgs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    sem = asyncio.Semaphore(conc)

    async def guarded(i):
        async with sem:
            await one(addr, random.Random(seed * 100003 + i), msgs)

    await asyncio.gather(*(guarded(i) for i in range(conns)))


asyncio.run(main())
