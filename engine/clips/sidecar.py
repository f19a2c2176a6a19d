"""The notes beside an exported clip: ``clip.mp4`` gets ``clip.notes.json`` with the tags and notes
a user gave the clips it shows, so a clip sent to a colleague carries why it was picked.

Written only when a pane shows a tagged or annotated clip; an earlier sidecar of the same name is
removed otherwise, so a sidecar never describes another export than the clip beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

from cabinlens.engine.analysis.clip_notes import ClipNote, overlapping, read_notes
from cabinlens.engine.analysis.store import Store
from cabinlens.engine.clips.panes import PaneSpec
from cabinlens.engine.clips.targets import refuse_project_files
from cabinlens.engine.io import atomic_path


def sidecar_path(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(f"{out.stem}.notes.json")


def clip_remarks(store: Store, specs: list[PaneSpec]) -> list[list[ClipNote]]:
    """Per pane, the clips with a user's tags or note that it shows (its banner says them, the sidecar lists them)."""
    notes = read_notes(store)
    return [overlapping(notes, spec.file_id, spec.start, spec.end) for spec in specs]


def write_sidecar(store: Store, specs: list[PaneSpec], out: str | Path,
                  remarks: list[list[ClipNote]] | None = None) -> Path | None:
    """Write (or remove) the sidecar of the clip ``out`` showing ``specs``; returns it when written.

    ``remarks``: ``clip_remarks(store, specs)`` where the caller has them already (the export drew them)."""
    path = sidecar_path(out)
    panes = []
    for k, (spec, found) in enumerate(zip(specs, remarks if remarks is not None else clip_remarks(store, specs),
                                          strict=True)):
        if found:
            panes.append({"pane": k + 1, "file_id": spec.file_id, "frame_start": spec.start, "frame_end": spec.end,
                          "clips": [{"frame_start": n.frame_start, "frame_end": n.frame_end, "tags": list(n.tags),
                                     "note": n.note} for n in found]})
    if not panes:
        if path.is_file():
            path.unlink()
        return None
    refuse_project_files(store, path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({"clip": Path(out).name, "panes": panes}, indent=1) + "\n")
    return path
