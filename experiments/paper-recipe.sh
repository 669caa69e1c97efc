#!/usr/bin/env bash
# The recipe with which the port's own 30x10 categorical VAE reaches the Gumbel-Softmax paper's 101.5 nats (see
# docs/results.md): the source's model without the ReLU on the encoder's logits, dynamically binarised training
# images, temperature annealed to 0.5 over the first 12 epochs, 200 epochs, seed 1, one thread; then the discrete
# ELBO and the IW bound (m=1000) on the 10 000 fixed-binarised test images.
#
#   experiments/paper-recipe.sh soft|hard [training options...]
#
# soft = Gumbel-Softmax (the paper's 101.5), hard = straight-through Gumbel-Softmax (107.8). Options given after the
# mode replace the recipe's own (--seed 2, --epochs 400, --threads 2) or add to them (--keep-checkpoints 50,100);
# the run is named <time>-<mode>-paper-seed<seed>. Those that also mean something to evaluate (--test-limit, --threads,
# --data-dir, --offline, --device) are given to it too. One thread by default: the thread count changes the rounding
# of the products' sums, which over 200 epochs moves the result as another seed would, and two runs side by side
# fill two cores. CATEGORICALVAE_DLL, if set, names a built CategoricalVae.dll to run instead of `dotnet run`.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  soft) estimator=() ;;
  hard) estimator=(--hard) ;;
  *) echo "error: the first argument must be soft or hard, not '$mode'" >&2; exit 2 ;;
esac
shift

source experiments/app.sh

# The recipe's options, each replaced by the same option given after the mode.
declare -A recipe=([--epochs]=200 [--seed]=1 [--binarize]=dynamic [--anneal-rate]=1e-4 [--anneal-every]=1000 [--threads]=1)
declare -A given=()
evaluate_args=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  option=${args[i]%%=*}
  given[$option]=1
  case "$option" in
    --test-limit|--threads|--data-dir|--device)
      if [[ ${args[i]} == *=* ]]; then evaluate_args+=("${args[i]}"); else evaluate_args+=("${args[i]}" "${args[i + 1]:-}"); fi ;;
    --offline) evaluate_args+=("${args[i]}") ;;
    --name) echo "error: the recipe names its run paper-seed<seed>; leave out --name" >&2; exit 2 ;;
  esac
done
train_args=(--no-logit-relu --no-tensorboard "${estimator[@]}")
for option in "${!recipe[@]}"; do
  [ -n "${given[$option]:-}" ] || train_args+=("$option" "${recipe[$option]}")
done
seed=${recipe[--seed]}
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in --seed) seed=${args[i + 1]:-} ;; --seed=*) seed=${args[i]#--seed=} ;; esac
done
[ -n "${given[--threads]:-}" ] || evaluate_args+=(--threads 1)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${app[@]}" "${train_args[@]}" --name "paper-seed$seed" "$@" | tee "$log"
run=$(sed -n 's/^Done\. Run folder: //p' "$log" | tail -1)
[ -n "$run" ] || { echo "error: training did not finish; continue it with --resume <run folder>" >&2; exit 1; }
"${app[@]}" evaluate "$run" --samples 1000 "${evaluate_args[@]}"
