#!/usr/bin/python3
"""bench/coldstart.py - cold start of the default node to its first answered call (issue 13's target: < 1 s).

    bench/coldstart.py [--runs N]

The CLI is built first (./pluginhost version). Each run copies config/default to a temporary node directory with
free ports in place of 8080/8081, starts `./pluginhost start` there, and from that instant calls
com.timeservice.now (the default node's container component) over WebSocket every 10 ms until one call is answered;
the time from spawn to that answer is the cold start. The node is then stopped (SIGTERM) and the next run begins.
Prints each run and the median. Run it with Debian's interpreter (python3-autobahn).
"""
import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "interop", "python"))
from abcommon import join_session  # noqa: E402
import txaio  # noqa: E402

txaio.start_logging(level="critical")  # Autobahn's per-session info lines would bury the figures

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def first_answer(url, deadline):
    """Calls com.timeservice.now until it is answered; the answer, or raises at the deadline."""
    while True:
        try:
            session, _ = await join_session(url, "realm1", timeout=2)
            try:
                return await session.call("com.timeservice.now")
            finally:
                session.leave()
        except Exception:  # noqa: BLE001 - not up yet (refused, no such realm, no such procedure): try again
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.01)


async def one_run():
    work = tempfile.mkdtemp(prefix="pluginhost-coldstart-")
    try:
        shutil.copytree(os.path.join(ROOT, "config", "default"), os.path.join(work, "default"), symlinks=True)
        config = os.path.join(work, "default", ".crossbar", "config.json")
        web, raw = free_port(), free_port()
        text = open(config).read().replace("8080", str(web)).replace("8081", str(raw))
        open(config, "w").write(text)
        start = time.monotonic()
        node = subprocess.Popen([os.path.join(ROOT, "pluginhost"), "start", "--cbdir", os.path.dirname(config)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            await first_answer("ws://127.0.0.1:{}/ws".format(web), start + 60)
            return time.monotonic() - start
        finally:
            os.killpg(node.pid, signal.SIGTERM)
            node.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    subprocess.run([os.path.join(ROOT, "pluginhost"), "version"], check=True, stdout=subprocess.DEVNULL)
    times = []
    for i in range(a.runs):
        t = asyncio.run(one_run())
        times.append(t)
        print("run {}: {:.3f} s".format(i + 1, t), flush=True)
    print("cold start to first answered call, median of {}: {:.3f} s (load {:.2f})".format(
        a.runs, statistics.median(times), os.getloadavg()[0]))


if __name__ == "__main__":
    main()
