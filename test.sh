#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (idempotent):
#   apt:  python3-autobahn python3-twisted python3-msgpack python3-cbor2 python3-nacl python3-argon2 (Autobahn|Python peers; nacl for cryptosign, argon2 for WAMP-SCRAM)
#         openssl (the TLS tests make their certificates), curl (a third-party HTTP client for the HTTP bridge tests)
#         prometheus (a real Prometheus server scrapes the router's metrics path)
#         chromium (the browser tests drive /usr/bin/chromium through Microsoft.Playwright; it never downloads one)
#         nats-server (the cluster tests start their own, with JetStream, on ports it picks)
#   npm:  autobahn, wampy, fox-wamp into tests/interop/node_modules (git-ignored)
#   NuGet restore (dotnet test does it; ./pluginhost's first build fetches the .NET runtime packs it publishes with)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

apt_pkgs=(python3-autobahn python3-twisted python3-msgpack python3-cbor2 python3-nacl python3-argon2 openssl curl prometheus chromium nats-server)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing apt packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Reinstalled whenever package.json changes (its hash is kept beside node_modules).
want="$(sha256sum tests/interop/package.json | cut -d' ' -f1)"
if [ "$(cat tests/interop/node_modules/.installed 2>/dev/null)" != "$want" ]; then
  echo "test.sh: installing npm packages for interop tests"
  (cd tests/interop && npm install --no-audit --no-fund --loglevel=error && echo "$want" > node_modules/.installed)
fi

# The CLI the tests start (./pluginhost builds it on demand: a self-contained composite image, ~3 minutes on a fresh
# machine) is built once here, before any test's start-up timeout runs.
"$root/pluginhost" version >/dev/null

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
dotnet test "$root/PluginHost.sln" -c Release --nologo "$@"
