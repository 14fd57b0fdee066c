#!/usr/bin/env bash
# Profile, not a test: what the API allocates per request under POST /api/workflows/{id}/execute (or GET
# /api/workflows) at 25 connections (hey), queue mode, SQLite, real Redis, after WARM seconds of the same load.
#  1. dotnet-counters over 10 s of load: bytes allocated per request, GCs per second by generation, GC pause.
#  2. dotnet-trace over 6 s of load (GC AllocationTick events with stacks): the top types and the top frames
#     (inclusive), read by bench/Workflows.Bench.Allocations. The trace stays in bench/out/api-alloc.nettrace.
# Usage: bench/allocations-api.sh [post|get]   Settings (environment): WARM=20
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-post}; WARM=${WARM:-20}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-trace >/dev/null || dotnet tool install -g dotnet-trace --version 10.0.750501 >/dev/null
command -v dotnet-counters >/dev/null || dotnet tool install -g dotnet-counters --version 10.0.750501 >/dev/null
source bench/lib.sh
need_tools redis-server hey jq

echo "== publishing the service and the trace reader"
dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/app" -p:UseAppHost=false --nologo -v quiet
dotnet publish bench/Workflows.Bench.Allocations -c Release -o "$work/reader" -p:UseAppHost=false --nologo -v quiet
start_redis
api_under_load "$WHAT" "$work/app/Workflows.Service.dll"
echo "== $WARM s of warm-up load (JIT tiering)"
hey -z "${WARM}s" -c 25 "${args[@]}" >/dev/null

echo "== counters over 10 s of load"
hey -z 13s -c 25 "${args[@]}" >"$work/hey.txt" & hey_pid=$!
sleep 2
dotnet-counters collect -p "$api_pid" --counters System.Runtime --format json --refresh-interval 1 --duration 00:00:00:10 \
  -o "$work/counters.json" >/dev/null
wait "$hey_pid"
rps=$(awk '/Requests\/sec/ {print $2}' "$work/hey.txt")
echo "load: $rps req/s, p95 $(awk '/ 95% in / {print $3 * 1000}' "$work/hey.txt") ms"
# Each counter is a rate per second: its mean over the window, and divided by the requests per second.
jq -r --argjson rps "$rps" '[.Events[] | {name: (.name | split(" ")[0]), tags, value}]
  | map(select(.name | test("total_allocated|gc.collections|gc.pause.time|work_item.count")))
  | group_by(.name + .tags)[]
  | (map(.value) | add / length) as $mean
  | "\(.[0].name)\(if .[0].tags != "" then "[" + .[0].tags + "]" else "" end)\t\($mean * 1000 | round / 1000) /s\t\($mean / $rps) per request"' \
  "$work/counters.json" | column -t -s $'\t'

echo "== allocation sampling over 6 s of load"
hey -z 9s -c 25 "${args[@]}" >/dev/null & hey_pid=$!
sleep 1
dotnet-trace collect -p "$api_pid" --providers Microsoft-Windows-DotNETRuntime:0x1:5 --duration 00:00:00:06 \
  -o "$out/api-alloc.nettrace" >/dev/null
wait "$hey_pid"
dotnet "$work/reader/Workflows.Bench.Allocations.dll" "$out/api-alloc.nettrace" 20 40
echo "machine: $(machine)"
