#!/usr/bin/env bash
# Profile, not a test: where one worker process spends its time running queued executions (queue mode, SQLite, a
# one-node `set` workflow). N executions are queued through the API first; then the worker starts under dotnet-trace
# (CPU sampling) and runs them all. Prints executions/s, the top frames by exclusive and inclusive samples, and the
# GC counts; writes the trace (.nettrace and speedscope JSON) to bench/out/.
# Usage: bench/profile-worker.sh [executions=6000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-6000}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-trace >/dev/null || dotnet tool install -g dotnet-trace --version 10.0.750501 >/dev/null
for tool in redis-server hey sqlite3 jq; do command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server hey sqlite3 jq >/dev/null; break; }; done

out=bench/out; mkdir -p "$out"
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

echo "== publishing"
dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/app" -p:UseAppHost=false --nologo -v quiet
KEY=bench-key; HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >/dev/null & pids+=($!)
sleep 0.5
settings() { # role port (exec: the process started with & is the service itself, so cleanup can kill it)
  exec env ASPNETCORE_URLS="http://127.0.0.1:$2" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Workflows__Role="$1" Workflows__ExecutionMode=queue Redis__ConnectionString="127.0.0.1:$REDIS_PORT" \
    Storage__DataDirectory="$work/data" Queue__MaxBacklog=1000000 Api__RateLimit__PermitsPerSecond=1000000 Api__RateLimit__Burst=10000000 \
    Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Sha256="$HASH" Auth__ApiKeys__0__Scopes__0=read Auth__ApiKeys__0__Scopes__1=write "${@:3}"
}
api_port=$(free_port)
settings api "$api_port" dotnet "$work/app/Workflows.Service.dll" >"$work/api.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$api_port/api/health" >/dev/null 2>&1 && break; sleep 0.1; done
base="http://127.0.0.1:$api_port"
wf=$(curl -fs -X POST "$base/api/workflows" -H "X-Api-Key: $KEY" -H 'content-type: application/json' \
  -d '{"name":"bench","active":true,"nodes":[{"id":"calc","type":"set","parameters":{"values":{"doubled":"{{ $input.n * 2 }}"}}}]}' | jq -r .id)
hey -n "$N" -c 25 -m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute" >/dev/null
echo "queued: $(redis-cli -p "$REDIS_PORT" xlen workflows:executions)"

worker_port=$(free_port)
if [ "${PROFILE:-1}" = "0" ]; then # timing only, e.g. to compare runtime settings: PROFILE=0 DOTNET_x=y bench/profile-worker.sh
  settings worker "$worker_port" dotnet "$work/app/Workflows.Service.dll" >"$work/worker.log" 2>&1 & pids+=($!)
  t0=$(date +%s.%N)
  while [ "$(redis-cli -p "$REDIS_PORT" xlen workflows:executions)" != "0" ]; do sleep 0.02; done
  t1=$(date +%s.%N)
  printf 'executions/s: %.0f (%d in %.2f s)\n' "$(echo "$N / ($t1 - $t0)" | bc -l)" "$N" "$(echo "$t1 - $t0" | bc -l)"
  exit 0
fi
settings worker "$worker_port" dotnet-trace collect --profile dotnet-sampled-thread-time,gc-collect -o "$out/worker.nettrace" --show-child-io false -- \
  dotnet "$work/app/Workflows.Service.dll" >"$work/worker.log" 2>&1 & trace_pid=$!; pids+=($trace_pid)
t0=$(date +%s.%N)
while [ "$(redis-cli -p "$REDIS_PORT" xlen workflows:executions)" != "0" ]; do sleep 0.02; done
t1=$(date +%s.%N)
printf 'executions/s under the profiler: %.0f (%d in %.2f s)\n' "$(echo "$N / ($t1 - $t0)" | bc -l)" "$N" "$(echo "$t1 - $t0" | bc -l)"
worker_pid=$(pgrep -f "Workflows.Service.dll" -n)
kill -INT "$worker_pid" 2>/dev/null || true
wait "$trace_pid" 2>/dev/null || true
dotnet-trace convert --format Speedscope "$out/worker.nettrace" -o "$out/worker" >/dev/null
node bench/top-frames.mjs "$out/worker.speedscope.json"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), dotnet $(dotnet --version)"
