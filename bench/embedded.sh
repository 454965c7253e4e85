#!/usr/bin/env bash
# bench/embedded.sh - BenchmarkDotNet over the router core in process (no socket): routed calls/s and delivered
# events/s on one core (the benchmark process is pinned to CPU 0). Both ends are our client over in-process
# connections, so the figures include the client's share.
#
#   bench/embedded.sh                 every benchmark (a few minutes)
#   bench/embedded.sh --filter '*Calls*'   BenchmarkDotNet's own options after the script name
#
# Results: BenchmarkDotNet's tables on stdout and in bench/.work/embedded/results/ (git-ignored).
# "Mean" is per call / per delivered event (OperationsPerInvoke): calls/s = 1 s / Mean.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARGS=("$@")
[[ " $* " == *" --filter "* || " $* " == *" --list "* ]] || ARGS+=(--filter '*')
# EMBEDDED_ARTIFACTS: where BenchmarkDotNet writes (bench/run.sh's scenario "embedded" gives its results directory);
# PLUGINHOST_BENCH_QUICK=1: a short job (3 warm-up and 5 measured iterations) instead of BenchmarkDotNet's default.
ARTIFACTS="${EMBEDDED_ARTIFACTS:-$ROOT/bench/.work/embedded}"
mkdir -p "$ARTIFACTS"
cd "$ARTIFACTS"
exec dotnet run -c Release --project "$ROOT/bench/PluginHost.Bench.Embedded" -- --artifacts "$ARTIFACTS" "${ARGS[@]}"
