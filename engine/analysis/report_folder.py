"""Which files of a report folder a report writes, so that a new report never deletes anyone else's.

A report replaces its folder whole (written beside it, then swapped in), which is right for the
files a report writes and wrong for anything a user added there (notes, figures for a paper) or
for figures a ``--no-figures`` report would not renew. Such a folder is refused, naming the files.
"""

from __future__ import annotations

import re
from pathlib import Path

from cabinlens.engine.errors import InputError
from cabinlens.engine.wording import plural

SHOWN = 5  # files named in a refusal
TABLES = r"(?:table1|pairs|embeddings|explanations|sanity)\.(?:csv|md|tex)"
TOP_FILES = re.compile(rf"{TABLES}|tsne_models_\d+\.(?:png|svg)|predictions\.csv|metrics\.json|index\.html")
RUN_FOLDER = re.compile(r"run\d+_[A-Za-z0-9_]*")
RUN_FILES = re.compile(r"(?:table2|sanity_randomisation|sanity_randomisation_classes|sanity_reversal|sanity_faithfulness)"
                       r"\.(?:csv|md|tex)"
                       r"|(?:confusion|confusions|recall_vs_frequency|tsne|ward|sanity_randomisation|sanity_faithfulness)"
                       r"\.(?:png|svg)")
FIGURE = re.compile(r".*\.(?:png|svg)")
TEMPORARY = re.compile(r"\..+\.part")  # an atomic write a crash left behind


def _written_by_a_report(rel: Path) -> bool:
    """Whether a report writes the file at ``rel`` (a path inside the report folder)."""
    parts = rel.parts
    if len(parts) == 1:
        return bool(TOP_FILES.fullmatch(parts[0]) or TEMPORARY.fullmatch(parts[0]))
    return (len(parts) == 2 and bool(RUN_FOLDER.fullmatch(parts[0]))
            and bool(RUN_FILES.fullmatch(parts[1]) or TEMPORARY.fullmatch(parts[1])))


def foreign_files(out: Path) -> list[str]:
    """Files (and folders of their own) in ``out`` that no report writes, as paths relative to it, sorted."""
    found = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_dir() and not path.is_symlink():
            if len(rel.parts) == 1 and RUN_FOLDER.fullmatch(rel.name):
                continue
            if not any(path.iterdir()):  # an empty folder of the user's: named, its files are named otherwise
                found.append(f"{rel}/")
            continue
        if not _written_by_a_report(rel):
            found.append(str(rel))
    return found


def figures_of(out: Path) -> list[str]:
    """The figures an earlier report left in ``out`` (relative paths)."""
    return [str(p.relative_to(out)) for p in sorted(out.rglob("*"))
            if p.is_file() and FIGURE.fullmatch(p.name) and _written_by_a_report(p.relative_to(out))]


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def check_replaceable(out: Path, figures_too: bool) -> None:
    """Refuse to replace the earlier report in ``out`` when that would delete a file this report does not write:
    the user's own files, or (with ``figures_too`` False) the earlier report's figures."""
    mine = foreign_files(out)
    if mine:
        raise InputError(out, f"holds {len(mine)} {plural(len(mine), 'file')} a report does not write "
                              f"({_listed(mine)}), which replacing the earlier report would delete: move them out, "
                              "or give a new folder")
    if not figures_too:
        figures = figures_of(out)
        if figures:
            raise InputError(out, f"holds {len(figures)} {plural(len(figures), 'figure')} of an earlier report "
                                  f"({_listed(figures)}) that --no-figures would delete: leave out --no-figures, "
                                  "or give a new folder")
