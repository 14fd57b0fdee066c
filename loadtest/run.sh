#!/usr/bin/env bash
# Runs a load profile against the platform (by default the local one: loadtest/local.sh up) with artillery, and writes
# per-endpoint results, thresholds, plots, CSV and JSON to loadtest/results/<profile>/. See README, "Load test".
#   loadtest/run.sh --profile seed --time-scale 0.1
# Exit codes: 0 every threshold holds (stress: the knee was measured), 1 a threshold is breached, 2 bad input.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build loadtest/Workflows.LoadRunner -c Release --nologo -v quiet >/dev/null
exec dotnet loadtest/Workflows.LoadRunner/bin/Release/net10.0/Workflows.LoadRunner.dll "$@"
