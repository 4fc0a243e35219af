#!/usr/bin/env bash
# Issue 18's sweeps on the device machine (../.library/device), one sweep a call: every run of
# `ccvae-experiment fewlabels` (the default) over three label draws, `levers` (SWEEP=levers) on
# one, or `claims` (SWEEP=claims) over three seeds, side by side on its one GPU.
#
#   here, once:  mkdir -p .mnist && cp ../shared/data/mnist/*.gz .mnist/ && echo /.mnist/ >> .git/info/exclude
#   one call:    run(command="bash results/fewlabels/gpu.sh", carry=[".mnist"], timeout_s=590)
#   back here:   mkdir -p /tmp/gpu && tar xzf <files_at>/<sweep>-gpu.tar.gz -C /tmp/gpu &&
#                cp -rn /tmp/gpu/results/runs/. results/runs/, then the sweep's command here with
#                --finished-only writes results/<sweep>/results.md from them (and commit them)
#
# The device machine's python3 holds torch, onnx, onnxruntime and matplotlib, all that training/
# imports; results/sweeps.sh holds each sweep's flags. RUNS processes (`--shard K/N`) share the
# sweep's runs, each with one CPU thread, each training its runs in the sweep's order (its
# priority: the CCVAE at 100 labels first) and measuring each (test set, judge, CAS) once
# trained. Processes on one GPU do not overlap their kernels, so more processes than the GPU can
# feed only slow every run down: RUNS defaults to the sweep's `gpu_processes` in sweeps.sh.
# Runs measured by an earlier call (their result.json committed under results/runs/) are
# skipped, so calls continue one another. At MINUTES every process is stopped, the runs that
# finished training are measured, side by side, and their small files (config.json,
# metrics.jsonl, result.json, figures) come back as $OUT/<sweep>-gpu.tar.gz. Checkpoints do not
# come back (the device returns files of at most 16 MiB), so a run unfinished at MINUTES is
# lost; results/cpu.sh, whose runs resume across sessions, is the fallback. EXTRA adds flags (a
# smoke run here on the CPU: PYTHON=.venv/bin/python DEVICE=cpu RUNS=2 MINUTES=2
# EXTRA="--limit 2000 --epochs 1" OUT=/tmp/out bash results/fewlabels/gpu.sh).
set -euo pipefail
python=${PYTHON:-python3} name=${SWEEP:-fewlabels} minutes=${MINUTES:-6} device=${DEVICE:-cuda} out=${OUT:?OUT names the folder that comes back}
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-$PWD/.mnist} PYTHONPATH=$PWD PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
# shellcheck source=results/sweeps.sh
source results/sweeps.sh
sweep_flags "$name"
runs=${RUNS:-$gpu_processes}
work=$(mktemp -d)
mkdir -p "$work/results" && cp -r results/runs "$work/results/"  # what earlier calls measured
# shellcheck disable=SC2206  # EXTRA is a list of flags
flags=("${sweep[@]}" --out "$work/results" --judge models/judge-mnist --device "$device"
       --threads 1 ${EXTRA:-})
"$python" -c "import torch; print(torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name())"
for k in $(seq 0 $((runs - 1))); do
  timeout --signal=INT "$((minutes * 60))" "$python" -m training.experiment "${flags[@]}" \
    --shard "$k/$runs" > "$work/shard$k.log" 2>&1 &
done
wait || true
tail -n 2 "$work"/shard*.log
# the runs that finished training but not their measuring, measured side by side too; then the
# table, which only reads them
for k in $(seq 0 $((runs - 1))); do
  "$python" -m training.experiment "${flags[@]}" --finished-only --shard "$k/$runs" \
    >> "$work/shard$k.log" 2>&1 &
done
wait || true
"$python" -m training.experiment "${flags[@]}" --finished-only > "$work/table.md" 2>&1 || true
cat "$work/table.md"
mkdir -p "$out"
# only what this call made: the runs it measured, the sweep's table, the logs
new=()
for run in "$work"/results/runs/*/; do
  [ -e "results/runs/$(basename "$run")/result.json" ] || new+=("results/runs/$(basename "$run")")
done
tar czf "$out/$name-gpu.tar.gz" -C "$work" --exclude '*.pt' "${new[@]}" "results/$name" table.md \
  $(cd "$work" && ls shard*.log)
ls -l "$out"
