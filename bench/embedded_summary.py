#!/usr/bin/env python3
"""Prints bench/run.sh's embedded lines from BenchmarkDotNet's CSV reports (bench/.work/embedded/results):
the router core's routed calls/s at 16 in flight (RouterCoreCalls) and the serializers' share of a routed call and
of a delivered event as ratios to JSON (SerializedMessages). Usage: embedded_summary.py RESULTS_DIR"""
import csv
import os
import sys

UNITS = {"ns": 1.0, "us": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}


def nanoseconds(text):
    value, unit = text.replace(",", "").split()
    return float(value) * UNITS[unit]


def rows(directory, name):
    path = os.path.join(directory, f"PluginHost.Bench.Embedded.{name}-report.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    directory = sys.argv[1]
    core = [r for r in rows(directory, "RouterCoreCalls") if r.get("InFlight") == "16"]
    if core:
        ns = nanoseconds(core[0]["Mean"])
        print(f"  ours embedded: router core, 16 calls in flight, one core: {1e9 / ns:,.0f} calls/s ({ns:.0f} ns per call; "
              f"issue 13's target: >= 1,000,000)")
    # As a router reads (KeptPayloads=True), for each payload size (ExtraBytes).
    serialized = {(r["Method"], r.get("ExtraBytes", "0")): r for r in rows(directory, "SerializedMessages")
                  if r.get("KeptPayloads", "True") == "True"}
    for extra in sorted({extra for _, extra in serialized}, key=int):
        size = "" if extra == "0" else f", each payload {extra} bytes larger"
        for what, prefix in (("routed call", "Call"), ("delivered event", "Event")):
            json_row = serialized.get((prefix + "Json", extra))
            if not json_row:
                continue
            ratios = ", ".join(f"{label} {float(serialized[(prefix + key, extra)]['Ratio']):.2f}x"
                               for key, label in (("MsgPack", "MessagePack"), ("Cbor", "CBOR")) if (prefix + key, extra) in serialized)
            print(f"  ours serializers, per {what}{size}: JSON {nanoseconds(json_row['Mean']):.0f} ns; {ratios} of JSON "
                  f"(issue 13's target: never slower than JSON)")

if __name__ == "__main__":
    main()
