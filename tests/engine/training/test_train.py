"""Training: checkpoints with their record, resume, balanced sampling, learning on a tiny set."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch

from cabinlens.engine.cli.main import main
from cabinlens.engine.errors import InputError
from cabinlens.engine.models.checkpoints import load_model
from cabinlens.engine.training.train import TrainConfig, epoch_order, train


def test_balanced_sampling_draws_classes_evenly():
    labels = [0] * 90 + [1] * 9 + [2] * 1
    draws = Counter()
    rng = random.Random(0)
    for _ in range(50):
        draws.update(labels[i] for i in epoch_order(labels, True, rng))
    shares = [draws[c] / sum(draws.values()) for c in (0, 1, 2)]
    assert all(abs(s - 1 / 3) < 0.05 for s in shares), shares
    plain = epoch_order(labels, False, random.Random(0))
    assert sorted(plain) == list(range(100))  # a shuffle: every clip once


def test_checkpoint_record_and_resume(synth_small, tmp_path, capsys):
    out = tmp_path / "c3d.pt"
    argv = ["train", "--data", str(synth_small), "--model", "c3d_small", "--out", str(out), "--epochs", "2",
            "--limit", "16", "--val-limit", "8", "--batch-size", "8", "--device", "cpu"]
    cfg = TrainConfig(data=str(synth_small), model="c3d_small", out=str(out), epochs=2, limit=16, batch_size=8, val_limit=8)
    steps = list(train(cfg))
    assert steps[-1].epoch == 2 and steps[-1].val_balanced_top1 is not None
    first_run = load_model(out)
    record = first_run.training
    assert record["epochs_done"] == 2 and len(record["history"]) == 2 and record["config"]["seed"] == 0
    assert record["synthetic_dataset"]["seed"] == 0 and record["data"]["subset"] == "train"
    assert len(record["data"]["annotation_sha256"]) == 64
    # Interrupted after epoch 1: resuming gives exactly the uninterrupted result.
    out2 = tmp_path / "again.pt"
    cfg2 = TrainConfig(data=str(synth_small), model="c3d_small", out=str(out2), epochs=2, limit=16, batch_size=8,
                       val_limit=8)
    for p in train(cfg2):
        if p.val_balanced_top1 is not None:
            break  # stop after the first epoch's checkpoint
    assert load_model(out2).training["epochs_done"] == 1
    list(train(cfg2, resume=True))
    resumed = load_model(out2)
    assert resumed.training["epochs_done"] == 2
    for (name, a), (_, b) in zip(first_run.model.state_dict().items(), resumed.model.state_dict().items(), strict=True):
        torch.testing.assert_close(a, b, msg=name)
    with pytest.raises(InputError, match="belongs to a run of 2 epochs"):
        list(train(TrainConfig(data=str(synth_small), model="c3d_small", out=str(out2), epochs=5, limit=16,
                               val_limit=8), resume=True))
    assert main(argv) == 0
    assert "epoch 2/2" in capsys.readouterr().out


def test_a_model_learns_a_tiny_set(synth_small, tmp_path):
    """The training loop really trains: the small I3D fits sixteen clips within eight epochs."""
    cfg = TrainConfig(data=str(synth_small), model="i3d_small", out=str(tmp_path / "m.pt"), epochs=8, limit=16,
                      batch_size=8, lr=3e-3, val_limit=8)
    losses = [p.loss for p in train(cfg)]
    assert sum(losses[-2:]) / 2 < 0.5 * losses[0], losses
