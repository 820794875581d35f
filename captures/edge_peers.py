#!/usr/bin/python3
"""Peers for the edge-case captures (see captures/README.md, "Edge-case captures").

Run by make_edge_captures.sh while tcpdump listens; each case is one short, real conversation:
a Python `websockets` 10.4 server and client (Debian 12's python3-websockets), or raw sockets
where a case needs exact control of the bytes (several frames in one TCP segment, a fragment
whose last continuation carries data, an unmasked client frame, reserved opcodes...).

Usage: edge_peers.py CASE PORT [HOST] [ROLE]
  ROLE is "both" (default: server and client in this process), "server" or "client" (the
  retransmissions case runs them in two network namespaces).
"""

import asyncio
import base64
import hashlib
import os
import socket
import struct
import sys
import time
import zlib
from http import HTTPStatus

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# No keep-alive pings: only the frames each case sends.
COMMON = dict(ping_interval=None, max_size=2**20)


# ---- raw RFC 6455 helpers ---------------------------------------------------------------

def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    """One frame, bytes exactly as RFC 6455 §5.2 lays them out."""
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    m = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if mask:
        key = os.urandom(4)
        head += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + payload


def close_payload(code, reason=""):
    return struct.pack("!H", code) + reason.encode()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed")
        buf += chunk
    return buf


def recv_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(1)
        if not chunk:
            break
        buf += chunk
    return buf.decode("latin-1")


def recv_frame(s):
    """(fin, opcode, unmasked payload) of the next frame."""
    b0, b1 = recv_exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(s, 8))[0]
    key = recv_exact(s, 4) if b1 & 0x80 else None
    data = recv_exact(s, n)
    if key:
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return bool(b0 & 0x80), b0 & 0x0F, data


def connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.connect((host, port))
    return s


def handshake(s, host, port, path="/", version="13", extensions=None):
    key = base64.b64encode(os.urandom(16)).decode()
    req = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: {version}\r\n"
    )
    if extensions:
        req += f"Sec-WebSocket-Extensions: {extensions}\r\n"
    s.sendall((req + "\r\n").encode())
    return recv_head(s)


def close_raw(s, code=1000):
    """Client side of the closing handshake: send Close, read up to the server's Close, wait for
    the server's FIN (RFC 6455 §7.1.1: the server closes TCP first)."""
    s.sendall(frame(0x8, close_payload(code)))
    while True:
        _, op, _ = recv_frame(s)
        if op == 0x8:
            break
    s.settimeout(2)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


def pause():
    time.sleep(0.05)


# ---- websockets server -------------------------------------------------------------------

async def echo(ws, path=None):
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


async def serve(host, port, handler=echo, **kw):
    return await websockets.serve(handler, host, port, **COMMON, **kw)


def uri(host, port, path="/"):
    h = f"[{host}]" if ":" in host else host
    return f"ws://{h}:{port}{path}"


# ---- the cases ---------------------------------------------------------------------------

def raw_fragmented(host, port):
    s = connect(host, port)
    handshake(s, host, port)
    # A text message in three fragments, the last one carrying data, with a Ping between the
    # first and second fragment (control frames may be interleaved, RFC 6455 §5.4).
    s.sendall(frame(0x1, "Hello, ", fin=False))
    pause()
    s.sendall(frame(0x9, "mid-message ping"))
    pause()
    s.sendall(frame(0x0, "fragmented ", fin=False))
    pause()
    s.sendall(frame(0x0, "world!", fin=True))
    recv_frame(s)  # Pong
    recv_frame(s)  # echo
    pause()
    # A binary message in two fragments.
    s.sendall(frame(0x2, bytes(range(16)), fin=False))
    pause()
    s.sendall(frame(0x0, bytes(range(16, 40)), fin=True))
    recv_frame(s)
    pause()
    close_raw(s)


def raw_multiframe(host, port):
    s = connect(host, port)
    handshake(s, host, port)
    # Four frames in one send() and so in one TCP segment.
    s.sendall(frame(0x1, "one") + frame(0x1, "two") + frame(0x9, "ping") + frame(0x1, "three"))
    for _ in range(4):
        recv_frame(s)
    pause()
    # A frame that straddles two segments: A + first half of B, then rest of B + C.
    a, b, c = frame(0x1, "alpha"), frame(0x1, "bravo bravo bravo"), frame(0x1, "charlie")
    s.sendall(a + b[:9])
    pause()
    s.sendall(b[9:] + c)
    for _ in range(3):
        recv_frame(s)
    pause()
    close_raw(s)


