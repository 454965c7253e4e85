#!/usr/bin/env bash
# bench/run.sh - PluginHost router vs fox-wamp vs a raw Kestrel WebSocket echo vs the socket floor, same run, same machine.
#
#   bench/run.sh [--runs N] [--seconds S] [--scenarios LIST] [--harness DIR] [--no-inline-completions]
#                [--only ours,fox-wamp,echo,floor] [--out DIR] [-- LOADGEN ARGS...]
#
# Uses the independent harness at ../shared/bench (relative to the repo root; override with --harness
# or BENCH_HARNESS). It is copied to bench/.work/harness (git-ignored) and built there; nothing of it is
# copied into the repository.
#
# Per run (runs are interleaved so that machine noise hits all three alike):
#   1. ours:     ./pluginhost start on a generated config (realm1, anonymous allow-all, web transport on
#                port 0 = a free port read from the node's log, websocket at /ws), started under
#                `taskset -c 1`, a fresh node per scenario (as the harness does for its peers); the harness
#                runs in --url mode with --pid of the router (client on CPU 0, router on CPU 1).
#   2. fox-wamp: router-bench.sh --peer fox-wamp (fresh peer per scenario, pinned the same way).
#   3. echo:     router-bench.sh --peer echo (rpc as raw-echo round trips, conn).
#   4. floor:    bench/PluginHost.Bench.SocketFloor: a bare WAMP router on one epoll thread with raw recv/send (the
#                least CPU per message a router that answers each message as it arrives spends here), pinned like
#                ours, a fresh one per scenario, harness in --url mode (rpc, pubsub-window, conn: not validate, it has
#                none of the features, nor the unpaced pubsub, it has no flow control).
# Then prints per scenario: medians of ours / fox-wamp / echo / floor, the ratios ours/fox-wamp, ours/echo and ours/floor,
# and router CPU µs per routed call / per delivered event.
#
# Options:
#   --runs N          interleaved runs (default 2)
#   --seconds S       measured seconds per scenario (default 5; warm-up 2 s)
#   --scenarios LIST  comma list of validate,rpc,pubsub,pubsub-window,conn,coldstart,embedded (default: all seven;
#                     coldstart is ours only: bench/coldstart.py, the default node from spawn to its first answered
#                     call, 3 runs; embedded is ours only: bench/embedded.sh's RouterCoreCalls and SerializedMessages
#                     with a short job, the router core's calls/s and MessagePack/CBOR vs JSON)
#   --retries N       retries of a disturbed attempt (default 0: disturbed attempts are kept, flagged and left out of medians when quiet ones exist)
#   --node-env NAME=VALUE  an environment variable for our node (repeatable); the node gives its workers the runtime
#                     settings of Node/Controller/WorkerRuntimeSettings.cs unless the environment sets them, so
#                     e.g. --node-env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 measures without one of them
#                     (the harness sets it for its echo peer and recommends it for any C# router)
#   --only LIST       comma list of ours,fox-wamp,echo,floor (default all four)
#   --out DIR         results directory (default bench/.work/results/TIMESTAMP)
#
# Environment: FOX_WAMP_DIR (default: tests/interop if it holds node_modules/fox-wamp, else bench/.work/peers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/bench/.work"
HARNESS_SRC="${BENCH_HARNESS:-$ROOT/../shared/bench}"
RUNS=2 SECONDS_=5 SCENARIOS="validate,rpc,pubsub,pubsub-window,conn,coldstart,embedded" RETRIES=0 NODE_ENV=() ONLY="ours,fox-wamp,echo,floor" OUT=""
EXTRA=()

die() { echo "bench/run.sh: $*" >&2; exit 2; }
log() { echo "[bench] $(date -u +%H:%M:%S) $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --seconds) SECONDS_="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --retries) RETRIES="$2"; shift 2 ;;
    --harness) HARNESS_SRC="$2"; shift 2 ;;
    --node-env) [[ "$2" == *=* ]] || die "--node-env takes NAME=VALUE"; NODE_ENV+=("$2"); shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]] || die "--runs must be a positive integer"
