#!/usr/bin/env bash
# The estimators compared with the port's own 30x10 model: every estimator, three seeds, the same budget (20 epochs
# of the paper recipe's settings), and ReinMax once more at the τ = 1 its paper recommends; then every member's
# discrete ELBO and IW bound (m=100), the variance of its own estimator's encoder gradient at the end, and each
# sweep's comparison (docs/estimators.md).
#
#   experiments/estimators.sh [sweep options; each replaces the script's own, e.g. --jobs 1 --threads 1 or --epochs 1]
#
# EVALUATE_SAMPLES sets evaluate's m (default 100) and GRADVAR_SAMPLES gradvar's draws (default 100); a --test-limit
# given here limits the evaluations too.
set -euo pipefail
cd "$(dirname "$0")/.."
source experiments/app.sh
mapfile -d '' recipe < <(merged --seeds 1,2,3 --epochs 20 --no-logit-relu --binarize dynamic --anneal-rate 1e-4 --anneal-every 1000 \
  --no-tensorboard -- "$@")
main=$(sweep_folder --vary estimator=gumbel-softmax,st-gumbel-softmax,straight-through,score-function,softmax,argmax,reinmax,gumbel-rao,rloo \
  --name estimators "${recipe[@]}")
tau1=$(sweep_folder --estimator reinmax --temperature 1 --temp-min 1 --name reinmax-tau1 "${recipe[@]}")
[ -n "$main" ] && [ -n "$tau1" ] || { echo "error: a sweep did not finish; finish it with sweep --resume" >&2; exit 1; }
limit=$(option_value --test-limit "$@")
for sweep in "$main" "$tau1"; do
  for member in "$sweep"/*/; do
    estimator=$(sed -n 's/.*"estimator": "\(.*\)".*/\1/p' "$member/config.json" | head -1)
    "${app[@]}" evaluate "$member" --samples "${EVALUATE_SAMPLES:-100}" ${limit:+--test-limit "$limit"} > /dev/null
    "${app[@]}" gradvar "$member" --estimators "$estimator" --samples "${GRADVAR_SAMPLES:-100}" > /dev/null
  done
  "${app[@]}" compare "$sweep" --csv "$sweep/groups.csv"
done
