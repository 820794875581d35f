#!/usr/bin/python3
"""Peers for the wss:// captures made with third-party software (see captures/README.md,
"TLS captures"): a Python `websockets` 10.4 server and client (Debian 12's python3-websockets)
over Python's `ssl` module (OpenSSL), in one process, on loopback.

Usage: tls_peers.py CASE PORT CERT KEY
  CASE  tls13: TLS 1.3, ALPN http/1.1, a short chat and a close
        tls12: the same with TLS 1.2 at most (ECDHE, AES-GCM): the certificate travels in
               clear, Change Cipher Spec and "encrypted handshake" records, then application data
        large: TLS 1.3, one 40,000-byte message each way (records of 16 kB spread over segments)
  CERT, KEY  a self-signed certificate for "localhost" and its key (PEM), made by the caller.
The client connects to 127.0.0.1 and asks for "localhost" (its SNI), trusting only CERT.
"""

import asyncio
import ssl
import sys

import websockets

COMMON = dict(ping_interval=None, max_size=2**20, compression=None)


async def echo(ws, _path=None):
    async for message in ws:
        await ws.send(message)


def contexts(case, cert, key):
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    server.set_alpn_protocols(["http/1.1"])
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cert)
    client.set_alpn_protocols(["http/1.1"])
    if case == "tls12":
        client.maximum_version = ssl.TLSVersion.TLSv1_2
        # A suite tshark and a class can name: ECDHE key exchange, AES-128-GCM.
        client.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256")
    else:
        client.minimum_version = ssl.TLSVersion.TLSv1_3
    return server, client


async def main(case, port, cert, key):
    server_ctx, client_ctx = contexts(case, cert, key)
    async with websockets.serve(echo, "127.0.0.1", port, ssl=server_ctx, **COMMON):
        async with websockets.connect(
            f"wss://localhost:{port}/chat",
            ssl=client_ctx,
            server_hostname="localhost",
            host="127.0.0.1",
            port=port,
            **COMMON,
        ) as ws:
            if case == "large":
                messages = ["osiscope " * 4444 + "end"]
            else:
                messages = ["Hi class!", "This message is inside TLS.", "Bye!"]
            for m in messages:
                await ws.send(m)
                got = await ws.recv()
                assert got == m, (got[:40], m[:40])
            await ws.close(1000, "done")
        await asyncio.sleep(0.2)


if __name__ == "__main__":
    case, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    asyncio.run(main(case, port, cert, key))
