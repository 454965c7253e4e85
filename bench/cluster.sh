#!/usr/bin/env bash
# bench/cluster.sh - cross-node RPC and pub/sub against the same traffic on one node, in one run: a nats-server (Debian's,
# started on a port it picks) and two `pluginhost start` nodes of one cluster; our client over WebSocket (msgpack).
#   rpc: 1 callee, --callers 4 callers with --inflight 16 calls each in flight; one node = all on node a, across = callee on b
#   pub/sub: 1 publisher on node a, 1 subscriber (on a, or on b), at most 64 events in flight
# Router CPU is summed over both router worker processes (/proc, 10 ms ticks); latencies are client round trips.
#   bench/cluster.sh [--seconds 5] [--callers 4] [--inflight 16]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/pluginhost" version >/dev/null
exec dotnet run -c Release --project "$ROOT/bench/PluginHost.Bench.Cluster" -- --root "$ROOT" "$@"
