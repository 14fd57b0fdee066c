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
for tool in redis-server hey jq; do command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server hey jq >/dev/null; break; }; done

out=bench/out; mkdir -p "$out"
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

echo "== publishing"
dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/app" -p:UseAppHost=false --nologo -v quiet
KEY=bench-key; HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >/dev/null & pids+=($!)
sleep 0.5
api_port=$(free_port)
env ASPNETCORE_URLS="http://127.0.0.1:$api_port" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
  Workflows__Role=api Workflows__ExecutionMode=queue Redis__ConnectionString="127.0.0.1:$REDIS_PORT" \
  Storage__DataDirectory="$work/data" Queue__MaxBacklog=100000000 Api__RateLimit__PermitsPerSecond=1000000 Api__RateLimit__Burst=10000000 \
  Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Sha256="$HASH" Auth__ApiKeys__0__Scopes__0=read Auth__ApiKeys__0__Scopes__1=write \
  dotnet "$work/app/Workflows.Service.dll" >"$work/api.log" 2>&1 & api_pid=$!; pids+=($api_pid)
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$api_port/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
base="http://127.0.0.1:$api_port"
wf=$(curl -fs -X POST "$base/api/workflows" -H "X-Api-Key: $KEY" -H 'content-type: application/json' \
  -d '{"name":"bench","active":true,"nodes":[{"id":"calc","type":"set","parameters":{"values":{"doubled":"{{ $input.n * 2 }}"}}}]}' | jq -r .id)
if [ "$WHAT" = get ]; then args=(-H "X-Api-Key: $KEY" "$base/api/workflows")
else args=(-m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute"); fi
hey -z 3s -c "$CONNS" "${args[@]}" >/dev/null # warm-up (JIT, pools)
# The trace attaches for the load's duration (ending with the rundown that names the methods), then detaches.
dotnet-trace collect -p "$api_pid" --profile dotnet-sampled-thread-time,gc-collect -o "$out/api.nettrace" \
  --duration "00:00:00:$(printf %02d "$SECONDS_LOAD")" >/dev/null & trace_pid=$!
sleep 1
hey -z "${SECONDS_LOAD}s" -c "$CONNS" "${args[@]}" | grep -E "Requests/sec| 95% in |\[[0-9]+\]"
wait "$trace_pid"
echo "API peak RSS (VmHWM): $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$api_pid/status")"
dotnet-trace convert --format Speedscope "$out/api.nettrace" -o "$out/api" >/dev/null
node bench/top-frames.mjs "$out/api.speedscope.json" 30
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), dotnet $(dotnet --version)"
