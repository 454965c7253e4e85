#!/usr/bin/env bash
# bench/devloop.sh - the edit-to-answer loop, measured: time from saving a .cs file of a component made by the
# `dotnet new` template to the first call answered by the new code, and failed calls in a caller loop meanwhile.
#
#   bench/devloop.sh [--rounds N]
#
# In bench/.work/devloop (git-ignored, made fresh each run): PluginHost.Abstractions packed from this checkout,
# the template installed into a private hive, `dotnet new pluginhost-component -n Acme.Bench`, an app folder
# whose node runs Acme.Bench.Greeter as a router component (plugins from ../plugins, websocket on a free port).
# Then `./pluginhost dev --project ... --cbdir app/.crossbar` rebuilds on save into app/plugins/Acme.Bench, and
# bench/devloop_caller.py (Autobahn|Python) calls com.example.greet 50 times a second while editing the greeting
# N times (default 5). Prints a line per round and "SUMMARY rounds=N median_s=... max_s=... failed=...".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/bench/.work/devloop"
ROUNDS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "bench/devloop.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { echo "[devloop] $(date -u +%H:%M:%S) $*" >&2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# A private package folder for the freshly packed abstractions; everything else from the user's cache (offline).
USER_CACHE="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
export NUGET_PACKAGES="$WORK/nuget" RestoreAdditionalProjectFallbackFolders="$USER_CACHE"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

rm -rf "$WORK" && mkdir -p "$WORK/app/.crossbar" "$WORK/app/plugins"
VERSION="0.1.0-bench$(date -u +%Y%m%d%H%M%S)"
log "packing PluginHost.Abstractions $VERSION, making Acme.Bench from the template"
dotnet pack "$ROOT/abstractions/PluginHost.Abstractions" -c Release -o "$WORK/packages" -p:PackageVersion="$VERSION" --nologo -v q >/dev/null
dotnet new install "$ROOT/templates/pluginhost-component" --debug:custom-hive "$WORK/hive" >/dev/null
dotnet new pluginhost-component -n Acme.Bench -o "$WORK/Acme.Bench" --packages ../packages --abstractionsVersion "$VERSION" \
  --debug:custom-hive "$WORK/hive" >/dev/null

cat >"$WORK/app/.crossbar/config.json" <<'JSON'
{"version": 2, "workers": [{"type": "router", "options": {"pythonpath": ["../plugins"]},
  "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix",
     "allow": {"call": true, "register": true, "publish": true, "subscribe": true}}]}]}],
  "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}}],
  "components": [{"type": "class", "id": "greeter", "classname": "Acme.Bench.Greeter", "realm": "realm1"}]}]}
JSON

log "starting the dev loop (first build restores)"
"$ROOT/pluginhost" dev --project "$WORK/Acme.Bench/src/Acme.Bench" --cbdir "$WORK/app/.crossbar" >"$WORK/dev.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do grep -q "Build succeeded" "$WORK/dev.log" && break; grep -q "Build failed" "$WORK/dev.log" && break; sleep 0.5; done
grep -q "Build succeeded" "$WORK/dev.log" || { cat "$WORK/dev.log" >&2; log "first build failed"; exit 1; }

log "starting the node"
"$ROOT/pluginhost" start --cbdir "$WORK/app/.crossbar" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
port=""
for _ in $(seq 240); do
  port="$(grep -oE "transport 'wsock' started \([^,]+, tcp port [0-9]+\)" "$WORK/node.log" | grep -oE '[0-9]+\)$' | tr -d ')' || true)"
  [ -n "$port" ] && grep -q "Component 'greeter' .*joined" "$WORK/node.log" && break
  kill -0 "${PIDS[1]}" 2>/dev/null || break
  sleep 0.5
done
grep -q "Component 'greeter' .*joined" "$WORK/node.log" || { cat "$WORK/node.log" >&2; log "component did not join"; exit 1; }

log "measuring $ROUNDS edits (node on port $port)"
/usr/bin/python3 "$ROOT/bench/devloop_caller.py" --url "ws://127.0.0.1:$port/ws" --source "$WORK/Acme.Bench/src/Acme.Bench/Greeter.cs" --rounds "$ROUNDS"
log "dev loop output:"; sed 's/^/  /' "$WORK/dev.log" >&2
