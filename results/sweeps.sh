# shellcheck shell=bash
# Issue 18's sweeps and the protocol each trains under: the one place their flags are written.
# Sourced by results/cpu.sh, results/collect.sh, results/fewlabels/gpu.sh and measure.sh.
#
#   sweep_flags NAME    sets the array `sweep` to NAME's ccvae-experiment arguments,
#                       `gpu_processes` to how many of its runs one GPU trains side by side, and
#                       `frozen` to the commit its runs train from (empty for a finished sweep)
#
#   sweep_args [CODE_DIR] NAME [REST...]
#                       a script's arguments: sets `code` (the checkout that trains the sweep,
#                       default /work/runs-NAME), `name`, `rest` (what follows), and the above
#
# SEEDS, when set, narrows the sweep's seeds (e.g. SEEDS=2 trains only seed 2's runs).
sweep_flags() {
  # the few-label protocol: a fixed final epoch, EMA weights, FixMatch's pair, z_c of 64
  # (results/fewlabels/README.md), written once for the sweep and for the levers' grid
  local protocol=(--latent-c 64 --selection last --epochs 50 --ema 0.999 --strong-augment
                  --threshold 0.95 --consistency 50)
  case $1 in
    # the CCVAE at four label budgets, the baselines at two, three label draws each
    fewlabels) sweep=(fewlabels --seeds 0,1,2 "${protocol[@]}")
               gpu_processes=9 frozen=ec6260c ;;  # three budgets' three draws at a time
    # the levers' grid on draw 0 around the protocol's own point, which it keeps unless another
    # reads the validation digits' labels clearly more likely (training/fewlabels.py)
    levers) sweep=(levers --seeds 0 "${protocol[@]}")
            gpu_processes=8 frozen=ec6260c ;;  # the whole grid
    # the report's loss (the sweep turns the additions off), long enough to overfit
    claims) sweep=(claims --seeds 0,1,2 --epochs 30)
            gpu_processes=6 frozen= ;;  # all 18 runs finished
    *) echo "a sweep is fewlabels, levers or claims, not '$1'" >&2; return 2 ;;
  esac
  if [[ -n ${SEEDS:-} ]]; then sweep+=(--seeds "$SEEDS"); fi
}

sweep_args() {
  code=
  if [[ ${1:-} == /* ]]; then code=$1; shift; fi
  name=${1:?"name a sweep: fewlabels, levers or claims"}
  shift
  code=${code:-/work/runs-$name} rest=("$@")
  sweep_flags "$name"
}

# the checkout that trains the sweep, made when this machine lacks it (a new machine starts with
# none): a detached worktree of the frozen commit, with a venv that takes this checkout's
# installed packages (a .pth onto .venv's site-packages) and installs the worktree's own code
# over them, so that its training/ is the frozen one
sweep_checkout() {
  [[ -x $code/.venv/bin/ccvae-experiment ]] && return
  [[ -n $frozen ]] || { echo "$code is missing, and $name trains no more runs" >&2; return 1; }
  local root site='import sysconfig; print(sysconfig.get_paths()["purelib"])'
  root=$(dirname "${BASH_SOURCE[0]}")/..
  [[ -d $code ]] || git -C "$root" worktree add --detach "$code" "$frozen"
  python3 -m venv "$code/.venv"
  "$root/.venv/bin/python" -c "$site" > "$("$code/.venv/bin/python" -c "$site")/_checkout_site.pth"
  "$code/.venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -e "$code"
}
