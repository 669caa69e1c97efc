#!/usr/bin/env bash
# How should a sweep share the cores: two members at a time with one thread each, or one member with two threads?
# Runs the same four-member sweep both ways, alternating (A B A B …) so that a machine whose speed drifts affects
# both alike, and prints each run's whole-process wall time and the ratio of each pair (docs/sweeps.md); with a
# second argument it also writes them as CSV there.
#
#   CategoricalVae/Benchmarks/scripts/sweep-split.sh [pairs] [csv]     (default 4 pairs)
#
# CATEGORICALVAE_DLL, if set, names the built CategoricalVae.dll to time; else the project is built first.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ -n "${CATEGORICALVAE_DLL:-}" ]; then
  app=$CATEGORICALVAE_DLL
else
  dotnet build CategoricalVae/CategoricalVae.csproj -v q > /dev/null
  app=$(ls CategoricalVae/bin/*/net10.0/CategoricalVae.dll | head -1)
fi
pairs=${1:-4}
csv=${2:-}
out=$(mktemp -d)
sweep=(sweep --seeds 1,2,3,4 --epochs 1 --train-limit 20000 --test-limit 2000 --no-tensorboard)
seconds() { local start end; start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
[ -z "$csv" ] || echo "pair,jobs2_threads1_seconds,jobs1_threads2_seconds,ratio" > "$csv"
printf '%-6s %22s %22s %8s\n' pair "--jobs 2 (1 thread) s" "--jobs 1 --threads 2 s" ratio
for i in $(seq 1 "$pairs"); do
  a=$(seconds dotnet "$app" "${sweep[@]}" --jobs 2 --runs-dir "$out/a$i")
  b=$(seconds dotnet "$app" "${sweep[@]}" --jobs 1 --threads 2 --runs-dir "$out/b$i")
  r=$(echo "$a / $b" | bc -l)
  printf '%-6s %22.2f %22.2f %8.2f\n' "$i" "$a" "$b" "$r"
  [ -z "$csv" ] || printf '%s,%.3f,%.3f,%.4f\n' "$i" "$a" "$b" "$r" >> "$csv"
done
rm -rf "$out"
