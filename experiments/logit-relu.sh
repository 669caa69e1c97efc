#!/usr/bin/env bash
# Is the source's ReLU on the encoder's logits what collapses the latent? Soft and hard, with and without the
# ReLU, two seeds each, 10 epochs on dynamically binarised MNIST; then every member's discrete ELBO (m=100) and
# the sweep's comparison (docs/results.md, "Latent collapse").
#
#   experiments/logit-relu.sh [extra sweep options, e.g. --jobs 1 --threads 1]
set -euo pipefail
cd "$(dirname "$0")/.."
app=(dotnet run --project CategoricalVae --)
"${app[@]}" sweep --vary hard=off,on --vary no-logit-relu=off,on --seeds 1,2 --epochs 10 \
  --binarize dynamic --name logit-relu --no-tensorboard "$@" | tee /dev/stderr | grep -q "Compare with"
sweep=$(ls -d runs/*-sweep-logit-relu | tail -1)
for member in "$sweep"/*/; do
  "${app[@]}" evaluate "$member" --samples 100 > /dev/null
done
"${app[@]}" compare "$sweep" --csv "$sweep/groups.csv"
