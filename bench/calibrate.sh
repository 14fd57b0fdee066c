#!/usr/bin/env bash
# Measures the service's per-request and per-execution costs on this machine and writes loadtest/calibration.json,
# which the scaling rehearsal reads (see README, "Scaling rehearsal"). Needs redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install redis-server" >&2; exit 2; }
dotnet build bench/Workflows.Bench -c Release --nologo -v quiet >/dev/null
exec dotnet bench/Workflows.Bench/bin/Release/net10.0/Workflows.Bench.dll calibrate "$@"
