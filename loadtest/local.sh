#!/usr/bin/env bash
# The local platform, one command up and one down (see README, "Load test"):
#   loadtest/local.sh up [--autoscale] [--apis N] [--workers N] [--max-workers N] [--store mongodb --mongo-uri URI] [--nginx-port P]
#   loadtest/local.sh down
#   loadtest/local.sh status
# nginx (least_conn, keepalive) in front of API processes, worker processes, the queue Redis (noeviction) and the cache
# Redis (allkeys-lru), all on loopback, run by a .NET Aspire app host (no container engine). State, logs and the
# generated API key live in .local/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="${LOCAL_STATE:-$root/.local}"
pidfile="$state/apphost.pid"
dashboard_port=${LOCAL_DASHBOARD_PORT:-18888}
nginx_port=8088

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

need_tools() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then
      echo "== installing ${missing[*]}"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
      # Debian starts the packaged services; the platform runs its own on other ports.
      (service nginx stop || true) >/dev/null 2>&1; (service redis-server stop || true) >/dev/null 2>&1
    else
      echo "missing: ${missing[*]} (run as root, or: apt-get install ${missing[*]})" >&2; exit 2
    fi
  fi
  export PATH="$PATH:/usr/sbin"
}

up() {
  local args=("$@") autoscale=0
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --autoscale) autoscale=1 ;;
      --nginx-port) nginx_port=${args[i+1]} ;;
      -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    esac
  done
  if running; then echo "the local platform is already up (pid $(cat "$pidfile")); loadtest/local.sh down first" >&2; exit 1; fi
  need_tools
  mkdir -p "$state/logs"
  for port in "$dashboard_port" $((dashboard_port + 1)) $((dashboard_port + 2)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port (Aspire dashboard) is taken: set LOCAL_DASHBOARD_PORT" >&2; exit 2; fi
  done
  echo "== building the service and the app host"
  dotnet publish app/Workflows.Service -c Release -o "$state/service" --nologo -v quiet -p:UseAppHost=false >/dev/null
  dotnet build loadtest/Workflows.LocalPlatform -c Release --nologo -v quiet >/dev/null
  if [ "$autoscale" = 1 ] && [ ! -f cdk.out/dev-workers.template.json ]; then
    echo "== synthesizing dev (the autoscaler runs its worker HPA)"
    dotnet run --project infra/Infra.App -c Release -- --env dev >/dev/null
  fi
  # --autoscale is a flag here and a setting for the app host.
  local passed=(); for a in "${args[@]}"; do [ "$a" = "--autoscale" ] || passed+=("$a"); done
  export LOCAL_AUTOSCALE=$([ "$autoscale" = 1 ] && echo true || echo false)
  local key; key=$(head -c 32 /dev/urandom | base64 | tr -d '=+/' | head -c 40)
  (umask 077; printf %s "$key" > "$state/api-key")
  export LOCAL_STATE_DIR="$state" LOCAL_SERVICE_DLL="$state/service/Workflows.Service.dll" LOCAL_POLICY_ASSEMBLY="$root/cdk.out"
  LOCAL_API_KEY_SHA256=$(printf %s "$key" | sha256sum | cut -d' ' -f1); export LOCAL_API_KEY_SHA256
  export ASPNETCORE_URLS="http://127.0.0.1:$dashboard_port" ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$((dashboard_port + 1))" \
    ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://127.0.0.1:$((dashboard_port + 2))" ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
    ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true DOTNET_ENVIRONMENT=Development
  # The orchestrator (DCP) that starts the processes keeps its own log: where to look when nothing starts.
  export DCP_DIAGNOSTICS_LOG_LEVEL=info DCP_DIAGNOSTICS_LOG_FOLDER="$state/logs/dcp"
  echo "== starting (logs in $state/logs)"
  start_apphost() {
    nohup dotnet loadtest/Workflows.LocalPlatform/bin/Release/net10.0/Workflows.LocalPlatform.dll "${passed[@]}" >> "$state/logs/apphost.log" 2>&1 &
    echo $! > "$pidfile"
  }
  start_apphost
  local restarted=0
  for tick in $(seq 1 480); do # 240 s: normally ~20 s; a busy 2-core machine (a full test run) has needed more than 120
    # The app host has (twice, in full test runs on fresh clones) started its dashboard and then never its processes:
    # the orchestrator hung. Normally it starts them within seconds; after 90 s without, restart the app host once.
    if [ "$tick" = 180 ] && [ "$restarted" = 0 ] && ! grep -q "Distributed application started" "$state/logs/apphost.log"; then
      echo "the app host started no process in 90 s (its orchestrator's log: $state/logs/dcp); restarting it once" >&2
      local hung; hung=$(cat "$pidfile"); kill -KILL "$hung" 2>/dev/null || true; wait "$hung" 2>/dev/null || true
      sleep 2; restarted=1; start_apphost
    fi
    if ! running; then
      echo "the local platform stopped while starting:" >&2; grep -E "local platform:|fail|error" "$state/logs/apphost.log" | tail -5 >&2; rm -f "$pidfile"; exit 1
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/health" 2>/dev/null; then
      echo "up: http://127.0.0.1:$nginx_port (API key in $state/api-key), dashboard http://127.0.0.1:$dashboard_port, logs $state/logs"
      return 0
    fi
    sleep 0.5
  done
  echo "nginx did not answer on :$nginx_port within 240 s; the last lines of each log in $state/logs:" >&2
  for f in "$state"/logs/* "$state"/logs/dcp/*; do [ -f "$f" ] || continue; echo "--- $f" >&2; tail -5 "$f" >&2; done
  down; exit 1
}

down() {
  if ! running; then echo "the local platform is not up"; rm -f "$pidfile"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -f "$pidfile"
  echo "down"
}

status() {
  if running; then echo "up (pid $(cat "$pidfile")): http://127.0.0.1:$nginx_port"; curl -fsS "http://127.0.0.1:$nginx_port/health" && echo; else echo "down"; fi
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
