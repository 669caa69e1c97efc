#!/usr/bin/env bash
# The bias of every estimator, measured exactly: a model with an 8x4 latent (4^8 = 65 536 codes, few enough to
# enumerate) trained with the paper recipe's settings, three seeds, its checkpoints kept at epochs 1, 10 and 50;
# at each, gradvar --exact gives every estimator's squared bias against the exact gradient of the discrete ELBO and
# its variance, on 100 test images with 200 draws (docs/estimators.md).
#
#   experiments/estimator-bias.sh [sweep options; each replaces the script's own, e.g. --epochs 2 --keep-checkpoints 1,2]
#
# GRADVAR_SAMPLES sets gradvar's draws per estimator (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
source experiments/app.sh
mapfile -d '' args < <(merged --latent-dim 8 --categories 4 --seeds 1,2,3 --epochs 50 --keep-checkpoints 1,10,50 --no-logit-relu \
  --binarize dynamic --anneal-rate 1e-4 --anneal-every 1000 --no-tensorboard --name estimator-bias -- "$@")
sweep=$(sweep_folder "${args[@]}")
[ -n "$sweep" ] || { echo "error: the sweep did not finish; finish it with sweep --resume" >&2; exit 1; }
for member in "$sweep"/*/; do
  for kept in "$member"/checkpoint-epoch-*.bin; do
    epoch=${kept##*checkpoint-epoch-}; epoch=${epoch%.bin}
    "${app[@]}" gradvar "$member" --exact --checkpoint "$epoch" --samples "${GRADVAR_SAMPLES:-200}" --out "$member/gradvar-epoch-$epoch.json" > /dev/null
  done
done
echo "$sweep"
