#!/usr/bin/env bash
# bench/session_heap.sh [N] - what one idle WebSocket session costs our router worker (issue 13: memory per session).
#
# Starts ./pluginhost on a one-realm node (anonymous, JSON WebSocket), takes a GC heap dump of the router worker
# (dotnet-gcdump, installed into bench/.work/tools on first use), opens N idle sessions (default 2000,
# bench/hold_sessions.py), takes a second dump, then stops everything. Prints the live managed bytes per session (the
# difference of the two dumps, which the GC's timing does not move, unlike RSS), the RSS difference per session, and
# the 25 types that grew most. Then what joining allocated per session (what stays and what the GC must collect), by
# type: the node runs with bench/PluginHost.Bench.AllocationHook as a startup hook, which counts the runtime's sampled
# allocation events (estimates: one sample per ~100 KB; use N >= 2000). Reports and dumps stay in bench/.work/heap/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-2000}"
WORK="$ROOT/bench/.work/heap"
TOOLS="$ROOT/bench/.work/tools"
mkdir -p "$WORK/node"
[ -x "$TOOLS/dotnet-gcdump" ] || dotnet tool install --tool-path "$TOOLS" dotnet-gcdump >&2
"$ROOT/pluginhost" version >/dev/null
HOOK_DIR="$ROOT/bench/PluginHost.Bench.AllocationHook"
dotnet build "$HOOK_DIR" -c Release -nologo -v q >&2
HOOK="$HOOK_DIR/bin/Release/net10.0/PluginHost.Bench.AllocationHook.dll"

cat > "$WORK/node/config.json" <<'JSON'
{
  "version": 2,
  "workers": [
    {
      "type": "router",
      "realms": [
        { "name": "realm1",
          "roles": [ { "name": "anonymous", "permissions": [ { "uri": "", "match": "prefix",
            "allow": { "call": true, "register": true, "publish": true, "subscribe": true } } ] } ] }
      ],
      "transports": [
        { "type": "web", "id": "heap", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
          "paths": { "ws": { "type": "websocket", "serializers": ["json"] } } }
      ]
    }
  ]
}
JSON

NODE_PID="" HOLD_PID=""
cleanup() {
  [ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null || true
  [ -n "$NODE_PID" ] && { kill -TERM -- "-$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true; }
  return 0
}
trap cleanup EXIT INT TERM

log="$WORK/node.log"
rm -f "$WORK"/allocations-*.txt
setsid env DOTNET_STARTUP_HOOKS="$HOOK" PLUGINHOST_ALLOCATIONS_DIR="$WORK" "$ROOT/pluginhost" start --cbdir "$WORK/node" >"$log" 2>&1 &
NODE_PID=$!
port="" router=""
for _ in $(seq 1 300); do
  port="$(grep -oE "transport 'heap' started \(web, tcp port [0-9]+" "$log" | grep -oE '[0-9]+$' || true)"
  router="$(grep -oE "Router with ID '[^']+' and PID [0-9]+ started" "$log" | grep -oE '[0-9]+ started$' | cut -d' ' -f1 || true)"
  [ -n "$port" ] && [ -n "$router" ] && break
  kill -0 "$NODE_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] && [ -n "$router" ] || { cat "$log" >&2; echo "session_heap.sh: the node did not start" >&2; exit 1; }

rss() { awk '/VmRSS/ {print $2}' "/proc/$router/status"; }
# The hook rewrites its counts every half second under a rising sequence number: wait for one written wholly after now.
allocations() { # copy to $1
  local file="$WORK/allocations-$router.txt" seq0="" seq=""
  for _ in $(seq 1 100); do seq0="$(head -1 "$file" 2>/dev/null || true)"; [ -n "$seq0" ] && break; sleep 0.1; done
  [ -n "$seq0" ] || { echo "session_heap.sh: the allocation hook wrote nothing ($file)" >&2; exit 1; }
  for _ in $(seq 1 100); do
    seq="$(head -1 "$file")"
    [ "$seq" -ge $((seq0 + 2)) ] && { cp "$file" "$1"; return 0; }
    sleep 0.1
  done
  echo "session_heap.sh: the allocation hook stopped writing" >&2; exit 1
}
"$TOOLS/dotnet-gcdump" collect -p "$router" -o "$WORK/before.gcdump" >/dev/null
allocations "$WORK/allocations-before.txt"
rss0="$(rss)"
/usr/bin/python3 "$ROOT/bench/hold_sessions.py" "ws://127.0.0.1:$port/ws" "$N" >"$WORK/hold.out" 2>&1 &
HOLD_PID=$!
for _ in $(seq 1 600); do
  grep -q '^held' "$WORK/hold.out" && break
  kill -0 "$HOLD_PID" 2>/dev/null || { cat "$WORK/hold.out" >&2; exit 1; }
  sleep 0.1
done
grep -q '^held' "$WORK/hold.out" || { echo "session_heap.sh: the sessions did not all join" >&2; exit 1; }
allocations "$WORK/allocations-after.txt"
"$TOOLS/dotnet-gcdump" collect -p "$router" -o "$WORK/after.gcdump" >/dev/null
rss1="$(rss)"
"$TOOLS/dotnet-gcdump" report "$WORK/before.gcdump" >"$WORK/before.txt"
"$TOOLS/dotnet-gcdump" report "$WORK/after.gcdump" >"$WORK/after.txt"

/usr/bin/python3 - "$WORK" "$N" "$rss0" "$rss1" "$(git -C "$ROOT" rev-parse --short HEAD)" <<'PY'
import re, sys
work, n, rss0, rss1, rev = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

def types(path):
    """Bytes and count per type of a `dotnet-gcdump report` (its size column is per object unless the row groups large arrays)."""
    out = {}
    for line in open(path):
        m = re.match(r"\s*([\d,]+)\s+([\d,]+)\s+(.*)", line)
        if m:
            size, count, name = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")), m.group(3).strip()
            out[name] = (size if "(Bytes >" in name else size * count, count)
    return out

before, after = types(f"{work}/before.txt"), types(f"{work}/after.txt")
grown = sorted(((b - before.get(t, (0, 0))[0], c - before.get(t, (0, 0))[1], t) for t, (b, c) in after.items()), reverse=True)
total = sum(g[0] for g in grown)
print(f"git {rev}: {n} idle WebSocket sessions on the router worker")
print(f"  live managed heap per session: {total / n:,.0f} bytes (dotnet-gcdump, after minus before)")
print(f"  RSS per session: {(rss1 - rss0) / n:.1f} KB (moves with the GC's timing; the heap figure does not)")
print("  grew most (bytes per session, objects per session, type):")
for size, count, name in grown[:25]:
    name = re.sub(r"\s+\[[^]]*\]$", "", name)[:130]  # without the assembly
    print(f"  {size / n:8.1f} {count / n:6.2f}  {name}")

def sampled(path):
    out = {}
    for line in list(open(path))[1:]:
        amount, _, name = line.rstrip("\n").partition(" ")
        out[name] = int(amount)
    return out
a0, a1 = sampled(f"{work}/allocations-before.txt"), sampled(f"{work}/allocations-after.txt")
joined = sorted(((v - a0.get(t, 0), t) for t, v in a1.items()), reverse=True)
allocated = sum(v for v, _ in joined)
print(f"  allocated while joining: {allocated / n:,.0f} bytes per session (sampled), of which {total / n:,.0f} stay;"
      " the rest is the GC's to collect. Most, by type (bytes per session):")
for amount, name in joined[:15]:
    if amount > 0: print(f"  {amount / n:8.0f}  {name[:130]}")
PY
