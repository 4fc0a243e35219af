#!/usr/bin/env bash
# Train one of issue 18's sweeps on this CPU, in the background, resuming across sessions.
#
#   usage: results/cpu.sh [CODE_DIR] SWEEP [PROCESSES [K...]]   (SWEEP: fewlabels, levers or claims)
#
# PROCESSES (default 2, one a core) share the sweep's runs (`--shard K/N`; K... starts only those
# shards, e.g. one whose core has just come free, by default all of them; with PROCESSES the sweep's
# size, shard K is run K alone), each under `nice -n 19` with one torch thread, each training its
# runs in the sweep's order and measuring each once trained. A run continues from its last.pt
# exactly as if it had never stopped, and a run with its result.json is only read, so calling this
# again in a later session continues the sweep. SEEDS=2 narrows it to one seed's runs
# (results/sweeps.sh holds the flags).
#
# CODE_DIR (default /work/runs-SWEEP) is a detached worktree of the commit the sweep started
# from, with a venv in CODE_DIR/.venv (as results/fewlabels/README.md makes one), so that a later
# change to training/ cannot alter a run half-way. Each process logs to
# /work/SWEEP-shard<K>.log and appends its PID to /work/training.pids (benchmarks pause those
# with kill -STOP / -CONT); results/collect.sh brings finished runs in.
set -euo pipefail
# shellcheck source=results/sweeps.sh
source "$(dirname "$0")/sweeps.sh"
sweep_args "$@"
processes=${rest[0]:-2} shards=("${rest[@]:1}")
[[ ${#shards[@]} -gt 0 ]] || mapfile -t shards < <(seq 0 $((processes - 1)))
cd "$code"
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-/work/shared/data/mnist} OMP_NUM_THREADS=1
# two processes on one run would both write its last.pt. Shards of one count N never share a
# run, but shards of two counts do (run 12 is in shard 12/24 and in shard 0/2): refuse to mix.
running=$(pgrep -af "ccvae-experiment $name .*--shard " | grep -oE -- "--shard [0-9]+/[0-9]+" || true)
if [[ -n $running ]] && grep -qv -- "/$processes\$" <<< "$running"; then
  echo "$name already trains as $(tr '\n' ' ' <<< "$running")- not also in $processes shards," \
    "which could train one of the same runs: wait for those, or stop them (they resume)" >&2
  exit 1
fi
for k in "${shards[@]}"; do
  if grep -qxF -- "--shard $k/$processes" <<< "$running"; then
    echo "$name, shard $k/$processes: already training, left alone"; continue
  fi
  nohup nice -n 19 .venv/bin/ccvae-experiment "${sweep[@]}" --threads 1 --out results \
    --shard "$k/$processes" >> "/work/$name-shard$k.log" 2>&1 &
  echo $! >> /work/training.pids
  echo "$name, shard $k/$processes: pid $! -> $code/results/runs"
done
