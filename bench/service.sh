#!/usr/bin/env bash
# Benchmark, not a test: the workflow service on this machine.
#  1. end-to-end executions/s of ONE worker process in queue mode (Redis Streams, SQLite), one-node `set` workflow:
#     executions are queued through the API first (step 2), then the worker is started and runs them all. The rates come from
#     the store's own timestamps (no polling beside the worker): "cold" is the first COLD executions counted from the
#     first start (a fresh process still compiling its hot paths: what a newly scaled-out worker does), "warm" is the
#     second half of the run (steady state, what a long-running worker does).
#  2. POST /api/workflows/{id}/execute at 25 connections (hey) on a warm API: WARM seconds of the same load first (on
#     2 cores the JIT's tiering settles only after ~25 s of load: 800-1,800 methods per 2 s before, < 20 after), then
#     POST_SECONDS measured.
#  3. GET /api/workflows requests/s and p95 latency at 100 connections (hey), API role alone, beside its ceiling: a
#     minimal Kestrel endpoint (bench/Workflows.Bench.Ceiling) answering the same bytes, measured in the same run.
#  With each: the process's peak RSS and its garbage collections per generation (dotnet-counters) under that load.
# BENCH_APP_DIR=<published service> skips publishing (to compare two builds); Queue__Concurrency=N sets the worker's;
# WORKERS=N runs N worker processes on the same stream (the scaling curve; default 1).
# Prints each run and the median of 3, with the machine; writes bench/out/service.csv.
# Usage: bench/service.sh [get-seconds=15]   Settings (environment): WARM=30 POST_SECONDS=10 COLD=5000 WORKERS=1
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_GET=${1:-15}
WARM=${WARM:-30}
POST_SECONDS=${POST_SECONDS:-10}
COLD=${COLD:-5000} # the first executions a fresh worker runs: its "cold" rate
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

