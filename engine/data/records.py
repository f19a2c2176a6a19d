"""The typed record every annotation row becomes, whatever file format it came from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Segment:
    """One annotated chunk of one video: frames ``[frame_start, frame_end)`` (end exclusive).

    ``participant`` is None for generic datasets that do not know participants. ``extra`` keeps
    the additional columns of e.g. object-level files, in file order.
    """

    participant: int | None
    file_id: str
    annotation_id: int
    frame_start: int
    frame_end: int
    activity: str
    chunk_id: int
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=True)
    line: int = field(default=0, compare=False, repr=False)

    @property
    def num_frames(self) -> int:
        return self.frame_end - self.frame_start

    def extra_value(self, name: str) -> str | None:
        for key, value in self.extra:
            if key == name:
                return value
        return None
