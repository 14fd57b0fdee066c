#!/usr/bin/env bash
# Micro-benchmarks (BenchmarkDotNet) of the API's per-request hot paths: time and bytes allocated per call, beside the
# bare call they wrap. Not a test: figures depend on the machine, which is printed first.
# Usage: bench/hot-paths.sh [filter='*']   e.g. bench/hot-paths.sh '*Guard*'
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
echo "machine: $(machine)"
cd bench/Workflows.Bench.HotPaths
dotnet run -c Release -- --filter "${1:-*}" --job short --artifacts "$(pwd)/../out/hot-paths" 2>&1 \
  | awk '/^\| Method/ {on = 1} on && /^\|/ {print} on && !/^\|/ && NF == 0 {on = 0}'
echo "reports: bench/out/hot-paths/results/"
