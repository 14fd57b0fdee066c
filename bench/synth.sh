#!/usr/bin/env bash
# Benchmark, not a test: wall time of the main command (synthesize dev and prod, guardrails, tables), built once
# in Release, 3 runs, median. Prints the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
dotnet build infra/Infra.App -c Release --nologo -v quiet
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
times=()
for run in 1 2 3; do
  start=$(date +%s.%N)
  dotnet infra/Infra.App/bin/Release/net10.0/Infra.App.dll --out "$out/run$run" >/dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  times+=("$t")
  printf 'run %d: %.2f s\n' "$run" "$t"
done
median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
stacks=$(ls "$out/run1"/*.template.json | wc -l)
resources=$(node -e 'let n=0; for (const f of process.argv.slice(1)) n += Object.keys(require(f).Resources).length; console.log(n)' "$out/run1"/*.template.json)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); node $(node --version); dotnet $(dotnet --version)"
printf 'median of 3: %.2f s to synthesize %d stacks (%d resources, both environments) and check guardrails\n' "$median" "$stacks" "$resources"
