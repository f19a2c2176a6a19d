"""Write resources/models/models.json: how each shipped demo model was made and how good it is.

Run after ``cabinlens demo --headless --data DIR`` (which analyses split 0 val and test of the
small synthetic Drive&Act with every shipped model):

    python packaging/record_demo_models.py DIR/demo.cabinlens

The training side (command, seed, data identity, per-epoch validation) comes from each
checkpoint's own record; the evaluation side from the project. tests/engine/test_demo.py checks
that the shipped weights reach these figures again on freshly generated data.
"""

from __future__ import annotations

import hashlib
import json
import sys

from cabinlens.engine.analysis.report import run_metrics
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.demo import MODELS_DIR, SHIPPED
from cabinlens.engine.models.checkpoints import load_model


def main(project: str) -> int:
    record: dict = {"evaluated_on": "synthetic Drive&Act, scale small, seed 0, generator version 1: "
                    "inner_mirror midlevel split 0 (cabinlens data synth DIR --scale small --seed 0)",
                    "models": {}}
    with Store(project, readonly=True) as store:
        runs = store.runs()
        for name in SHIPPED:
            path = MODELS_DIR / f"{name}.pt"
            loaded = load_model(path)
            training = loaded.training
            cfg = training["config"]
            command = (f"cabinlens train --data DATA --model {cfg['model']} --out {name}.pt --split {cfg['split']} "
                       f"--epochs {cfg['epochs']} --batch-size {cfg['batch_size']} --lr {cfg['lr']} --seed {cfg['seed']}"
                       + (" --balanced" if cfg["balanced"] else "") + (" --cache" if cfg.get("cache") else "")
                       + f" --device {cfg['device']}")
            entry = {
                "file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "bytes": path.stat().st_size,
                "parameters": loaded.num_parameters,
                "training": {"command": command, "data": "DATA = cabinlens data synth DATA --scale medium --seed 0",
                             "synthetic_dataset": training.get("synthetic_dataset"), "data_identity": training["data"],
                             "torch": training["torch"], "epochs": training["epochs_done"],
                             "val_balanced_top1_by_epoch": [round(h["val_balanced_top1"], 4) for h in training["history"]]},
                "evaluation": {},
            }
            for info in runs:
                if info.model != name or info.kind != "split":
                    continue
                m = run_metrics(store, info)
                subset = info.name.rsplit(" ", 1)[-1]
                entry["evaluation"][subset] = {
                    "samples": info.done, "balanced_top1": {k: round(v, 4) for k, v in m.top1.items() if v is not None},
                    "balanced_top5": {k: round(v, 4) for k, v in m.top5.items() if v is not None},
                }
            record["models"][name] = entry
    out = MODELS_DIR / "models.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
