#!/usr/bin/env bash
# Remake every picture and text output that README.md and the model card show,
# from the bundled models and the bundled generator's training run folder.
#
#   docs/regenerate.sh RUN_FOLDER        e.g. docs/regenerate.sh runs/bundled-seed0
#
# Needs an installed ganedge (gan-run, gan-sweep, gan-eval, gan-animate,
# gan-project) and FashionMNIST for gan-eval and gan-project; with Chromium
# and Playwright it also remakes the explorer's screenshots. Runs from a
# scratch folder so that no runs/latest can stand in for the bundled model.
# Takes a few minutes on 2 CPU cores.
set -euo pipefail
run=$(realpath "${1:?usage: docs/regenerate.sh RUN_FOLDER (the training run of the bundled generator)}")
docs=$(realpath "$(dirname "$0")")
card="$docs/model-card"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

cp "$run/progress.png" "$docs/train-progress.png"
cp "$run/losses.png" "$docs/train-losses.png"
gan-run --out "$docs/gan-run.png"
gan-run --perturb 71=-10,10,100 --out "$docs/gan-run-perturb-71.png"

explain="--n 2000 --explain --explain-in-png"
gan-run $explain --out "$card/samples.png" > "$card/samples.txt"
gan-run --perturb 2=0,10,100 $explain --out "$card/perturb-2.png" > "$card/perturb-2.txt"
gan-run --perturb 71=-10,10,100 $explain --out "$card/perturb-71.png" > "$card/perturb-71.txt"
gan-run --perturb 100=-50,-10,10 $explain --out "$card/perturb-100.png" > "$card/perturb-100.txt"
gan-sweep --out "$card/sweep.png" --csv sweep.csv > "$card/sweep.txt"
gan-eval > "$card/eval.txt"
gan-animate --perturb 71=-10:10 --frames 40 --out "$docs/gan-animate-71.gif"
gan-project --test-index 0-7 --png "$card/projections.png" --out projections.npz > "$card/projections.txt"
if [ -x /usr/bin/chromium ] && python -c "import playwright" 2>/dev/null; then
  (cd "$docs/.." && python -m benchmarks.explorer_timing --screenshots-only)
fi
echo "remade the pictures in $docs and $card"
