#!/usr/bin/env bash
# Bring the claims sweep's finished runs in from the checkout that trains them, measure them
# with this checkout's code, and write results/claims/results.md (verdicts included).
#
#   usage: results/claims/collect.sh [CODE_DIR]      (run from the repository root)
#
# CODE_DIR (default /work/runs-claims) trains the sweep on the CPU, one process per core:
#   nice -n 19 ccvae-experiment claims --seeds S --epochs 30 --threads 1 --out results
# A run there that has its result.json is finished: its files (checkpoints included, which git
# ignores) are copied to the folder `--list` names for it here, and every finished run is
# measured again (`--remeasure`: the measures of training/claims.py as this checkout has them;
# training is never repeated). Runs still training are left out of the table.
set -euo pipefail
code=${1:-/work/runs-claims}
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-/work/shared/data/mnist}
sweep=(claims --seeds 0,1,2 --epochs 30)
.venv/bin/ccvae-experiment "${sweep[@]}" --list | while read -r _ dir seed tag; do
  [[ -f $code/$dir/result.json ]] || { echo "still training: $tag, seed $seed"; continue; }
  mkdir -p "$dir"
  cp -r "$code/$dir/." "$dir/"
done
.venv/bin/ccvae-experiment "${sweep[@]}" --threads 2 --finished-only --remeasure > /dev/null
sed -n '/^## The report/,$p' results/claims/results.md
