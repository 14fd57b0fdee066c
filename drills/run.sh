#!/usr/bin/env bash
# Runs a fault drill (or `all`) against real processes on this machine; see drills/README.md.
#   drills/run.sh redis-restart-empty        drills/run.sh all --out /tmp/drills
# Exit codes: 0 every goal met, 1 a goal missed, 2 bad arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install redis-server" >&2; exit 2; }
dotnet build drills/Workflows.Drills -c Release --nologo -v quiet >/dev/null
exec dotnet drills/Workflows.Drills/bin/Release/net10.0/Workflows.Drills.dll "$@"