n_total=() worker_gc_watchers=() cold_rates=() warm_rates=() get_rps=() get_p95=() post_rps=() post_p95=() ceil_rps=() ceil_p95=()
csv="$out/service.csv"
echo "run,workers,concurrency,coldExecutionsPerSecond,warmExecutionsPerSecond,workerPeakRssMiB,workerGcs,postRequestsPerSecond,postP95Milliseconds,getRequestsPerSecond,getP95Milliseconds,ceilingRequestsPerSecond,ceilingP95Milliseconds,apiPeakRssMiB,apiGcs" >"$csv"
hey_figures() { # hey's output → "req/s p95-ms"
  awk '/Requests\/sec/ {r = $2} / 95% in / {p = $3 * 1000} END {print r, p}'
}
for run in $(seq 1 $RUNS); do
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  data="$work/data$run"; mkdir -p "$data"
  api_port=$(free_port)
  start_service api "$api_port" "$data" "$work/api$run.log"; api_pid=$(cat "$work/last.pid")
  base="http://127.0.0.1:$api_port"
  wf=$(create_workflows "$base" 49)

  # Queue executions (the source document's load-test call) with the worker not running yet: WARM seconds warm the
  # API up, the next POST_SECONDS are measured. Every request must be accepted; the worker then runs all N of them.
  execute() { hey -z "$1" -c 25 -m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute"; }
  for seconds in "$WARM" "$POST_SECONDS"; do
    enqueue=$(execute "${seconds}s")
    refused=$(echo "$enqueue" | awk '/^  \[[0-9]+\]/ && $1 != "[202]" {s += $2} END {print s + 0}')
    [ "$refused" = "0" ] || { echo "$refused executions were not accepted:"; echo "$enqueue"; tail -50 "$work/api$run.log"; exit 1; }
  done
  read -r rps p95 < <(echo "$enqueue" | hey_figures); post_rps+=("$rps"); post_p95+=("$p95")
  N=$(sqlite3 "$data/workflows.db" "select count(*) from executions")
  n_total+=("$N")

  worker_pids=()
  for w in $(seq 1 "$WORKERS"); do
    worker_port=$(free_port)
    start_service worker "$worker_port" "$data" "$work/worker$run-$w.log"; worker_pids+=("$(cat "$work/last.pid")")
    gc_watch "${worker_pids[-1]}" "$work/worker-gc$run-$w.csv"; worker_gc_watchers+=("$gc_watcher")
  done
  while [ "$(redis-cli -p "$REDIS_PORT" xlen workflows:executions)" != "0" ]; do sleep 0.5; done
  # The last entries leave the stream when their executions finish; their terminal writes may still be committing.
  for _ in $(seq 1 100); do
    ok=$(sqlite3 "$data/workflows.db" "select count(*) from executions where status='succeeded'")
    [ "$ok" = "$N" ] && break; sleep 0.1
  done
  [ "$ok" = "$N" ] || { echo "only $ok of $N executions succeeded"; exit 1; }
  # Rates from the store's timestamps (ms): cold = the first COLD to finish, from the first start; warm = the second half.
  read -r cold warm < <(sqlite3 -separator ' ' "$data/workflows.db" "
    with f as (select finished_at t, row_number() over (order by finished_at) r from executions)
    select $COLD * 1000.0 / ((select t from f where r = $COLD) - (select min(started_at) from executions)),
           ($N - $N / 2) * 1000.0 / ((select max(t) from f) - (select t from f where r = $N / 2))")
  cold_rates+=("$cold"); warm_rates+=("$warm")
  worker_rss=0
  for p in "${worker_pids[@]}"; do rss=$(peak_rss "$p"); worker_rss=$(( rss > worker_rss ? rss : worker_rss )); kill "$p"; wait "$p" 2>/dev/null || true; done
  for g in "${worker_gc_watchers[@]}"; do wait "$g" 2>/dev/null || true; done; worker_gc_watchers=()
  worker_gcs=$(for w in $(seq 1 "$WORKERS"); do gc_summary "$work/worker-gc$run-$w.csv"; echo; done | paste -sd';')

  gc_watch "$api_pid" "$work/api-gc$run.csv"; api_gc_watcher=$gc_watcher
  get=$(hey -z "${SECONDS_GET}s" -c 100 -H "X-Api-Key: $KEY" "$base/api/workflows")
  non200=$(echo "$get" | awk '/^  \[[0-9]+\]/ && $1 != "[200]" {s += $2} END {print s + 0}')
  [ "$non200" = "0" ] || { echo "GET returned $non200 non-200 answers"; echo "$get"; exit 1; }
  read -r rps p95 < <(echo "$get" | hey_figures); get_rps+=("$rps"); get_p95+=("$p95")
  curl -fs -H "X-Api-Key: $KEY" "$base/api/workflows" -o "$work/body.json"
  api_rss=$(peak_rss "$api_pid")
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; wait "$api_gc_watcher" 2>/dev/null || true
  api_gcs=$(gc_summary "$work/api-gc$run.csv")

  # The ceiling: Kestrel alone with the same bytes, same load, same machine, same minute.
  ceil_port=$(free_port)
  ASPNETCORE_URLS="http://127.0.0.1:$ceil_port" dotnet "$work/ceiling/Workflows.Bench.Ceiling.dll" "$work/body.json" >"$work/ceiling$run.log" 2>&1 &
  ceil_pid=$!; pids+=($ceil_pid)
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$ceil_port/" && break; sleep 0.1; done
  read -r rps p95 < <(hey -z "${SECONDS_GET}s" -c 100 "http://127.0.0.1:$ceil_port/" | hey_figures); ceil_rps+=("$rps"); ceil_p95+=("$p95")
  kill "$ceil_pid"; wait "$ceil_pid" 2>/dev/null || true

  echo "$run,$WORKERS,${Queue__Concurrency:-8},$cold,$warm,$worker_rss,$worker_gcs,${post_rps[-1]},${post_p95[-1]},${get_rps[-1]},${get_p95[-1]},${ceil_rps[-1]},${ceil_p95[-1]},$api_rss,$api_gcs" >>"$csv"
  printf 'run %d: executions/s cold %.0f, warm %.0f (worker peak RSS %d MiB; GCs %s) | POST execute %.0f req/s, p95 %.1f ms | GET %.0f req/s, p95 %.1f ms (API peak RSS %d MiB; GCs under GET %s) | ceiling %.0f req/s, p95 %.1f ms (%d-byte body)\n' \
    "$run" "$cold" "$warm" "$worker_rss" "$worker_gcs" "${post_rps[-1]}" "${post_p95[-1]}" "${get_rps[-1]}" "${get_p95[-1]}" "$api_rss" "$api_gcs" "${ceil_rps[-1]}" "${ceil_p95[-1]}" "$(stat -c %s "$work/body.json")"
done

med() { printf '%s\n' "$@" | median; }
echo
echo "machine: $(machine), redis $(redis-server --version | awk '{print $3}' | cut -d= -f2)"
printf 'median of %d: executions/s cold %.0f (first %d), warm %.0f (second half of ~%d); %d worker process(es), concurrency %s each, queue mode, SQLite\n' \
  "$RUNS" "$(med "${cold_rates[@]}")" "$COLD" "$(med "${warm_rates[@]}")" "$(med "${n_total[@]}")" "$WORKERS" "${Queue__Concurrency:-8}"
printf '             POST /api/workflows/{id}/execute %.0f req/s, p95 %.1f ms at 25 connections (%d s after %d s of warm-up)\n' "$(med "${post_rps[@]}")" "$(med "${post_p95[@]}")" "$POST_SECONDS" "$WARM"
printf '             GET /api/workflows %.0f req/s, p95 %.1f ms at 100 connections\n' "$(med "${get_rps[@]}")" "$(med "${get_p95[@]}")"
printf '             ceiling (Kestrel alone, same body) %.0f req/s, p95 %.1f ms: GET at %.0f %% of it\n' "$(med "${ceil_rps[@]}")" "$(med "${ceil_p95[@]}")" "$(echo "100 * $(med "${get_rps[@]}") / $(med "${ceil_rps[@]}")" | bc -l)"
echo "wrote $csv"
