#!/usr/bin/python3
"""bench/hold_sessions.py URL N - opens N idle WAMP sessions (wamp.2.json over WebSocket, written frame by frame so
that one process holds thousands cheaply), prints "held N" once all are joined, and holds them until it is sent SIGTERM or SIGINT.
Used by bench/session_heap.sh."""
import asyncio
import base64
import json
import os
import signal
import struct
import sys
from urllib.parse import urlparse

def frame(payload: bytes, opcode=1):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126: head += bytes([0x80 | n])
    else: head += bytes([0x80 | 126]) + struct.pack('>H', n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

async def one(host, port, path, realm):
    r, w = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    w.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n").encode())
    await r.readuntil(b"\r\n\r\n")
    hello = [1, realm, {"roles": {"caller": {}, "callee": {}, "publisher": {}, "subscriber": {}}}]
    w.write(frame(json.dumps(hello).encode()))
    h = await r.readexactly(2)
    n = h[1] & 0x7f
    if n == 126: n = struct.unpack('>H', await r.readexactly(2))[0]
    msg = json.loads(await r.readexactly(n))
    assert msg[0] == 2, msg
    return r, w

async def main():
    u = urlparse(sys.argv[1]); n = int(sys.argv[2])
    conns = []
    for i in range(0, n, 100):
        conns += await asyncio.gather(*(one(u.hostname, u.port, u.path, "realm1") for _ in range(min(100, n - i))))
    print("held", len(conns), flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    for r, w in conns: w.close()

asyncio.run(main())
