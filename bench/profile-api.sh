#!/usr/bin/env bash
# Profile, not a test: where the API process spends its time under POST /api/workflows/{id}/execute (or GET
# /api/workflows) at 25 connections (hey), queue mode, SQLite, real Redis. The API runs under dotnet-trace (sampled
# thread time + GC); prints the load's figures, the top frames (bench/top-frames.mjs) and writes the trace to bench/out/.
# Usage: bench/profile-api.sh [post|get] [seconds=10] [connections=25]
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-post}; SECONDS_LOAD=${2:-10}; CONNS=${3:-25}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-trace >/dev/null || dotnet tool install -g dotnet-trace --version 10.0.750501 >/dev/null
source bench/lib.sh
need_tools redis-server hey jq

echo "== publishing"
dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/app" -p:UseAppHost=false --nologo -v quiet
start_redis
api_under_load "$WHAT" "$work/app/Workflows.Service.dll"
hey -z 3s -c "$CONNS" "${args[@]}" >/dev/null # warm-up (JIT, pools)
# The trace attaches for the load's duration (ending with the rundown that names the methods), then detaches.
dotnet-trace collect -p "$api_pid" --profile dotnet-sampled-thread-time,gc-collect -o "$out/api.nettrace" \
  --duration "00:00:00:$(printf %02d "$SECONDS_LOAD")" >/dev/null & trace_pid=$!
sleep 1
hey -z "${SECONDS_LOAD}s" -c "$CONNS" "${args[@]}" | grep -E "Requests/sec| 95% in |\[[0-9]+\]"
wait "$trace_pid"
echo "API peak RSS (VmHWM): $(peak_rss "$api_pid") MiB"
dotnet-trace convert --format Speedscope "$out/api.nettrace" -o "$out/api" >/dev/null
node bench/top-frames.mjs "$out/api.speedscope.json" 30
echo "machine: $(machine)"
