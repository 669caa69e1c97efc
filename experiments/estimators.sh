#!/usr/bin/env bash
# The Gumbel-Softmax paper's comparison with the port's own 30x10 model: six estimators, three seeds, the same
# budget (5 epochs of the paper recipe's settings); then every member's discrete ELBO and IW bound (m=100), the
# variance of its own estimator's encoder gradient at the end, and the sweep's comparison (docs/estimators.md).
#
#   experiments/estimators.sh [extra sweep options, e.g. --jobs 1 --threads 1]
set -euo pipefail
cd "$(dirname "$0")/.."
app=(dotnet run --project CategoricalVae --)
"${app[@]}" sweep --vary estimator=gumbel-softmax,st-gumbel-softmax,straight-through,score-function,softmax,argmax \
  --seeds 1,2,3 --epochs 5 --no-logit-relu --binarize dynamic --anneal-rate 1e-4 --anneal-every 1000 \
  --name estimators --no-tensorboard "$@" | tee /dev/stderr | grep -q "Compare with"
sweep=$(ls -d runs/*-sweep-estimators | tail -1)
for member in "$sweep"/*/; do
  estimator=$(sed -n 's/.*"estimator": "\(.*\)".*/\1/p' "$member/config.json" | head -1)
  "${app[@]}" evaluate "$member" --samples 100 > /dev/null
  "${app[@]}" gradvar "$member" --estimators "$estimator" --samples 100 > /dev/null
done
"${app[@]}" compare "$sweep" --csv "$sweep/groups.csv"