def raw_empty_last(host, port):
    """websockets' own client already ends a fragmented message with an empty continuation;
    here also a raw one, Text + Continuation + empty final Continuation."""
    s = connect(host, port)
    handshake(s, host, port)
    s.sendall(frame(0x1, "Hello", fin=False))
    pause()
    s.sendall(frame(0x0, ", world", fin=False))
    pause()
    s.sendall(frame(0x0, b"", fin=True))
    recv_frame(s)
    pause()
    close_raw(s)


def raw_deflate_fragmented(host, port):
    s = connect(host, port)
    head = handshake(s, host, port, extensions="permessage-deflate; client_max_window_bits")
    assert "permessage-deflate" in head, head
    # One compressed message (RFC 7692 §7.2.1: compress, drop the trailing 00 00 ff ff), its
    # compressed bytes split into three fragments; RSV1 only on the first (§6.1).
    text = "A compressed message split into three fragments, " * 3
    z = zlib.compressobj(wbits=-12)
    data = z.compress(text.encode()) + z.flush(zlib.Z_SYNC_FLUSH)
    assert data.endswith(b"\x00\x00\xff\xff")
    data = data[:-4]
    k = len(data) // 3
    parts = [data[:k], data[k:2 * k], data[2 * k:]]
    s.sendall(frame(0x1, parts[0], fin=False, rsv=4))
    pause()
    s.sendall(frame(0x0, parts[1], fin=False))
    pause()
    s.sendall(frame(0x0, parts[2], fin=True))
    recv_frame(s)
    pause()
    close_raw(s)


def raw_rst(host, port):
    s = connect(host, port)
    handshake(s, host, port)
    s.sendall(frame(0x1, "about to reset"))
    recv_frame(s)
    pause()
    # Half a frame, then an abortive close: SO_LINGER 0 makes close() send RST (RFC 9293 §3.6).
    f = frame(0x1, "this frame is never finished")
    s.sendall(f[:12])
    pause()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def raw_version_8(host, port):
    s = connect(host, port)
    head = handshake(s, host, port, version="8")
    assert " 426 " in head.split("\r\n")[0], head
    s.settimeout(2)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


async def refuse(path, headers):
    if path == "/missing":
        return HTTPStatus.NOT_FOUND, [("Content-Type", "text/plain")], b"no WebSocket here\n"
    if headers.get("Sec-WebSocket-Version") != "13":
        # RFC 6455 §4.4: 426 with the versions the server speaks.
        return (
            HTTPStatus.UPGRADE_REQUIRED,
            [("Sec-WebSocket-Version", "13"), ("Content-Type", "text/plain")],
            b"WebSocket version 13 only\n",
        )
    return None


