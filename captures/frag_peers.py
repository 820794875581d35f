#!/usr/bin/python3
"""Peers for the IP fragment captures (see captures/README.md, "IP fragment captures").

Run by make_fragment_captures.sh inside the network namespaces it makes, while tcpdump listens.

Usage: frag_peers.py CASE ARGS...
  ws-server HOST PORT          a Python `websockets` 10.4 echo server for one connection
  ws-client URL                sends texts and a binary message large enough to be fragmented
                               on the router's small-MTU link, reads each echo, closes
  udp-server HOST PORT COUNT   receives COUNT datagrams (the kernel reassembles them)
  udp-client HOST PORT SIZE... one datagram of each SIZE
  vlan-tag IN OUT VID           copies pcap IN to OUT with an 802.1Q tag (VLAN VID) in each
                               Ethernet frame (this kernel has no VLAN devices: 8021q is absent)
  crafted IFACE SRC_MAC DST_MAC SRC4 DST4 SRC6 DST6
                               hand-made fragments written on IFACE (AF_PACKET): a duplicate
                               fragment, an overlap with different bytes, fragments out of
                               order, a second last fragment that ends elsewhere; IPv4 and IPv6
"""

import asyncio
import socket
import struct
import sys
import time

import websockets

COMMON = dict(ping_interval=None, max_size=2**20, compression=None)


async def ws_server(host, port):
    done = asyncio.get_running_loop().create_future()

    async def echo(ws, _path):
        async for message in ws:
            await ws.send(message)
        if not done.done():
            done.set_result(None)

    async with websockets.serve(echo, host, int(port), **COMMON):
        await asyncio.wait_for(done, 30)


async def ws_client(url):
    async with websockets.connect(url, **COMMON) as ws:
        for message in ["a" * 3000, "fragmented " * 400, bytes(range(256)) * 10, "short"]:
            await ws.send(message)
            assert await ws.recv() == message
        await ws.close(1000, "done")


def udp_server(host, port, count):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((host, int(port)))
        s.settimeout(20)
        for _ in range(int(count)):
            data, peer = s.recvfrom(70000)
            print(f"udp {len(data)} bytes from {peer[0]}", file=sys.stderr)


def udp_client(host, port, *sizes):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        if family == socket.AF_INET:
            # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: let the kernel fragment (no DF bit).
            s.setsockopt(socket.IPPROTO_IP, 10, 0)
        for n in sizes:
            s.sendto(bytes((i * 7) % 256 for i in range(int(n))), (host, int(port)))
            time.sleep(0.05)


# ---- hand-made fragments ------------------------------------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp4(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, length)
    head = struct.pack("!HHHH", sport, dport, length, 0)
    return struct.pack("!HHHH", sport, dport, length, checksum(pseudo + head + payload)) + payload


def udp6(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
              + struct.pack("!I3xB", length, 17))
    head = struct.pack("!HHHH", sport, dport, length, 0)
    return struct.pack("!HHHH", sport, dport, length, checksum(pseudo + head + payload)) + payload


def ipv4_fragment(src, dst, ident, offset, more, data, proto=17):
    total = 20 + len(data)
    flags = (0x2000 if more else 0) | (offset // 8)
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, flags, 64, proto, 0,
                       socket.inet_aton(src), socket.inet_aton(dst))
    head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head + data


def ipv6_fragment(src, dst, ident, offset, more, data, next_header=17):
    frag = struct.pack("!BBHI", next_header, 0, (offset // 8) << 3 | (1 if more else 0), ident)
    head = struct.pack("!IHBB16s16s", 6 << 28, 8 + len(data), 44, 64,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst))
    return head + frag + data


def crafted(iface, src_mac, dst_mac, src4, dst4, src6, dst6):
    mac = lambda m: bytes.fromhex(m.replace(":", ""))
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))

        def send(ethertype, packet):
            s.send(mac(dst_mac) + mac(src_mac) + struct.pack("!H", ethertype) + packet)
            time.sleep(0.02)

        body = bytes((i * 13) % 256 for i in range(1200))
        for version, src, dst, make, frag, ethertype in (
            (4, src4, dst4, udp4, ipv4_fragment, 0x0800),
            (6, src6, dst6, udp6, ipv6_fragment, 0x86DD),
        ):
            dgram = make(src, dst, 40000 + version, 9999, body)  # 1208 bytes
            cut = lambda a, b: dgram[a:b]
            # 1: in order, the first fragment sent twice (a duplicate: same bytes).
            send(ethertype, frag(src, dst, 0x101, 0, True, cut(0, 600)))
            send(ethertype, frag(src, dst, 0x101, 0, True, cut(0, 600)))
            send(ethertype, frag(src, dst, 0x101, 600, False, cut(600, 1208)))
            # 2: the last fragment first, then an overlap whose bytes differ.
            send(ethertype, frag(src, dst, 0x102, 800, False, cut(800, 1208)))
            changed = bytearray(cut(400, 800))
            changed[10] ^= 0xFF
            send(ethertype, frag(src, dst, 0x102, 0, True, cut(0, 504)))
            send(ethertype, frag(src, dst, 0x102, 400, True, bytes(changed)))
            # 3: a second last fragment that ends earlier than the first one, then the hole.
            send(ethertype, frag(src, dst, 0x103, 608, False, cut(608, 1208)))
            send(ethertype, frag(src, dst, 0x103, 304, False, cut(304, 608)))
            send(ethertype, frag(src, dst, 0x103, 0, True, cut(0, 304)))


def vlan_tag(src, dst, vid):
    """pcap (tcpdump's, Ethernet) to pcap with a tag after the MAC addresses of every frame."""
    with open(src, "rb") as f:
        data = f.read()
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out = bytearray(data[:24])
    at = 24
    tag = struct.pack("!HH", 0x8100, int(vid) & 0x0FFF)
    while at + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(order + "IIII", data[at:at + 16])
        frame = data[at + 16:at + 16 + incl]
        out += struct.pack(order + "IIII", sec, frac, incl + 4, orig + 4)
        out += frame[:12] + tag + frame[12:]
        at += 16 + incl
    with open(dst, "wb") as f:
        f.write(out)


def main():
    case, args = sys.argv[1], sys.argv[2:]
    if case == "ws-server":
        asyncio.run(ws_server(*args))
    elif case == "ws-client":
        asyncio.run(ws_client(*args))
    elif case == "udp-server":
        udp_server(*args)
    elif case == "udp-client":
        udp_client(*args)
    elif case == "vlan-tag":
        vlan_tag(*args)
    elif case == "crafted":
        crafted(*args)
    else:
        sys.exit(f"unknown case {case}")


if __name__ == "__main__":
    main()
