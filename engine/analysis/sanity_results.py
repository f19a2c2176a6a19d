"""A run's explanation checks as plain numbers: what the window shows and keeps beside the project.

``engine.analysis.sanity`` computes the checks (randomisation, time reversal, deletion and
insertion); this module turns them into small rows of numbers with a verdict per check in words,
and stores them as one JSON file per run and checkpoint, so reopening the project shows them
without loading the model again. A file of another checkpoint or another run is never shown for
this one: its name and its contents carry the run's key and the checkpoint's hash.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from cabinlens.engine.explain.sanity.verdicts import SURVIVAL, randomisation_failure  # noqa: F401 (the rule, torch-free)
from cabinlens.engine.io import atomic_path

FORMAT = 1
#: Shares of reversible clips turned into their partner at or above which the temporal check passes.
REVERSAL_PASS = 0.5


@dataclass(frozen=True)
class RandomisationRow:
    block: str  # randomised from the output down to this block
    spearman: float
    spearman_sd: float
    ssim: float
    ssim_sd: float


@dataclass(frozen=True)
class ReversalRow:
    name: str
    partner: str
    clips: int
    right_forward: float  # shares in [0, 1]
    to_partner: float
    changed: float
    partner_probability: float
    follows: float | None  # share of the decided clips whose per-time map moved with the reversal (None: none decided)
    decided: int = 0  # clips whose per-time map decided it


@dataclass(frozen=True)
class OrderRow:
    order: str  # cam, random, evidence, random_boxes
    clips: int
    deletion_auc: float | None
    insertion_auc: float | None


@dataclass(frozen=True)
class ClassDeletion:
    name: str
    clips: int
    cam: float  # mean deletion AUC of the class's clips in the map's order
    random: float  # ... in a random order


@dataclass(frozen=True)
class ClassRandomisation:
    name: str
    clips: int
    spearman: tuple[float, ...]  # mean of the class's clips at each step of ``randomisation`` (top block first)
    ssim: tuple[float, ...]

    @property
    def all_random(self) -> tuple[float, float] | None:
        """(Spearman, SSIM) with every block random."""
        return (self.spearman[-1], self.ssim[-1]) if self.spearman else None

    @property
    def passed(self) -> bool | None:
        """The run's rule (``randomisation_failure``) on this class's clips; None without steps."""
        if not self.spearman:
            return None
        return not randomisation_failure((self.spearman[0], self.ssim[0]), (self.spearman[-1], self.ssim[-1]))

    @property
    def decorrelated(self) -> int | None:
        """The first step (0: the top block alone random) at which both means are below ``SURVIVAL``; None: none."""
        return next((k for k, (r, s) in enumerate(zip(self.spearman, self.ssim, strict=True))
                     if r < SURVIVAL and s < SURVIVAL), None)


@dataclass(frozen=True)
class Verdict:
    check: str
    status: str  # pass, fail, mixed, n/a
    text: str


@dataclass(frozen=True)
class ExplanationChecks:
    """The checks of one run's Grad-CAM (``computed``: seconds since the epoch)."""

    run_id: int
    run_key: str
    run_name: str
    model: str
    checkpoint_sha256: str
    computed: float
    seconds: float
    device: str
    clips: int  # randomisation and faithfulness
    reversal_clips: int
    evidence_clips: int  # of ``clips``, those with evidence boxes
    randomisation: tuple[RandomisationRow, ...] = ()
    reversal: tuple[ReversalRow, ...] = ()
    faithfulness: tuple[OrderRow, ...] = ()
    per_class: tuple[ClassDeletion, ...] = ()
    problems: tuple[str, ...] = ()
    budget: dict = field(default_factory=dict)
    #: The randomisation per class of the checked clips; None: results kept before it was measured (not available).
    randomisation_per_class: tuple[ClassRandomisation, ...] | None = None

    # ------------------------------------------------------------------ verdicts
    def randomisation_passed(self) -> bool | None:
        if not self.randomisation:
            return None
        first, last = self.randomisation[0], self.randomisation[-1]
        return not randomisation_failure((first.spearman, first.ssim), (last.spearman, last.ssim))

    def reversal_share(self) -> tuple[int, int]:
        """(clips turned into their partner when played backwards, reversible clips checked)."""
        flipped = sum(round(r.to_partner * r.clips) for r in self.reversal)
        return flipped, sum(r.clips for r in self.reversal)

    def order(self, name: str) -> OrderRow | None:
        return next((o for o in self.faithfulness if o.order == name), None)

    def verdicts(self) -> list[Verdict]:
        return [self._randomisation_verdict(), self._reversal_verdict(), self._faithfulness_verdict()]

    def _randomisation_verdict(self) -> Verdict:
        name = "Randomisation"
        passed = self.randomisation_passed()
        if passed is None:
            return Verdict(name, "n/a", "not checked" + self._why("randomisation"))
        first, last = self.randomisation[0], self.randomisation[-1]
        numbers = f"all blocks random: Spearman {last.spearman:.2f}, SSIM {last.ssim:.2f}; passes below {SURVIVAL:g}"
        if passed:
            return Verdict(name, "pass", f"passes: the maps change as the model is randomised ({numbers})")
        if randomisation_failure((first.spearman, first.ssim), (last.spearman, last.ssim)) == "head":
            return Verdict(name, "fail", f"fails: the maps stay the same with the head ({first.block}) random "
                                         f"(Spearman {first.spearman:.2f}, SSIM {first.ssim:.2f}), so they do not depend "
                                         f"on the class they are said to explain ({numbers})")
        return Verdict(name, "fail", f"fails: the maps survive randomising the model, so they show the input, not "
                                     f"what the model learned ({numbers})")

    def _reversal_verdict(self) -> Verdict:
        name = "Time reversal"
        flipped, total = self.reversal_share()
        if not total:
            return Verdict(name, "n/a", "not checked" + self._why("time reversal"))
        share = flipped / total
        decided = [(r.follows, r.decided) for r in self.reversal if r.follows is not None and r.decided]
        maps = ""
        if decided:
            follows = sum(f * n for f, n in decided) / sum(n for _, n in decided)
            maps = f"; the per-time map follows in {follows:.0%}"
        numbers = f"{flipped} of {total} clips ({share:.0%}) turn into their partner{maps}"
        if share >= REVERSAL_PASS:
            return Verdict(name, "pass", f"passes: played backwards, opening becomes closing and the like ({numbers})")
        return Verdict(name, "fail", f"fails: played backwards, reversible actions keep their class, so the model "
                                     f"hardly uses the order of frames ({numbers})")

    def _faithfulness_verdict(self) -> Verdict:
        name = "Deletion / insertion"
        cam, rnd = self.order("cam"), self.order("random")
        if cam is None or rnd is None or cam.deletion_auc is None or rnd.deletion_auc is None:
            return Verdict(name, "n/a", "not checked" + self._why("faithfulness"))
        deletes = cam.deletion_auc < rnd.deletion_auc
        inserts = (cam.insertion_auc or 0.0) > (rnd.insertion_auc or 0.0)
        numbers = (f"deletion AUC {cam.deletion_auc:.2f} vs {rnd.deletion_auc:.2f} random, insertion "
                   f"{_num(cam.insertion_auc)} vs {_num(rnd.insertion_auc)}")
        ev, moved = self.order("evidence"), self.order("random_boxes")
        if ev is not None and moved is not None and ev.deletion_auc is not None and moved.deletion_auc is not None:
            numbers += f"; evidence boxes {ev.deletion_auc:.2f} vs moved {moved.deletion_auc:.2f}"
        if deletes and inserts:
            return Verdict(name, "pass", f"passes: the map's top voxels matter more than random ones ({numbers})")
        if not deletes and not inserts:
            return Verdict(name, "fail", f"fails: removing the map's top voxels hurts no more than removing random ones "
                                         f"({numbers})")
        return Verdict(name, "mixed", f"mixed: {'deletion' if deletes else 'insertion'} beats random, "
                                      f"{'insertion' if deletes else 'deletion'} does not ({numbers})")

    def _why(self, check: str) -> str:
        said = [p for p in self.problems if check in p]
        return f": {said[0]}" if said else ""

    def when(self) -> str:
        """When and on what they were computed, for people."""
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.computed))
        return (f"computed {stamp} on {self.clips} clips (+{self.reversal_clips} played backwards), "
                f"{self.seconds:.0f} s on {self.device}")

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, d: dict) -> ExplanationChecks:
        if d.get("format") != FORMAT:
            raise ValueError(f"format {d.get('format')!r}, not {FORMAT}")
        rows = {"randomisation": RandomisationRow, "reversal": ReversalRow, "faithfulness": OrderRow,
                "per_class": ClassDeletion}
        values = {k: v for k, v in d.items() if k != "format"}
        for key, kind in rows.items():
            values[key] = tuple(kind(**r) for r in values.get(key, ()))
        values["problems"] = tuple(values.get("problems", ()))
        per_class = values.get("randomisation_per_class")
        values["randomisation_per_class"] = None if per_class is None else tuple(
            ClassRandomisation(r["name"], r["clips"], tuple(r["spearman"]), tuple(r["ssim"])) for r in per_class)
        return cls(**values)


