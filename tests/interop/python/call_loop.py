#!/usr/bin/python3
"""Autobahn|Python (asyncio) caller in a tight loop, for hot reload: calls --procedure back to back until
--until has been the result --settle times in a row (the new version answers), then stops.

    call_loop.py --url ws://127.0.0.1:8080/ws --procedure test.dropin.version --until v2 [--settle 20] [--timeout 60]

Prints "READY <json>" after the first successful call (the test then swaps the plugin), "FAIL <error>" for
every failed call, and at the end "CALLS <n> FAILED <f> SEEN <results in order of first appearance>".
Exit 0 when no call failed and --until was reached, 1 otherwise.
"""
import argparse
import asyncio
import json
import sys
import time

from abcommon import join_json_caller


async def main(args):
    session = await join_json_caller(args.url, args.realm)
    calls = failed = in_a_row = 0
    seen = []
    deadline = time.monotonic() + args.timeout
    while in_a_row < args.settle and time.monotonic() < deadline:
        calls += 1
        try:
            result = await asyncio.wait_for(session.call(args.procedure), 10)
        except Exception as e:  # every failure counts, whatever its kind
            failed += 1
            in_a_row = 0
            print("FAIL {}: {}".format(type(e).__name__, e), flush=True)
            continue
        if not seen:
            print("READY " + json.dumps(result), flush=True)
        if result not in seen:
            seen.append(result)
        in_a_row = in_a_row + 1 if result == args.until else 0
    print("CALLS {} FAILED {} SEEN {}".format(calls, failed, json.dumps(seen)), flush=True)
    await session.leave()
    return failed == 0 and in_a_row >= args.settle


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--realm", default="realm1")
    p.add_argument("--procedure", required=True)
    p.add_argument("--until", required=True)
    p.add_argument("--settle", type=int, default=20)
    p.add_argument("--timeout", type=float, default=60)
    try:
        ok = asyncio.run(main(p.parse_args()))
    except Exception as e:  # report, do not trace: the test shows this output
        print("ERROR {}: {}".format(type(e).__name__, e), flush=True)
        sys.exit(1)
    sys.exit(0 if ok else 1)
