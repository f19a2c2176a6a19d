"""``cabinlens models inspect``: every class name in the text output, as in --json."""

from __future__ import annotations

import json

import torch

from cabinlens.engine.cli.main import main
from cabinlens.engine.models import build_model, default_spec

NAMES = tuple(f"looking_or_moving_around (e.g. searching) {i}" for i in range(30))


def test_inspect_shows_every_class_name_wrapped(tmp_path, capsys):
    path = tmp_path / "m.pt"
    torch.save(build_model(default_spec("c3d_small", NAMES)).state_dict(), path)
    (tmp_path / "m.classes.txt").write_text("\n".join(NAMES) + "\n")
    assert main(["models", "inspect", str(path)]) == 0
    text = capsys.readouterr().out
    classes = text[text.index("  classes     30: "):text.index("\n  problem")]
    assert " ..." not in classes and all(len(line) <= 100 for line in classes.splitlines())
    assert [name.strip() for name in " ".join(classes.split("\n")).removeprefix("  classes     30: ").split(", ")] \
        == [" ".join(n.split()) for n in NAMES]
    assert main(["models", "inspect", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == list(NAMES)
