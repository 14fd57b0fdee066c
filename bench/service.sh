#!/usr/bin/env bash
# Benchmark, not a test: the workflow service on this machine.
#  1. end-to-end executions/s of ONE worker process in queue mode (Redis Streams, SQLite), one-node `set` workflow:
#     N executions are queued through the API first, then the worker is started and timed until the stream is empty.
#  2. GET /api/workflows requests/s and p95 latency at 100 connections (hey), API role alone, beside its ceiling: a
#     minimal Kestrel endpoint (bench/Workflows.Bench.Ceiling) answering the same bytes, measured in the same run.
# BENCH_APP_DIR=<published service> skips publishing (to compare two builds); Queue__Concurrency=N sets the worker's;
# WORKERS=N runs N worker processes on the same stream (the scaling curve; default 1).
# Prints each run and the median of 3, with the machine. Usage: bench/service.sh [executions=3000] [seconds=15]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3000}  # a multiple of 25: hey gives each of its 25 connections N/25 requests
SECONDS_GET=${2:-15}
RUNS=3
WORKERS=${WORKERS:-1}

source bench/lib.sh
need_tools redis-server hey sqlite3 jq

echo "== publishing Release builds (the service and the HTTP ceiling)"
if [ -n "${BENCH_APP_DIR:-}" ]; then cp -r "$BENCH_APP_DIR" "$work/app"
else dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/app" -p:UseAppHost=false --nologo -v quiet; fi
dotnet publish bench/Workflows.Bench.Ceiling -c Release -o "$work/ceiling" -p:UseAppHost=false --nologo -v quiet
start_redis

start_service() { # role port datadir logfile; the service's pid in $work/last.pid
  DATA_DIR="$3" service_env "$1" "$2" dotnet "$work/app/Workflows.Service.dll" >"$4" 2>&1 &
  pids+=($!)
  echo $! >"$work/last.pid"
  wait_healthy "$2" || { cat "$4" >&2; exit 1; }
}

exec_rates=() get_rps=() get_p95=() post_rps=() post_p95=() ceil_rps=() ceil_p95=()
for run in $(seq 1 $RUNS); do
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  data="$work/data$run"; mkdir -p "$data"
  api_port=$(free_port)
  start_service api "$api_port" "$data" "$work/api$run.log"; api_pid=$(cat "$work/last.pid")
  base="http://127.0.0.1:$api_port"

  wf=$(create_workflows "$base" 49)

  # Queue N executions (the source document's load-test call), worker not running yet.
  enqueue=$(hey -n "$N" -c 25 -m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute")
  accepted=$(echo "$enqueue" | awk '/\[202\]/ {print $2}')
  [ "$accepted" = "$N" ] || { echo "only ${accepted:-0} of $N executions were accepted:"; echo "$enqueue"; tail -50 "$work/api$run.log"; exit 1; }

  post_rps+=("$(echo "$enqueue" | awk '/Requests\/sec/ {print $2}')")
  post_p95+=("$(echo "$enqueue" | awk '/ 95% in / {print $3 * 1000}')")

  # The clock starts when the first execution leaves the stream (not when a worker process is healthy), so a second
  # worker's start-up counts against the rate it adds.
  ( while [ "$(redis-cli -p "$REDIS_PORT" xlen workflows:executions)" = "$N" ]; do sleep 0.01; done; date +%s.%N >"$work/t0" ) &
  poller=$!
  worker_pids=()
  for w in $(seq 1 "$WORKERS"); do
    worker_port=$(free_port)
    start_service worker "$worker_port" "$data" "$work/worker$run-$w.log"; worker_pids+=("$(cat "$work/last.pid")")
  done
  while [ "$(redis-cli -p "$REDIS_PORT" xlen workflows:executions)" != "0" ]; do sleep 0.02; done
  t1=$(date +%s.%N)
  wait "$poller"; t0=$(cat "$work/t0")
  ok=$(sqlite3 "$data/workflows.db" "select count(*) from executions where status='succeeded'")
  [ "$ok" = "$N" ] || { echo "only $ok of $N executions succeeded"; exit 1; }
  rate=$(echo "$N / ($t1 - $t0)" | bc -l)
  exec_rates+=("$rate")
  for p in "${worker_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done

  get=$(hey -z "${SECONDS_GET}s" -c 100 -H "X-Api-Key: $KEY" "$base/api/workflows")
  rps=$(echo "$get" | awk '/Requests\/sec/ {print $2}')
  p95=$(echo "$get" | awk '/ 95% in / {print $3 * 1000}')
  non200=$(echo "$get" | awk '/^  \[[0-9]+\]/ && $1 != "[200]" {s += $2} END {print s + 0}')
  [ "$non200" = "0" ] || { echo "GET returned $non200 non-200 answers"; echo "$get"; exit 1; }
  get_rps+=("$rps"); get_p95+=("$p95")
  curl -fs -H "X-Api-Key: $KEY" "$base/api/workflows" -o "$work/body.json"
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true

  # The ceiling: Kestrel alone with the same bytes, same load, same machine, same minute.
  ceil_port=$(free_port)
  ASPNETCORE_URLS="http://127.0.0.1:$ceil_port" dotnet "$work/ceiling/Workflows.Bench.Ceiling.dll" "$work/body.json" >"$work/ceiling$run.log" 2>&1 &
  ceil_pid=$!; pids+=($ceil_pid)
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$ceil_port/" && break; sleep 0.1; done
  ceil=$(hey -z "${SECONDS_GET}s" -c 100 "http://127.0.0.1:$ceil_port/")
  ceil_rps+=("$(echo "$ceil" | awk '/Requests\/sec/ {print $2}')"); ceil_p95+=("$(echo "$ceil" | awk '/ 95% in / {print $3 * 1000}')")
  kill "$ceil_pid"; wait "$ceil_pid" 2>/dev/null || true

  printf 'run %d: executions/s %.0f (%d in %.2f s) | POST execute %.0f req/s, p95 %.1f ms (25 conn) | GET /api/workflows %.0f req/s, p95 %.1f ms | ceiling %.0f req/s (%d-byte body)\n' \
    "$run" "$rate" "$N" "$(echo "$t1 - $t0" | bc -l)" "${post_rps[-1]}" "${post_p95[-1]}" "$rps" "$p95" "${ceil_rps[-1]}" "$(stat -c %s "$work/body.json")"
done

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "dotnet $(dotnet --version), redis $(redis-server --version | awk '{print $3}' | cut -d= -f2)"
printf 'median of %d: executions/s %.0f (%d worker process(es), concurrency %s each, queue mode, SQLite)\n' "$RUNS" "$(printf '%s\n' "${exec_rates[@]}" | median)" "$WORKERS" "${Queue__Concurrency:-8}"
printf '             POST /api/workflows/{id}/execute %.0f req/s, p95 %.1f ms at 25 connections\n' "$(printf '%s\n' "${post_rps[@]}" | median)" "$(printf '%s\n' "${post_p95[@]}" | median)"
printf '             GET /api/workflows %.0f req/s, p95 %.1f ms at 100 connections\n' "$(printf '%s\n' "${get_rps[@]}" | median)" "$(printf '%s\n' "${get_p95[@]}" | median)"
get_median=$(printf '%s\n' "${get_rps[@]}" | median); ceil_median=$(printf '%s\n' "${ceil_rps[@]}" | median)
printf '             ceiling (Kestrel alone, same body) %.0f req/s, p95 %.1f ms: GET at %.0f %% of it\n' "$ceil_median" "$(printf '%s\n' "${ceil_p95[@]}" | median)" "$(echo "100 * $get_median / $ceil_median" | bc -l)"
