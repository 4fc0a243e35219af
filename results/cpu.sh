#!/usr/bin/env bash
# Train one of issue 18's sweeps on this CPU, in the background, resuming across sessions.
#
#   usage: results/cpu.sh [CODE_DIR] SWEEP [PROCESSES [K...]]   (SWEEP: fewlabels, levers or claims)
#
# PROCESSES (default 2, one a core) share the sweep's runs (`--shard K/N`; K... picks shards, by
# default all of them; with PROCESSES the sweep's size, shard K is run K alone). The shards are a
# queue, worked through in the order given by as many lanes as this machine has cores (LANES, at
# most one a shard): each lane trains the first shard no other has taken, and takes the next when
# it ends, so that `cpu.sh fewlabels 24 15 6 7 8` keeps both cores busy through four runs (a
# shard already training in another process holds its lane until it ends). Each
# trains under `nice -n 19` with THREADS torch threads (below), and is measured once trained. A run continues
# from its last.pt exactly as if it had never stopped, and a run with its result.json is only
# read, so calling this again in a later session continues the sweep. SEEDS=2 narrows it to one
# seed's runs (results/sweeps.sh holds the flags).
#
# CODE_DIR (default /work/runs-SWEEP) is a detached worktree of the commit the sweep started
# from (`frozen` in results/sweeps.sh), with a venv in CODE_DIR/.venv, so that a later change to
# training/ cannot alter a run half-way; it is made here when missing, after scripts/test has
# made .venv. THREADS (default 1) is each run's torch threads: `THREADS=2 LANES=1` gives one run
# both cores, which takes a baseline run from about 3 hours to 1.7-2.5 (120-201 s an epoch,
# by host, instead of 220; `seconds` in each run's metrics.jsonl, results/fewlabels/README.md),
# so that it ends within a session on a machine whose worktree does not outlive the session (on
# the slowest host yet, 217 s an epoch, it does not: results/fewlabels/README.md, run 19).
# Each shard logs to /work/SWEEP-shard<K>.log
# and appends its PID to /work/training.pids (benchmarks pause those with kill -STOP / -CONT);
# /work/SWEEP-queue.log says when each shard started. As each run ends, its lane calls
# results/collect.sh from this checkout, which brings the run into results/runs and rewrites the
# sweep's table (logged to /work/SWEEP-collect.log), so that a finished run is in the repository,
# ready to commit, even if the session ends before anyone collects it by hand.
set -euo pipefail
# shellcheck source=results/sweeps.sh
source "$(dirname "$0")/sweeps.sh"
sweep_args "$@"
sweep_checkout
root=$(cd "$(dirname "$0")/.." && pwd)  # this checkout, which collects each finished run
processes=${rest[0]:-2} shards=("${rest[@]:1}")
[[ ${#shards[@]} -gt 0 ]] || mapfile -t shards < <(seq 0 $((processes - 1)))
# glibc's malloc told to keep what torch frees (training/host.py), as an environment: the frozen
# checkouts predate the module that sets it from within
GLIBC_TUNABLES=${GLIBC_TUNABLES:-$(cd "$root" && .venv/bin/python -c \
  'from training.host import tunables; print(tunables())')}
cd "$code"
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-/work/shared/data/mnist} OMP_NUM_THREADS=${THREADS:-1} \
  GLIBC_TUNABLES
# two processes on one run would both write its last.pt. Shards of one count N never share a
# run, but shards of two counts do (run 12 is in shard 12/24 and in shard 0/2): refuse to mix.
running=$(pgrep -af "ccvae-experiment $name .*--shard " | grep -oE -- "--shard [0-9]+/[0-9]+" || true)
if [[ -n $running ]] && grep -qv -- "/$processes\$" <<< "$running"; then
  echo "$name already trains as $(tr '\n' ' ' <<< "$running")- not also in $processes shards," \
    "which could train one of the same runs: wait for those, or stop them (they resume)" >&2
  exit 1
fi

# a lane: each shard of the queue in turn that no other lane holds the lock of. The lock is held
# by the training process itself, so it lasts exactly as long as the run trains and a session's
# end releases it. A shard that a process without the lock trains (one started by hand) occupies
# a core as a lane would: the lane waits for it to end, then goes on with the queue.
lane() {
  local k lock other
  for k in "$@"; do
    exec {lock}> "/work/$name-shard$k.lock"
    if flock -n "$lock"; then
      other=$(pgrep -f -- "ccvae-experiment $name .*--shard $k/$processes\$" | head -n 1 || true)
      if [[ -n $other ]]; then
        while kill -0 "$other" 2> /dev/null; do sleep 20; done
      else
        nice -n 19 .venv/bin/ccvae-experiment "${sweep[@]}" --threads "${THREADS:-1}" --out results \
          --shard "$k/$processes" >> "/work/$name-shard$k.log" 2>&1 &
        echo $! >> /work/training.pids
        echo "$(date -u +%FT%TZ) $name, shard $k/$processes: pid $! -> $code/results/runs" >> "$queue"
        wait $! || true  # a run that fails leaves its log; the lane goes on with the queue
        (cd "$root" && flock "/work/$name-collect.lock" results/collect.sh "$code" "$name") \
          >> "/work/$name-collect.log" 2>&1 || true
      fi
    fi
    exec {lock}>&-
  done
}

queue=/work/$name-queue.log
lanes=${LANES:-$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)}  # cores
(( lanes > ${#shards[@]} )) && lanes=${#shards[@]}
for ((i = 0; i < lanes; i++)); do
  (trap '' HUP; lane "${shards[@]}") > /dev/null 2>&1 &
  sleep 1  # in the queue's order: the first lane takes the first shard
done
echo "$name: shards ${shards[*]} of $processes queued on $lanes lane(s); each start is logged" \
  "to $queue:"
tail -n "$lanes" "$queue" 2>/dev/null || true
