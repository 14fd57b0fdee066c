#!/usr/bin/env bash
# Benchmark, not a test: what the parts under the service allow on this machine, to set the service's figures beside.
#   queue limit:   redis-benchmark XADD, XREADGROUP (COUNT 1, one entry each), XACK; 25 connections, unpipelined and -P 16
#   storage limit: sqlite3 in WAL mode (synchronous NORMAL, as the store) inserting execution-sized rows one
#                  transaction each and 256 per transaction (the store's group commit batch), then updating each row
# Medians of RUNS; writes bench/out/ceilings.json. Usage: bench/ceilings.sh [operations=100000] [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}; RUNS=${2:-3}
source bench/lib.sh
need_tools redis-server redis-benchmark sqlite3 jq

start_redis; PORT=$REDIS_PORT
rb() { redis-benchmark -p "$PORT" -c 25 -n "$N" --csv "$@" 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"'; }
declare -A results
for pipeline in 1 16; do
  xadd=() xread=() xack=()
  for _ in $(seq 1 "$RUNS"); do
    redis-cli -p "$PORT" flushall >/dev/null
    redis-cli -p "$PORT" xgroup create bench g '$' mkstream >/dev/null
    xadd+=("$(rb -P "$pipeline" XADD bench '*' id ex_01JD0000000000000000000000)")
    xread+=("$(rb -P "$pipeline" XREADGROUP GROUP g c COUNT 1 STREAMS bench '>')")
    xack+=("$(rb -P "$pipeline" XACK bench g 1-1)")
  done
  results[xadd_p$pipeline]=$(printf '%s\n' "${xadd[@]}" | median)
  results[xreadgroup_p$pipeline]=$(printf '%s\n' "${xread[@]}" | median)
  results[xack_p$pipeline]=$(printf '%s\n' "${xack[@]}" | median)
done

# SQLite: rows shaped like the store's executions (id, workflow, status, timestamps, ~200 bytes of JSON).
PAD=$(printf 'x%.0s' $(seq 1 120))
row() { printf "INSERT INTO executions VALUES ('ex_%08d','wf_01JD00000000000000000000',1,'queued','2026-12-02T00:00:00Z','{\"input\":{\"n\":21},\"nodes\":[],\"padding\":\"%s\"}');\n" "$1" "$PAD"; }
schema="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE executions (id TEXT PRIMARY KEY, workflow_id TEXT, version INTEGER, status TEXT, queued_at TEXT, document TEXT);"
{ for i in $(seq 1 "$N"); do echo "BEGIN IMMEDIATE;"; row "$i"; echo "COMMIT;"; done; } >"$work/single.sql"
{ for i in $(seq 1 "$N"); do ((i % 256 == 1)) && echo "BEGIN IMMEDIATE;"; row "$i"; ((i % 256 == 0 || i == N)) && echo "COMMIT;"; done; } >"$work/batched.sql"
{ for i in $(seq 1 "$N"); do ((i % 256 == 1)) && echo "BEGIN IMMEDIATE;"; printf "UPDATE executions SET status='succeeded', document=document WHERE id='ex_%08d';\n" "$i"; ((i % 256 == 0 || i == N)) && echo "COMMIT;"; done; } >"$work/update.sql"
timed() { local t0 t1; t0=$(date +%s.%N); sqlite3 "$1" <"$2" >/dev/null; t1=$(date +%s.%N); echo "$N / ($t1 - $t0)" | bc -l; }
single=() batched=() update=()
for run in $(seq 1 "$RUNS"); do
  for f in a b; do rm -f "$work/$f.db"*; sqlite3 "$work/$f.db" "$schema" >/dev/null; done
  single+=("$(timed "$work/a.db" "$work/single.sql")")
  batched+=("$(timed "$work/b.db" "$work/batched.sql")")
  update+=("$(timed "$work/b.db" "$work/update.sql")")
done
results[sqlite_insert_single]=$(printf '%s\n' "${single[@]}" | median)
results[sqlite_insert_batched]=$(printf '%s\n' "${batched[@]}" | median)
results[sqlite_update_batched]=$(printf '%s\n' "${update[@]}" | median)

printf '%-52s %14s\n' "operation (median of $RUNS, $N each)" "per second"
for k in xadd_p1 xreadgroup_p1 xack_p1 xadd_p16 xreadgroup_p16 xack_p16 sqlite_insert_single sqlite_insert_batched sqlite_update_batched; do
  printf '%-52s %14.0f\n' "$k" "${results[$k]}"
done
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), redis $(redis-server --version | awk '{print $3}' | cut -d= -f2), sqlite $(sqlite3 --version | cut -d' ' -f1)"
echo "machine: $machine"
{ echo "{\"machine\": \"$machine\", \"operations\": $N, \"runs\": $RUNS, \"perSecond\": {"
  first=1; for k in "${!results[@]}"; do ((first)) || echo ","; first=0; printf '"%s": %.0f' "$k" "${results[$k]}"; done
  echo "}}"; } | jq . >"$out/ceilings.json"
echo "wrote $out/ceilings.json"
