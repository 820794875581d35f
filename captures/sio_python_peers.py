"""python-socketio peers for captures/make_sio_captures.sh: an aiohttp AsyncServer in a thread
and the synchronous socketio.Client (requests + websocket-client), over 127.0.0.1:PORT.
Polling first, then the upgrade; an event with an ack, a binary event, namespace /admin.
Usage: python sio_python_peers.py PORT"""
import asyncio
import sys
import threading
import time

import socketio
from aiohttp import web

PORT = int(sys.argv[1])
sio = socketio.AsyncServer(async_mode="aiohttp", ping_interval=0.4, ping_timeout=2)
app = web.Application()
sio.attach(app)


@sio.on("chat")
async def chat(sid, msg):
    await sio.emit("chat", msg)
    return {"ok": True}


@sio.on("upload")
async def upload(sid, data):
    await sio.emit("download", bytes([0xDE, 0xAD, len(data)]), to=sid)
    return len(data)


@sio.on("stats", namespace="/admin")
async def stats(sid):
    return {"clients": 1}


def serve():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", PORT).start())
    loop.run_forever()


threading.Thread(target=serve, name="sio-server", daemon=True).start()
time.sleep(0.5)
client = socketio.Client()
client.on("download", lambda data: None)
client.connect(f"http://127.0.0.1:{PORT}", namespaces=["/", "/admin"], wait_timeout=5)
time.sleep(0.9)
print(client.call("chat", "hi", timeout=5))
print(client.call("upload", bytes([1, 2, 3, 4]), timeout=5))
print(client.call("stats", namespace="/admin", timeout=5))
client.disconnect()
time.sleep(0.3)
