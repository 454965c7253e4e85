#!/usr/bin/python3
"""Edit-to-answer measurement for bench/devloop.sh (Autobahn|Python, asyncio).

    devloop_caller.py --url ws://127.0.0.1:PORT/ws --source Greeter.cs --rounds 5

Calls com.example.greet every --interval seconds (default 0.02: 50 calls/s, a caller that leaves the build its CPU) the whole time. Each round edits the source (a new marker in the greeting,
written as an editor saves it), then measures the time from that save to the first answer carrying the new marker,
counting every failed call meanwhile and during 2 s after (the old generation draining). Prints one line per round
and a summary line "SUMMARY rounds=N median_s=... max_s=... failed=...".
"""
import argparse
import os
import asyncio
import re
import statistics
import sys
import time
from urllib.parse import urlparse

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.serializer import JsonSerializer
from autobahn.wamp.types import ComponentConfig

GREETING = re.compile(r'(=> \$"\{_options\.Greeting\}, \{name\}!)[^"]*(";)')


def save(path, marker):
    with open(path) as f:
        text = f.read()
    edited, n = GREETING.subn(lambda m: m.group(1) + " " + marker + m.group(2), text)
    if n != 1:
        raise RuntimeError("greeting line not found in " + path)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:  # as editors save: write a temp file, rename it over the source
        f.write(edited)

    os.replace(tmp, path)


async def main(args):
    loop = asyncio.get_running_loop()
    joined = loop.create_future()

    class Caller(ApplicationSession):
        def onJoin(self, details):
            joined.set_result(self)

    u = urlparse(args.url)
    factory = WampWebSocketClientFactory(lambda: Caller(ComponentConfig(args.realm)), url=args.url, serializers=[JsonSerializer()])
    await loop.create_connection(factory, u.hostname, u.port)
    session = await asyncio.wait_for(joined, 10)

    async def call():
        await asyncio.sleep(args.interval)
        try:
            return await asyncio.wait_for(session.call("com.example.greet", "bench"), 10), None
        except Exception as e:  # a failed call is what we count
            return None, "{}: {}".format(type(e).__name__, e)

    times, failed_total = [], 0
    for r in range(1, args.rounds + 1):
        marker = "(round {} {})".format(r, int(time.time()))
        failures = []
        saved = time.monotonic()
        save(args.source, marker)
        answered = None
        while time.monotonic() - saved < args.timeout:
            result, error = await call()
            if error:
                failures.append(error)
            elif marker in result:
                answered = time.monotonic() - saved
                break
        if answered is None:
            print("ROUND {} no answer from the new code within {} s".format(r, args.timeout), flush=True)
            sys.exit(1)
        drain_end = time.monotonic() + 2
        while time.monotonic() < drain_end:
            result, error = await call()
            if error:
                failures.append(error)
            elif marker not in result:
                failures.append("old answer after the new one: " + result)
        times.append(answered)
        failed_total += len(failures)
        print("ROUND {} save-to-answer {:.2f} s, failed calls {}{}".format(r, answered, len(failures),
              "" if not failures else " (" + failures[0] + ")"), flush=True)
        await asyncio.sleep(args.pause)
    print("SUMMARY rounds={} median_s={:.2f} min_s={:.2f} max_s={:.2f} failed={}".format(
        len(times), statistics.median(times), min(times), max(times), failed_total), flush=True)
    await session.leave()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--realm", default="realm1")
    p.add_argument("--source", required=True)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--pause", type=float, default=1)
    p.add_argument("--interval", type=float, default=0.02)
    asyncio.run(main(p.parse_args()))
