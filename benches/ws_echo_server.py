#!/usr/bin/env python3
"""A plain WebSocket echo server (Python `websockets`), the fallback for make_big_capture.sh when
`osiscope serve` is not available. Echoes every text and binary message back unchanged.
With MODE `deflate` it accepts permessage-deflate when the client offers it; with MODE `tls` it
serves wss:// with the certificate and key in the PEM files CERT and KEY.
Usage: ws_echo_server.py HOST PORT [MODE [CERT KEY]]"""
import asyncio, ssl, sys

import websockets


async def echo(ws, path=None):  # `path` for websockets < 10.1, which passes it
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


async def main():
    host, port = sys.argv[1], int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    compression = "deflate" if mode == "deflate" else None
    tls = None
    if mode == "tls":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[4], sys.argv[5])
    async with websockets.serve(echo, host, port, max_size=None, compression=compression, ssl=tls):
        await asyncio.Future()


asyncio.run(main())