def raw_rfc_server(host, port, ready):
    """A raw server: answers the handshake, then sends a masked frame (servers must not mask),
    reads until the client's Close, answers 1002 (protocol error)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    ready.set()
    c, _ = ls.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = recv_head(c)
    key = [l.split(":", 1)[1].strip() for l in req.split("\r\n")
           if l.lower().startswith("sec-websocket-key:")][0]
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    c.sendall((
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
    ).encode())
    while True:
        _, op, _ = recv_frame(c)
        if op == 0x1:
            break
    c.sendall(frame(0x1, "masked by the server", mask=True))
    while True:
        _, op, _ = recv_frame(c)
        if op == 0x8:
            break
    c.sendall(frame(0x8, close_payload(1002, "protocol error"), mask=False))
    c.close()
    ls.close()


def raw_rfc_client(host, port):
    s = connect(host, port)
    handshake(s, host, port)
    steps = [
        frame(0x1, "not masked", mask=False),                # §5.1: clients must mask
        frame(0x3, "reserved opcode 3"),                      # §5.2: 0x3-0x7 reserved
        frame(0xB, "reserved control opcode B"),              # §5.2: 0xB-0xF reserved
        frame(0x9, "p" * 126),                                # §5.5: control payload <= 125
        frame(0x9, "fragmented ping", fin=False),             # §5.5: control frames not fragmented
        frame(0x1, "RSV2 without an extension", rsv=2),       # §5.2: RSV without extension
        frame(0x1, "a legal text frame"),
    ]
    for f in steps:
        s.sendall(f)
        pause()
    recv_frame(s)  # the server's masked frame
    pause()
    close_raw(s)


async def run_case(case, host, port, role):
    if case == "fragmented":
        srv = await serve(host, port, compression=None)
        await asyncio.to_thread(raw_fragmented, host, port)

    elif case == "len64":
        async def count(ws, path=None):
            async for msg in ws:
                await ws.send(f"received {len(msg)} bytes")
        srv = await serve(host, port, count, compression=None)
        async with websockets.connect(uri(host, port), compression=None, **COMMON) as ws:
            # 70000 > 65535: the 7-bit length says 127 and a 64-bit length follows.
            await ws.send(bytes(i % 251 for i in range(70000)))
            await ws.recv()

    elif case == "multiframe_segment":
        srv = await serve(host, port, compression=None)
        await asyncio.to_thread(raw_multiframe, host, port)

    elif case == "deflate_context_takeover":
        srv = await serve(host, port)  # websockets' default: permessage-deflate, takeover on
        async with websockets.connect(uri(host, port), **COMMON) as ws:
            for _ in range(3):
                await ws.send("Hello hello hello, permessage-deflate with context takeover!")
                await ws.recv()

    elif case == "deflate_no_context_takeover":
        both = dict(server_no_context_takeover=True, client_no_context_takeover=True)
        srv = await serve(host, port, compression=None,
                          extensions=[ServerPerMessageDeflateFactory(**both)])
        async with websockets.connect(uri(host, port), compression=None,
                                      extensions=[ClientPerMessageDeflateFactory(**both)],
                                      **COMMON) as ws:
            for _ in range(3):
                await ws.send("Hello hello hello, permessage-deflate without context takeover!")
                await ws.recv()

    elif case == "deflate_fragmented":
        srv = await serve(host, port)
        # Connection 1: a raw client, one compressed message cut into three fragments.
        await asyncio.to_thread(raw_deflate_fragmented, host, port)
        # Connection 2: websockets' client, each fragment compressed and sync-flushed on its own,
        # ended (as websockets 10.4 always does) by an empty final continuation.
        async with websockets.connect(uri(host, port), **COMMON) as ws:
            await ws.send(["Compressed ", "and ", "fragmented, ", "by websockets."])
            await ws.recv()

    elif case == "empty_last_continuation":
        srv = await serve(host, port, compression=None)
        await asyncio.to_thread(raw_empty_last, host, port)
        async with websockets.connect(uri(host, port), compression=None, **COMMON) as ws:
            await ws.send(["Fragments ", "from ", "websockets"])
            await ws.recv()

    elif case == "ipv6":
        srv = await serve(host, port, compression=None)
        async with websockets.connect(uri(host, port), compression=None, **COMMON) as ws:
            await ws.send("Hello over IPv6")
            await ws.recv()
            await ws.send(b"\x00\x01\x02\x03 binary over ::1")
            await ws.recv()
            await ws.ping(b"v6")

    elif case == "rst":
        srv = await serve(host, port, compression=None)
        await asyncio.to_thread(raw_rst, host, port)
        await asyncio.sleep(0.2)

    elif case == "refused_upgrade":
        srv = await serve(host, port, compression=None, process_request=refuse)
        try:
            async with websockets.connect(uri(host, port, "/missing"), compression=None,
                                          **COMMON):
                raise SystemExit("the upgrade to /missing was not refused")
        except websockets.InvalidStatusCode as e:
            assert e.status_code == 404, e
        await asyncio.to_thread(raw_version_8, host, port)

    elif case == "retransmissions":
        if role in ("both", "server"):
            srv = await serve(host, port, compression=None)
            if role == "server":
                await asyncio.sleep(float(os.environ.get("EDGE_SERVER_SECONDS", "30")))
        if role in ("both", "client"):
            async with websockets.connect(uri(host, port), compression=None, **COMMON) as ws:
                # Several messages in flight at once, so a lost segment is followed by others
                # (duplicate ACKs, fast retransmission) as well as by timeouts.
                for round_ in range(6):
                    for i in range(4):
                        await ws.send(bytes([round_ * 4 + i]) * 3000)
                    for i in range(4):
                        await ws.recv()
                await ws.send("done")
                await ws.recv()
            return

    elif case == "rfc_violations":
        import threading
        ready = threading.Event()
        t = threading.Thread(target=raw_rfc_server, args=(host, port, ready))
        t.start()
        ready.wait()
        await asyncio.to_thread(raw_rfc_client, host, port)
        t.join()
        return

    else:
        raise SystemExit(f"unknown case {case}")

    await asyncio.sleep(0.2)
    srv.close()
    await srv.wait_closed()


def main():
    case, port = sys.argv[1], int(sys.argv[2])
    host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    role = sys.argv[4] if len(sys.argv) > 4 else "both"
    asyncio.run(run_case(case, host, port, role))


if __name__ == "__main__":
    main()
