# Shared by the bench scripts (sourced, not run): a scratch folder cleaned on exit with every process started, free
# ports, tools from Debian, the service started on loopback in queue mode with a bench API key, the bench workflow.
# After sourcing: $work, $out (bench/out), $KEY, pids (append what you start), and the functions below.

out=bench/out; mkdir -p "$out"
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
KEY=bench-key; HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# need_tools redis-server hey jq …: installs the missing ones from Debian (redis-benchmark comes with redis-tools).
need_tools() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$([ "$tool" = redis-benchmark ] && echo redis-tools || echo "$tool")"); done
  if ((${#missing[@]})); then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; fi
}

# start_redis: a throwaway redis-server on a free port, in $REDIS_PORT.
start_redis() {
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >/dev/null & pids+=($!)
  sleep 0.5
}

# service_env ROLE PORT COMMAND…: runs COMMAND (exec, so the started process is the service itself and cleanup can
# kill it) with the service's settings: queue mode on $REDIS_PORT, SQLite in $DATA_DIR (default $work/data), no backlog or rate limit in
# the way, the bench key with read and write.
service_env() {
  exec env ASPNETCORE_URLS="http://127.0.0.1:$2" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    Workflows__Role="$1" Workflows__ExecutionMode=queue Redis__ConnectionString="127.0.0.1:$REDIS_PORT" \
    Storage__DataDirectory="${DATA_DIR:-$work/data}" Queue__MaxBacklog=100000000 Api__RateLimit__PermitsPerSecond=1000000 Api__RateLimit__Burst=10000000 \
    Auth__ApiKeys__0__Name=bench Auth__ApiKeys__0__Sha256="$HASH" Auth__ApiKeys__0__Scopes__0=read Auth__ApiKeys__0__Scopes__1=write "${@:3}"
}

# wait_healthy PORT: until /api/health answers (30 s); fails otherwise.
wait_healthy() { for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$1/api/health" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "the service on port $1 did not start" >&2; return 1; }

# api_under_load WHAT DLL: the API role of the published service DLL on a free port (Redis must be started), the bench
# workflow created, and the hey arguments of its load: WHAT = post (execute the workflow) or get (the list). Sets
# api_pid, base and args.
api_under_load() {
  local port; port=$(free_port)
  service_env api "$port" dotnet "$2" >"$work/api.log" 2>&1 & api_pid=$!; pids+=($api_pid)
  wait_healthy "$port"
  base="http://127.0.0.1:$port"
  local wf; wf=$(create_workflows "$base")
  if [ "$1" = get ]; then args=(-H "X-Api-Key: $KEY" "$base/api/workflows")
  else args=(-m POST -H "X-Api-Key: $KEY" -T application/json -d '{"input":{"n":21}}' "$base/api/workflows/$wf/execute"); fi
}

# create_workflows BASE [others=0]: the bench workflow (one `set` node with one expression; its id is printed) and
# OTHERS more, so the list has their size.
create_workflows() {
  curl -fs -X POST "$1/api/workflows" -H "X-Api-Key: $KEY" -H 'content-type: application/json' \
    -d '{"name":"bench","active":true,"nodes":[{"id":"calc","type":"set","parameters":{"values":{"doubled":"{{ $input.n * 2 }}"}}}]}' | jq -r .id
  for i in $(seq 1 "${2:-0}"); do
    curl -fs -X POST "$1/api/workflows" -H "X-Api-Key: $KEY" -H 'content-type: application/json' \
      -d "{\"name\":\"seed-$i\",\"nodes\":[{\"id\":\"s\",\"type\":\"set\",\"parameters\":{\"values\":{}}}]}" >/dev/null
  done
}

machine() { echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), dotnet $(dotnet --version)"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# gc_watch PID FILE: counts the process's garbage collections per generation into FILE (dotnet-counters, from now until
# the process exits); gc_summary FILE prints "gen0 N, gen1 N, gen2 N" once it has (wait for the watcher's pid first).
gc_watch() {
  export PATH="$PATH:$HOME/.dotnet/tools"
  command -v dotnet-counters >/dev/null || dotnet tool install -g dotnet-counters --version 10.0.750501 >/dev/null
  dotnet-counters collect -p "$1" --counters 'System.Runtime[dotnet.gc.collections]' --format csv -o "$2" >/dev/null 2>&1 &
  pids+=($!); gc_watcher=$!
}
gc_summary() {
  awk -F, '/dotnet.gc.collections/ { match($3, /gen[0-2]/); n[substr($3, RSTART, 4)] += $5 }
    END { printf "gen0 %d, gen1 %d, gen2 %d", n["gen0"], n["gen1"], n["gen2"] }' "$1" 2>/dev/null || echo "no GC counts"
}
# peak_rss PID: the process's peak resident set (VmHWM) in MiB.
peak_rss() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
