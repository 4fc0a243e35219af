#!/usr/bin/env bash
# Bring a sweep's finished runs in from the checkout that trains them (results/cpu.sh), measure
# them with this checkout's code, and write results/SWEEP/results.md from every finished run.
#
#   usage: results/collect.sh [CODE_DIR] SWEEP       (run from the repository root)
#
# A run in CODE_DIR (default /work/runs-SWEEP) that has its result.json is finished: its files
# (checkpoints included, which git ignores) are copied to the folder `--list` names for it here,
# once: a run whose folder here has its result.json already is not copied again, so CODE_DIR's
# older measures never overwrite those taken here. The table is written from every finished
# run's result.json. With REMEASURE=1 every finished run is first measured again with this
# checkout's training/ (for a sweep whose frozen code predates a measure, as the claims sweep's
# does); training is never repeated. Measuring again is not free of noise: the CAS classifier's
# training, for one, differs in its last digits with the number of threads. Runs still training
# are named and left out. For the claims sweep, the verdict table is copied into
# results/README.md too, between its markers, so that the two never disagree.
set -euo pipefail
# shellcheck source=results/sweeps.sh
source "$(dirname "$0")/sweeps.sh"
sweep_args "$@"
export CCVAE_MNIST_DIR=${CCVAE_MNIST_DIR:-/work/shared/data/mnist}
.venv/bin/ccvae-experiment "${sweep[@]}" --list | while read -r _ dir seed tag; do
  [[ -f $dir/result.json ]] && continue  # brought in before: its measures here stand
  [[ -f $code/$dir/result.json ]] || { echo "still training: $tag, seed $seed"; continue; }
  mkdir -p "$dir"
  cp -r "$code/$dir/." "$dir/"
done
.venv/bin/ccvae-experiment "${sweep[@]}" --threads 2 --finished-only \
  ${REMEASURE:+--remeasure} > /dev/null
if [[ $name == claims ]]; then
  start='<!-- the verdicts below' end='<!-- end of the copy -->'
  awk -v start="$start" -v end="$end" -v table="results/claims/results.md" '
    index($0, start) == 1 { print; copying = 1
                            while ((getline line < table) > 0) {
                              if (line ~ /^\| claim \|/) intable = 1
                              else if (intable && line !~ /^\|/) break
                              if (intable) print line
                            }
                            next }
    index($0, end) == 1 { copying = 0 }
    !copying' results/README.md > results/README.md.new
  mv results/README.md.new results/README.md
fi
grep '^|' "results/$name/results.md"
