#!/usr/bin/python3
"""Autobahn|Python (asyncio) caller: joins, calls one procedure --count times, prints "RESULT <json>" per call.

    call_procedure.py --url ws://127.0.0.1:8080/ws --procedure com.timeservice.now [--realm realm1] [--count 1]

Exit 0 when every call succeeded, 1 otherwise ("ERROR <why>").
"""
import argparse
import asyncio
import json
import sys

from abcommon import join_json_caller


async def main(args):
    session = await join_json_caller(args.url, args.realm)
    for _ in range(args.count):
        result = await asyncio.wait_for(session.call(args.procedure), 10)
        print("RESULT " + json.dumps(result), flush=True)
    await session.leave()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--realm", default="realm1")
    p.add_argument("--procedure", required=True)
    p.add_argument("--count", type=int, default=1)
    try:
        asyncio.run(main(p.parse_args()))
    except Exception as e:  # report, do not trace: the test shows this output
        print("ERROR {}: {}".format(type(e).__name__, e), flush=True)
        sys.exit(1)
