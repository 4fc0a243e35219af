#!/usr/bin/env bash
# The few-label protocol runs of issue 18: the CCVAE at 100 labels, three label draws, started or
# resumed (each run continues from its last.pt; a finished run exits at once).
#
#   usage: results/fewlabels/run.sh [CODE_DIR] [DRAWS...]
#
# CODE_DIR is a checkout of the commit the runs were started with (default /work/runs-18, a
# detached worktree of e30601c), with a venv in CODE_DIR/.venv; every draw trains in
# CODE_DIR/results/runs/fewlabels-100/draw<N>/ (checkpoints there are gitignored), under
# `nice -n 19` with one torch thread, and its PID is appended to /work/training.pids so that
# benchmarks can pause it (kill -STOP / -CONT).
set -euo pipefail
code=${1:-/work/runs-18}
shift || true
draws=("${@:-0 1 2}")
read -r -a draws <<< "${draws[*]}"
cd "$code"
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-/work/shared/data/mnist} OMP_NUM_THREADS=1 CI=1
for d in "${draws[@]}"; do
  out=results/runs/fewlabels-100/draw$d
  mkdir -p "$out"
  nohup nice -n 19 .venv/bin/ccvae-train --out "$out" --resume --seed "$d" \
    --labels 100 --latent-c 64 --validation 100 --selection last --epochs 50 \
    --ema 0.999 --strong-augment --threshold 0.95 --consistency 50 \
    --threads 1 --device cpu >> "$out/train.log" 2>&1 &
  echo $! >> /work/training.pids
  echo "draw $d: pid $! -> $code/$out"
done