[ -x "$HARNESS_SRC/router-bench.sh" ] || die "harness not found at $HARNESS_SRC (expected ../shared/bench relative to the repo root)"
command -v python3 >/dev/null || die "python3 is needed for the summary table"
has() { [[ ",$ONLY," == *",$1,"* ]]; }

# ---------- processes we start; the trap stops every one of them ----------
NODE_PID="" BENCH_PID="" FLOOR_PID=""
stop_group() { # pid: TERM its process group (started with setsid), then KILL after 10 s
  local pid="$1"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; }
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() { stop_group "$BENCH_PID"; BENCH_PID=""; stop_group "$NODE_PID"; NODE_PID=""; stop_group "$FLOOR_PID"; FLOOR_PID=""; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# ---------- harness: copy to a writable, ignored folder and build ----------
HARNESS="$WORK/harness"
mkdir -p "$HARNESS"
for part in router-bench.sh loadgen echo peers; do
  [ -e "$HARNESS/$part" ] && chmod -R u+w "$HARNESS/$part"
  if [ -d "$HARNESS_SRC/$part" ]; then
    mkdir -p "$HARNESS/$part"
    # sources only (keeps our bin/obj so rebuilds stay incremental); -p keeps times for the harness's staleness check
    find "$HARNESS/$part" -maxdepth 1 -type f -delete
    cp -p "$HARNESS_SRC/$part"/* "$HARNESS/$part/"
  else
    cp -p "$HARNESS_SRC/$part" "$HARNESS/$part"
  fi
  chmod -R u+w "$HARNESS/$part"
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log "building harness (loadgen, echo) in $HARNESS"
dotnet build "$HARNESS/loadgen" -c Release -nologo -v q >&2 || die "loadgen build failed"
if has echo; then dotnet build "$HARNESS/echo" -c Release -nologo -v q >&2 || die "echo build failed"; fi
FLOOR_BIN="$ROOT/bench/PluginHost.Bench.SocketFloor/bin/Release/net10.0/PluginHost.Bench.SocketFloor"
if has floor; then
  dotnet build "$ROOT/bench/PluginHost.Bench.SocketFloor" -c Release -nologo -v q >&2 || die "socket floor build failed"
fi
log "building the node (./pluginhost version)"
"$ROOT/pluginhost" version >/dev/null || die "node build failed"

if [ -z "${FOX_WAMP_DIR:-}" ]; then
  if [ -f "$ROOT/tests/interop/node_modules/fox-wamp/package.json" ]; then FOX_WAMP_DIR="$ROOT/tests/interop"
  else FOX_WAMP_DIR="$WORK/peers"; fi
fi
export FOX_WAMP_DIR
# The harness's .NET processes (load generator, echo server) get the tiered-compilation setting our node gives its
# workers: with the default 100 ms call-counting delay a busy .NET process can keep its hot loop unoptimized for seconds,
# and the load generator (the bottleneck of most scenarios) then measured anyone's router 1.5-2x slower from one run to
# the next. The same client for every router, so the comparison stays fair; fox-wamp (Node.js) is not affected. Our node
# does not inherit it (start_node): it runs as a plain `pluginhost start` does.
export DOTNET_TC_CallCountingDelayMs=0

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${OUT:-$WORK/results/$STAMP}"
mkdir -p "$OUT"
COMMON=(--seconds "$SECONDS_" --retries "$RETRIES")
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: bench/run.sh $*"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "machine: $(nproc --all) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r)"
  echo "dotnet: $(dotnet --version)  node: $(node --version 2>/dev/null || echo none)"
  echo "ours: worker runtime settings from the node$([ ${#NODE_ENV[@]} -gt 0 ] && echo ", node environment: ${NODE_ENV[*]}")"
} > "$OUT/meta.txt"

# ---------- our node ----------
NODE_DIR="$WORK/node"
mkdir -p "$NODE_DIR"
cat > "$NODE_DIR/config.json" <<'JSON'
{
  "version": 2,
  "controller": {},
  "workers": [
    {
      "type": "router",
      "realms": [
        {
          "name": "realm1",
          "roles": [
            {
              "name": "anonymous",
              "permissions": [
                { "uri": "", "match": "prefix",
                  "allow": { "call": true, "register": true, "publish": true, "subscribe": true },
                  "disclose": { "caller": false, "publisher": false }, "cache": true }
              ]
            }
          ]
        }
      ],
      "transports": [
        {
          "type": "web",
          "id": "bench",
          "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
          "paths": {
            "ws": { "type": "websocket", "serializers": ["json"], "options": { "max_message_size": 1048576 } }
          }
        }
      ]
    }
  ]
}
JSON

start_node() { # run-number; sets NODE_PID (controller), ROUTER_PID (router worker), NODE_URL
  local logf="$OUT/node-$1.log" port=""
  setsid env -u DOTNET_TC_CallCountingDelayMs "${NODE_ENV[@]}" taskset -c 1 "$ROOT/pluginhost" start --cbdir "$NODE_DIR" >"$logf" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 300); do
    kill -0 "$NODE_PID" 2>/dev/null || { cat "$logf" >&2; die "node exited during start"; }
    port="$(grep -oE "transport '[^']+' started \(web, tcp port [0-9]+\)" "$logf" | head -1 | grep -oE '[0-9]+\)$' | tr -d ')' || true)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$logf" >&2; die "node did not report its port within 30 s"; }
  # The router runs in its own worker process (the controller starts it; it inherits the CPU pin):
  # its pid is the one the harness must measure.
  ROUTER_PID=""
  for _ in $(seq 1 300); do
    ROUTER_PID="$(grep -oE "Router with ID '[^']+' and PID [0-9]+ started" "$logf" | head -1 | grep -oE '[0-9]+ started$' | cut -d' ' -f1 || true)"
    [ -n "$ROUTER_PID" ] && break
    sleep 0.1
  done
  [ -n "$ROUTER_PID" ] || { cat "$logf" >&2; die "node did not report its router worker's pid within 30 s"; }
  NODE_URL="ws://127.0.0.1:$port/ws"
  log "ours: node pid $NODE_PID, router worker pid $ROUTER_PID on $NODE_URL (affinity $(taskset -cp "$ROUTER_PID" | awk '{print $NF}'))"
}

start_floor() { # run-number; sets FLOOR_PID and FLOOR_URL
  local logf="$OUT/floor-$1.log" port=""
  setsid taskset -c 1 "$FLOOR_BIN" --port 0 >"$logf" 2>&1 &
  FLOOR_PID=$!
  for _ in $(seq 1 100); do
    kill -0 "$FLOOR_PID" 2>/dev/null || { cat "$logf" >&2; die "socket floor exited during start"; }
    port="$(grep -oE '^listening on [0-9]+' "$logf" | grep -oE '[0-9]+$' || true)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$logf" >&2; die "socket floor did not report its port within 10 s"; }
  FLOOR_URL="ws://127.0.0.1:$port/ws"
}

run_harness() { # label outdir args... (in its own process group so the trap can stop it with its peers)
  local label="$1" dir="$2"; shift 2
  local args=("$@" --label "$label" --out "$dir" "${COMMON[@]}")
  [ ${#EXTRA[@]} -gt 0 ] && args+=(-- "${EXTRA[@]}")
  setsid bash "$HARNESS/router-bench.sh" "${args[@]}" > "$dir.out" 2>&1 &
  BENCH_PID=$!
  local rc=0
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=""
  grep -E '^\[router-bench\].*(disturbed|exited|failed)' "$dir.out" >&2 || true
  [ "$rc" = 0 ] || log "$label: harness exited with $rc (see $dir.out)"
}

echo_scen() { # the echo peer only does rpc (raw echo) and conn
  local s out=()
  for s in $(echo "$SCENARIOS" | tr ',' ' '); do case "$s" in rpc|conn) out+=("$s") ;; esac; done
  (IFS=,; echo "${out[*]}")
}

# coldstart and embedded are ours only and no harness scenarios: taken out of the list the harness runs.
WANT_COLD=0 WANT_EMBEDDED=0
[[ ",$SCENARIOS," == *",coldstart,"* ]] && WANT_COLD=1
[[ ",$SCENARIOS," == *",embedded,"* ]] && WANT_EMBEDDED=1
SCENARIOS="$(echo "$SCENARIOS" | tr ',' '\n' | grep -vx -e coldstart -e embedded | paste -sd, - || true)"

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  [ -n "$SCENARIOS" ] || break
  if has ours; then
    # A fresh node for every scenario, as the harness does for its peers (no scenario inherits another's heap).
    for sc in $(echo "$SCENARIOS" | tr ',' ' '); do
      start_node "$run-$sc"
      log "run $run/$RUNS: ours $sc"
      run_harness ours "$OUT/ours-$run-$sc" --url "$NODE_URL" --realm realm1 --pid "$ROUTER_PID" --pin-router --scenarios "$sc"
      kill -0 "$NODE_PID" 2>/dev/null || log "ours: the node exited during $sc (see $OUT/node-$run-$sc.log)"
      stop_group "$NODE_PID"; NODE_PID=""
    done
  fi
  if has fox-wamp; then
    log "run $run/$RUNS: fox-wamp ($SCENARIOS)"
    run_harness fox-wamp "$OUT/fox-wamp-$run" --peer fox-wamp --scenarios "$SCENARIOS"
  fi
  es="$(echo_scen)"
  if has echo && [ -n "$es" ]; then
    log "run $run/$RUNS: echo ($es)"
    run_harness echo "$OUT/echo-$run" --peer echo --scenarios "$es"
  fi
  # the floor has no flow control: an unpaced publisher only grows its buffers (events arrive after the window)
  fs="$(echo "$SCENARIOS" | tr ',' '\n' | grep -vx -e validate -e pubsub | paste -sd, - || true)"
  if has floor && [ -n "$fs" ]; then
    for sc in $(echo "$fs" | tr ',' ' '); do # a fresh one per scenario, as for the others
      start_floor "$run-$sc"
      log "run $run/$RUNS: floor $sc"
      run_harness floor "$OUT/floor-$run-$sc" --url "$FLOOR_URL" --realm realm1 --pid "$FLOOR_PID" --scenarios "$sc"
      stop_group "$FLOOR_PID"; FLOOR_PID=""
    done
  fi
done
log "done in $(( $(date +%s) - T0 )) s; results in $OUT"

# Cold start is not a harness scenario: measured apart, for our node only, and added to the table as its last row.
COLD=""
if has ours && [ "$WANT_COLD" = 1 ]; then
  log "ours: cold start (bench/coldstart.py --runs 3)"
  env -u DOTNET_TC_CallCountingDelayMs "${NODE_ENV[@]}" /usr/bin/python3 "$ROOT/bench/coldstart.py" --runs 3 > "$OUT/coldstart.txt" 2>&1 \
    || log "cold start failed (see $OUT/coldstart.txt)"
  COLD="$(grep -oE 'median of [0-9]+: [0-9.]+ s' "$OUT/coldstart.txt" | grep -oE '[0-9.]+ s$' || true)"
fi
# The router core and the serializers in process (BenchmarkDotNet, one pinned core, short job): after the socket runs,
# so that they never share the machine with them.
if has ours && [ "$WANT_EMBEDDED" = 1 ]; then
  log "ours: embedded (bench/embedded.sh, RouterCoreCalls and SerializedMessages, short job)"
  EMBEDDED_ARTIFACTS="$OUT/embedded" PLUGINHOST_BENCH_QUICK=1 "$ROOT/bench/embedded.sh" \
    --filter '*RouterCoreCalls*' '*SerializedMessages*' > "$OUT/embedded.txt" 2>&1 || log "embedded failed (see $OUT/embedded.txt)"
fi
{
  python3 "$ROOT/bench/summarize.py" "$OUT"
  [ -n "$COLD" ] && echo "  ours coldstart: the default node from spawn to its first answered call, median of 3: $COLD (issue 13's target: < 1 s)"
  [ "$WANT_EMBEDDED" = 1 ] && [ -d "$OUT/embedded/results" ] && python3 "$ROOT/bench/embedded_summary.py" "$OUT/embedded/results"
} | tee "$OUT/table.md"
