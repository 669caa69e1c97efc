#!/usr/bin/env bash
# How long should libgomp's idle threads spin? bench's training ms/step at 2 threads for several GOMP_SPINCOUNT
# values, on an otherwise idle machine and beside one busy competing process (docs/performance.md).
#
#   CategoricalVae/Benchmarks/scripts/spin-count.sh [spin counts...]     (default: 1000 10000 30000 100000 300000)
set -euo pipefail
cd "$(dirname "$0")/../../.."
dotnet build CategoricalVae/CategoricalVae.csproj -v q > /dev/null
app=$(ls CategoricalVae/bin/*/net10.0/CategoricalVae.dll | head -1)
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1000 10000 30000 100000 300000)
out=$(mktemp -d)
ms() { sed -n 's/.*"train_ms_per_step": \([0-9.]*\).*/\1/p' "$1"; }
printf '%-15s %12s %16s\n' GOMP_SPINCOUNT "alone ms/step" "competing ms/step"
for c in "${counts[@]}"; do
  GOMP_SPINCOUNT=$c dotnet "$app" bench --steps 300 --repeats 3 --eval-size 200 --threads 2 --json "$out/alone-$c.json" > /dev/null
  sh -c 'while :; do :; done' & busy=$!
  GOMP_SPINCOUNT=$c dotnet "$app" bench --steps 300 --repeats 3 --eval-size 200 --threads 2 --json "$out/busy-$c.json" > /dev/null
  kill $busy
  printf '%-15s %12.2f %16.2f\n' "$c" "$(ms "$out/alone-$c.json")" "$(ms "$out/busy-$c.json")"
done