def _num(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def _finite(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def from_sanity(s, info, budget, labels: np.ndarray, computed: float | None = None) -> ExplanationChecks:
    """Rows of an ``engine.analysis.sanity.RunSanity`` of run ``info``; ``labels``: the class of each
    clip of the randomisation and faithfulness checks (for the per-class randomisation and deletion AUC)."""
    classes = info.classes
    rand = tuple(RandomisationRow(st.block, st.mean_spearman, float(np.std(st.spearman)), st.mean_ssim,
                                  float(np.std(st.ssim))) for st in (s.randomisation.steps if s.randomisation else ()))
    labels = np.asarray(labels)
    rand_class = tuple(ClassRandomisation(classes[c], n, tuple(float(x) for x in r), tuple(float(x) for x in m))
                       for c, n, r, m in (s.randomisation.per_class(labels) if s.randomisation else ()))
    v = s.reversal
    rev = tuple(ReversalRow(classes[r["class"]], classes[r["partner"]], r["clips"], r["right_forward"], r["to_partner"],
                            r["changed"], r["partner_prob"], r["follows"],
                            int((~np.isnan(v.follows[v.labels == r["class"]])).sum()))
                for r in (v.per_class() if v is not None else ()))
    orders, per_class, evidence = (), (), 0
    f = s.faithfulness
    if f is not None:
        orders = tuple(OrderRow(o, int((~np.isnan(f.auc("deletion", o))).sum()), _finite(f.mean_auc("deletion", o)),
                                _finite(f.mean_auc("insertion", o))) for o in f.deletion)
        if "evidence" in f.deletion:
            evidence = int((~np.isnan(f.auc("deletion", "evidence"))).sum())
        cam, rnd = f.auc("deletion", "cam"), f.auc("deletion", "random")
        per_class = tuple(ClassDeletion(classes[int(c)], int((labels == c).sum()), float(cam[labels == c].mean()),
                                        float(rnd[labels == c].mean())) for c in np.unique(labels))
    problems = list(s.problems)
    if f is not None and not evidence:
        problems.append("no evidence boxes on the checked clips (no evidence files beside the videos): the evidence "
                        "and moved-box orders of the faithfulness check were not measured")
    return ExplanationChecks(
        run_id=info.id, run_key=info.key, run_name=info.name, model=info.model, checkpoint_sha256=info.checkpoint_sha256,
        computed=time.time() if computed is None else computed, seconds=float(s.seconds), device=str(s.device),
        clips=int(s.clips), reversal_clips=sum(r.clips for r in rev), evidence_clips=evidence, randomisation=rand,
        reversal=rev, faithfulness=orders, per_class=per_class, problems=tuple(problems),
        budget={"clips": budget.clips, "per_class": budget.per_class, "seed": budget.seed},
        randomisation_per_class=rand_class)


# ---------------------------------------------------------------------- beside the project
def checks_folder(project: str | Path) -> Path:
    """``<project>.sanity``: one file per run and checkpoint."""
    project = Path(project)
    return project.with_name(project.name + ".sanity")


def checks_path(project: str | Path, run_id: int, checkpoint_sha256: str) -> Path:
    safe = "".join(ch if ch.isalnum() else "-" for ch in checkpoint_sha256[:16]) or "none"
    return checks_folder(project) / f"run{run_id}-{safe}.json"


def save(project: str | Path, checks: ExplanationChecks) -> Path:
    """Write atomically: a reader sees the previous file or the whole new one."""
    target = checks_path(project, checks.run_id, checks.checkpoint_sha256)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(checks.to_dict(), indent=1, allow_nan=False))
    return target


def load(project: str | Path, info) -> ExplanationChecks | None:
    """The stored checks of run ``info`` with its checkpoint, or None (none, unreadable, or of another run)."""
    path = checks_path(project, info.id, info.checkpoint_sha256)
    try:
        checks = ExplanationChecks.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if checks.run_key != info.key or checks.checkpoint_sha256 != info.checkpoint_sha256:
        return None
    return checks
