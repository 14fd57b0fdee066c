#!/usr/bin/env bash
# Runs every test of the repository. On a fresh Debian machine with the .NET SDK and Node.js it first installs
# what is missing (redis-server, nginx, chromium on Debian; needs root for apt-get). Prints "N passed, N failed, N skipped" at the end.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# nginx fronts the API processes in the local platform test (loadtest/local.sh).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
# Debian's Chromium runs the console's browser tests (Playwright cannot download its own browser here). Ubuntu ships
# it only as a snap, so there the tests use another installed Chromium or Chrome (CHROMIUM_PATH) or report "skipped".
if grep -qi '^ID=debian' /etc/os-release 2>/dev/null; then command -v chromium >/dev/null 2>&1 || need_apt+=(chromium); fi
if ((${#need_apt[@]})); then
  if [ "$(id -u)" -eq 0 ]; then
    echo "== installing ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    # Debian starts the packaged services; tests run their own on free ports.
    (service nginx stop || true) >/dev/null 2>&1; (service redis-server stop || true) >/dev/null 2>&1
  else
    echo "missing: ${need_apt[*]} (run as root or install them: apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== build (also installs the npm tooling package-lock.json pins, when missing or stale)"
dotnet build Infra.sln -c Release --nologo -v quiet

echo "== publish check (the Dockerfile's publish step; no Docker engine is needed here)"
dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/publish" -p:UseAppHost=false --nologo -v quiet
test -f "$work/publish/Workflows.Service.dll" || { echo "publish produced no Workflows.Service.dll" >&2; exit 1; }

echo "== tests"
status=0
# -m:1 runs the test projects one after another: the worker drills measure timings that a parallel jsii synth would skew.
dotnet test Infra.sln -c Release --no-build --nologo -m:1 --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$work/results" || status=$?

# One closing line over all test projects, from the TRX counters.
passed=0 failed=0 skipped=0
for trx in "$work"/results/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  attr() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout) + $(attr aborted)))
  skipped=$((skipped + $(attr total) - $(attr executed)))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo
echo "Total: $passed passed, $failed failed, $skipped skipped"
exit "$status"
