#!/usr/bin/env bash
# Does one GOMP_SPINCOUNT train faster than another on an otherwise idle machine? Runs the same one-epoch training
# (30 000 images) with each setting in turn (A B A B …), so that a machine whose speed drifts affects both alike,
# and prints each run's whole-process wall time and the ratio of each pair (docs/performance.md#threads).
#
#   CategoricalVae/Benchmarks/scripts/spin-pair.sh A B [pairs]     (default: 1000 10000 10)
set -euo pipefail
cd "$(dirname "$0")/../../.."
dotnet build CategoricalVae/CategoricalVae.csproj -v q > /dev/null
app=$(ls CategoricalVae/bin/*/net10.0/CategoricalVae.dll | head -1)
a=${1:-1000}; b=${2:-10000}; pairs=${3:-10}
out=$(mktemp -d)
train=(--epochs 1 --train-limit 30000 --test-limit 100 --no-tensorboard --runs-dir "$out")
seconds() { local start end; start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
printf '%-6s %18s %18s %8s\n' pair "SPINCOUNT=$a s" "SPINCOUNT=$b s" ratio
ratios=()
for i in $(seq 1 "$pairs"); do
  ta=$(seconds env GOMP_SPINCOUNT="$a" dotnet "$app" "${train[@]}")
  tb=$(seconds env GOMP_SPINCOUNT="$b" dotnet "$app" "${train[@]}")
  r=$(echo "$ta / $tb" | bc -l)
  ratios+=("$r")
  printf '%-6s %18.2f %18.2f %8.3f\n' "$i" "$ta" "$tb" "$r"
done
printf 'median ratio %.3f\n' "$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')"
rm -rf "$out"
