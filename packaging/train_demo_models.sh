#!/usr/bin/env bash
# How the demo models in resources/models/ were made: generate the medium synthetic Drive&Act and
# train the small I3D, C3D and P3D on split 0 in parallel, one process each, on one GPU.
#
#   packaging/train_demo_models.sh OUTDIR [DATADIR]
#
# Every checkpoint records its own command, seed and data identity (cabinlens models info FILE).
# Environment overrides for a quick trial: DEVICE (cuda), SCALE (medium),
# MODELS, EPOCHS (20), LIMIT (use only the first N training clips), TRAIN_TIMEOUT (seconds per model).
set -uo pipefail
out=${1:?usage: train_demo_models.sh OUTDIR [DATADIR]}
data=${2:-${TMPDIR:-/tmp}/cabinlens-synthetic-${SCALE:-medium}}
here=$(cd "$(dirname "$0")/.." && pwd)
cl() { python3 -c 'import sys; from cabinlens.engine.cli.main import main; sys.exit(main(sys.argv[1:]))' "$@"; }
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"
work=$(mktemp -d)

cl data synth "$data" --scale "${SCALE:-medium}" --seed 0 || exit 1
cp "$data/synth.json" "$out/synth.json"

common=(--data "$data" --split 0 --batch-size 32 --lr 3e-3 --balanced --seed 0 --cache --workers 8
        --device "${DEVICE:-cuda}" ${LIMIT:+--limit "$LIMIT" --val-limit "$LIMIT"})
train() {  # name arch epochs
    timeout "${TRAIN_TIMEOUT:-430}" python3 -c 'import sys; from cabinlens.engine.cli.main import main; sys.exit(main(sys.argv[1:]))' \
        train --model "$2" --epochs "$3" --out "$work/$1.pt" "${common[@]}" >"$work/$1.log" 2>&1
    echo "$1: exit $? after $SECONDS s" >>"$work/$1.log"
}
for m in ${MODELS:-i3d_small c3d_small p3d_small}; do
    train "$m" "$m" "${EPOCHS:-20}" &
done
wait
for f in "$work"/*.log; do echo "== $f"; cat "$f"; done | tee "$out/train.log"
cp "$work"/*_small.pt "$out"/
ls -la "$out"
