#!/usr/bin/env bash
# The claims sweep on this project's CPU: one background process per argument, each training
# the sweep's runs for its seeds (a comma list) in the sweep's order, resuming any run from its
# last.pt and reading a finished run's result.json without training it again.
#
#   usage: results/claims/run.sh [CODE_DIR] SEEDS...     e.g. results/claims/run.sh 0 1,2
#
# CODE_DIR (default /work/runs-claims) is a detached worktree with a venv in CODE_DIR/.venv
# (as results/fewlabels/README.md makes /work/runs-18's), so that a later change to training/
# cannot alter a run half-way. Each process runs under `nice -n 19` with one torch thread, logs
# to /work/claims-s<SEEDS>.log and appends its PID to /work/training.pids (benchmarks pause
# those with kill -STOP / -CONT). results/claims/collect.sh then brings finished runs in.
set -euo pipefail
code=/work/runs-claims
[[ ${1:-} == /* ]] && { code=$1; shift; }
cd "$code"
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-/work/shared/data/mnist} OMP_NUM_THREADS=1
for seeds in "$@"; do
  nohup nice -n 19 .venv/bin/ccvae-experiment claims --seeds "$seeds" --epochs 30 --threads 1 \
    --out results >> "/work/claims-s$seeds.log" 2>&1 &
  echo $! >> /work/training.pids
  echo "seeds $seeds: pid $! -> $code/results/runs"
done
