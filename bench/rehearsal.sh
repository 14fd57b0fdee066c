#!/usr/bin/env bash
# Times the scaling rehearsal (whole command for seed and diurnal, the simulation alone) and the HPA decision path.
# Prints medians with the machine; writes bench/results/rehearsal.json. Exit 1 when a time goal is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build infra/Infra.App -c Release --nologo -v quiet >/dev/null
dotnet build bench/Workflows.Bench -c Release --nologo -v quiet >/dev/null
exec dotnet bench/Workflows.Bench/bin/Release/net10.0/Workflows.Bench.dll rehearsal "$@"
