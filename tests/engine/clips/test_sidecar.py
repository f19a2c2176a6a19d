"""The notes beside an exported clip: written when a pane shows a tagged clip, removed otherwise."""

from __future__ import annotations

import json

from projects import copy_project

from cabinlens.engine.analysis.clip_notes import write_note
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.clips.panes import PaneSpec
from cabinlens.engine.clips.sidecar import sidecar_path, write_sidecar


def test_an_export_of_a_tagged_clip_carries_its_tags(val_project, tmp_path):
    project = copy_project(val_project, tmp_path / "copy.cabinlens")
    with Store(project) as store:
        s = store.samples(store.runs()[0].id)[0]
        write_note(store, (s.file_id, s.frame_start, s.frame_end), ["occluded"], "hand behind the wheel")
    out = tmp_path / "clip.mp4"
    specs = [PaneSpec("elsewhere", 0, 10), PaneSpec(s.file_id, s.frame_start + 1, s.frame_end + 50)]
    with Store(project, readonly=True) as store:
        path = write_sidecar(store, specs, out)
    assert path == sidecar_path(out) == tmp_path / "clip.notes.json"
    data = json.loads(path.read_text())
    assert data["clip"] == "clip.mp4" and [p["pane"] for p in data["panes"]] == [2]
    assert data["panes"][0]["clips"] == [{"frame_start": s.frame_start, "frame_end": s.frame_end,
                                          "tags": ["occluded"], "note": "hand behind the wheel"}]
    with Store(project, readonly=True) as store:  # the same name, now a clip without tags: no stale sidecar
        assert write_sidecar(store, [PaneSpec("elsewhere", 0, 10)], out) is None
    assert not path.exists()


def test_the_banner_shows_the_tags_and_note_of_the_clip_under_the_playhead(val_project, tmp_path):
    import numpy as np

    from cabinlens.engine.clips.draw import REMARK
    from cabinlens.engine.clips.export import render_frame

    project = copy_project(val_project, tmp_path / "copy.cabinlens")
    with Store(project, readonly=True) as store:
        s = max(store.samples(store.runs()[0].id), key=lambda x: x.frame_start)
    spec = [PaneSpec(s.file_id, s.frame_start - 30, s.frame_end)]
    before = render_frame(project, spec, 40)
    with Store(project) as store:
        write_note(store, (s.file_id, s.frame_start, s.frame_end), ["occluded", "night"], "hand behind the wheel")

    def amber(image: np.ndarray) -> int:
        near = np.abs(image.astype(int) - np.array(REMARK)).sum(axis=2) < 60
        return int(near.sum())

    inside, outside = render_frame(project, spec, 40), render_frame(project, spec, 0)
    assert inside.shape[0] > before.shape[0] and inside.shape[1] == before.shape[1]  # a line more, as wide
    assert amber(before) == 0 and amber(outside) == 0  # nothing said outside the tagged clip
    assert amber(inside) > 100  # "#occluded #night · hand behind the wheel"
