#!/usr/bin/env bash
# Benchmark, not a test: throughput and p95 latency against the number of connections (1-200), for
#   GET /api/workflows (50 workflows) and its ceiling (bench/Workflows.Bench.Ceiling: Kestrel alone, the same bytes),
#   POST /api/workflows/{id}/execute (queue mode: SQLite row + Redis stream entry, no worker draining).
# Each point is the median of RUNS runs of SECONDS each (hey). Writes bench/out/curve.csv and bench/out/curve.png
# (copy it to docs/images/ for the README). Usage: bench/curve.sh [seconds=2] [runs=3] [connections="1 5 10 25 50 100 200"]
# WARM=30: seconds of load before the first point.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-2}
RUNS=${2:-3}
CONNECTIONS=${3:-"1 5 10 25 50 100 200"}
source bench/lib.sh
need_tools redis-server hey jq

echo "== publishing Release builds (the service, the HTTP ceiling, the plotter)"
dotnet publish app/Workflows.Service/Workflows.Service.csproj -c Release -o "$work/app" -p:UseAppHost=false --nologo -v quiet
dotnet publish bench/Workflows.Bench.Ceiling -c Release -o "$work/ceiling" -p:UseAppHost=false --nologo -v quiet
dotnet build bench/Workflows.Bench -c Release --nologo -v quiet >/dev/null

start_redis
api_port=$(free_port)
service_env api "$api_port" dotnet "$work/app/Workflows.Service.dll" >"$work/api.log" 2>&1 & api_pid=$!; pids+=($api_pid)
wait_healthy "$api_port"
base="http://127.0.0.1:$api_port"
wf=$(create_workflows "$base" 49)
curl -fs -H "X-Api-Key: $KEY" "$base/api/workflows" -o "$work/body.json"
ceil_port=$(free_port)
ASPNETCORE_URLS="http://127.0.0.1:$ceil_port" dotnet "$work/ceiling/Workflows.Bench.Ceiling.dll" "$work/body.json" >"$work/ceiling.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$ceil_port/" && break; sleep 0.1; done

measure() { # series connections hey-args... → prints "rps p95ms" (median of RUNS), fails on any unexpected status
  local series=$1 c=$2; shift 2
  local rps=() p95=()
  for _ in $(seq 1 "$RUNS"); do
    local r; r=$(hey -z "${SECONDS_EACH}s" -c "$c" "$@")
    local bad; bad=$(echo "$r" | awk '/^  \[[0-9]+\]/ && $1 != "[200]" && $1 != "[202]" {s += $2} END {print s + 0}')
    [ "$bad" = "0" ] || { echo "$series at $c connections: $bad unexpected answers" >&2; echo "$r" >&2; exit 1; }
    rps+=("$(echo "$r" | awk '/Requests\/sec/ {print $2}')"); p95+=("$(echo "$r" | awk '/ 95% in / {print $3 * 1000}')")
  done
  echo "$(printf '%s\n' "${rps[@]}" | median) $(printf '%s\n' "${p95[@]}" | median)"
}

# Warm both endpoints first: on 2 cores the JIT's tiering settles only after ~25 s of load, and the curve is about a
# running service, not one that just started (bench/service.sh reports a fresh worker's "cold" rate separately).
echo "== warming up (${WARM:-30} s)"
hey -z "$(( ${WARM:-30} / 3 ))s" -c 25 -H "X-Api-Key: $KEY" "$base/api/workflows" >/dev/null
hey -z "$(( ${WARM:-30} * 2 / 3 ))s" -c 25 -m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute" >/dev/null

csv="$out/curve.csv"
echo "series,connections,requestsPerSecond,p95Milliseconds" >"$csv"
printf '%-32s %6s %12s %9s\n' series conns "req/s" "p95 ms"
for c in $CONNECTIONS; do
  for series in get ceiling post; do
    case $series in
      get) read -r rps p95 < <(measure "GET /api/workflows" "$c" -H "X-Api-Key: $KEY" "$base/api/workflows"); name="GET /api/workflows" ;;
      ceiling) read -r rps p95 < <(measure ceiling "$c" "http://127.0.0.1:$ceil_port/"); name="ceiling (Kestrel alone)" ;;
      post) read -r rps p95 < <(measure "POST execute" "$c" -m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute"); name="POST /api/workflows/{id}/execute" ;;
    esac
    echo "$name,$c,$rps,$p95" >>"$csv"
    printf '%-32s %6d %12.0f %9.1f\n' "$name" "$c" "$rps" "$p95"
  done
done
echo "API peak RSS (VmHWM): $(peak_rss "$api_pid") MiB"
dotnet bench/Workflows.Bench/bin/Release/net10.0/Workflows.Bench.dll plot-curve --csv "$csv" --png "$out/curve.png" \
  --title "$(machine), medians of $RUNS × ${SECONDS_EACH} s"
echo "machine: $(machine)"
echo "wrote $csv and $out/curve.png"
