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
source bench/lib.sh
need_tools redis-server hey sqlite3 jq

echo "== publishing"
dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/app" -p:UseAppHost=false --nologo -v quiet
start_redis
api_port=$(free_port)
service_env api "$api_port" dotnet "$work/app/Workflows.Service.dll" >"$work/api.log" 2>&1 & pids+=($!)
wait_healthy "$api_port"
base="http://127.0.0.1:$api_port"
wf=$(create_workflows "$base")
hey -n "$N" -c 25 -m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute" >/dev/null
echo "queued: $(redis-cli -p "$REDIS_PORT" xlen workflows:executions)"

worker_port=$(free_port)
if [ "${PROFILE:-1}" = "0" ]; then # timing only, e.g. to compare runtime settings: PROFILE=0 DOTNET_x=y bench/profile-worker.sh
  service_env worker "$worker_port" dotnet "$work/app/Workflows.Service.dll" >"$work/worker.log" 2>&1 & pids+=($!)
  t0=$(date +%s.%N)
  while [ "$(redis-cli -p "$REDIS_PORT" xlen workflows:executions)" != "0" ]; do sleep 0.02; done
  t1=$(date +%s.%N)
  printf 'executions/s: %.0f (%d in %.2f s)\n' "$(echo "$N / ($t1 - $t0)" | bc -l)" "$N" "$(echo "$t1 - $t0" | bc -l)"
  exit 0
fi
service_env worker "$worker_port" dotnet-trace collect --profile dotnet-sampled-thread-time,gc-collect -o "$out/worker.nettrace" --show-child-io false -- \
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
echo "machine: $(machine)"
