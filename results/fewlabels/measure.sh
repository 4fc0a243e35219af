#!/usr/bin/env bash
# Measure finished CPU draws of results/fewlabels/run.sh once, and write the sweep's table.
#
#   usage: results/fewlabels/measure.sh [CODE_DIR] DRAW...   (run from the repository root)
#
# Each draw's last.pt and metrics.jsonl are copied from CODE_DIR's run folder (default
# /work/runs-18) to results/runs/<key>/, the folder `ccvae-experiment fewlabels --list` names for
# that draw's configuration, so the sweep reads the run as one of its own (a finished run is only
# read, never trained again). Each draw is then measured in a process of its own, side by side
# (draw d is run number d of the sweep's runs, so `--shard d/<their count>`), and the table is
# written to results/fewlabels/results.md from every run measured so far.
set -euo pipefail
code=/work/runs-18
[[ ${1:-} == /* ]] && { code=$1; shift; }
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-/work/shared/data/mnist}
# shellcheck source=results/sweeps.sh
source results/sweeps.sh
sweep_flags fewlabels
runs=$(.venv/bin/ccvae-experiment "${sweep[@]}" --list)  # number, folder, seed, tag a line
for d in "$@"; do  # draw d is run number d of the sweep (the CCVAE at 100 labels comes first)
  dir=$(awk -v d="$d" '$1 == d { print $2 }' <<< "$runs")
  echo "draw $d -> $dir"
  mkdir -p "$dir" "results/fewlabels/draw$d"
  cp "$code/results/runs/fewlabels-100/draw$d/"{last.pt,metrics.jsonl} "$dir/"
  cp "$code/results/runs/fewlabels-100/draw$d/metrics.jsonl" "results/fewlabels/draw$d/"
done
count=$(wc -l <<< "$runs")
for d in "$@"; do
  .venv/bin/ccvae-experiment "${sweep[@]}" --threads 1 \
    --finished-only --shard "$d/$count" > "/tmp/measure-draw$d.log" 2>&1 &
done
wait
.venv/bin/ccvae-experiment "${sweep[@]}" --threads 2 --finished-only \
  | tail -n 10
