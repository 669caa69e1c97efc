#!/usr/bin/env bash
# Is the source's ReLU on the encoder's logits what collapses the latent? Soft and hard, with and without the
# ReLU, two seeds each, 10 epochs on dynamically binarised MNIST; then every member's discrete ELBO (m=100) and
# the sweep's comparison (docs/results.md, "Latent collapse").
#
#   experiments/logit-relu.sh [sweep options; each replaces the script's own, e.g. --jobs 1 --threads 1 or --epochs 1]
#
# EVALUATE_SAMPLES sets evaluate's m (default 100); a --test-limit given here limits the evaluations too.
set -euo pipefail
cd "$(dirname "$0")/.."
source experiments/app.sh
mapfile -d '' args < <(merged --seeds 1,2 --epochs 10 --binarize dynamic --name logit-relu --no-tensorboard -- "$@")
sweep=$(sweep_folder --vary hard=off,on --vary no-logit-relu=off,on "${args[@]}")
[ -n "$sweep" ] || { echo "error: the sweep did not finish; finish it with sweep --resume" >&2; exit 1; }
limit=$(option_value --test-limit "$@")
for member in "$sweep"/*/; do
  "${app[@]}" evaluate "$member" --samples "${EVALUATE_SAMPLES:-100}" ${limit:+--test-limit "$limit"} > /dev/null
done
"${app[@]}" compare "$sweep" --csv "$sweep/groups.csv"
