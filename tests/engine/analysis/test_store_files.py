"""A project read without writing leaves only itself behind, and refuses writes."""

from __future__ import annotations

import sqlite3

import pytest

from cabinlens.engine.analysis.store import Store


def test_reading_a_project_leaves_no_wal_or_shm_and_writes_nothing(tmp_path):
    path = tmp_path / "p.cabinlens"
    Store(path).close()
    before = path.read_bytes()
    for _ in range(2):
        with Store(path, readonly=True) as store:
            assert store.runs() == []
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                store.cache_put(1, "x", b"y")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.cabinlens"]
    assert path.read_bytes() == before


def test_a_reader_beside_a_writer_leaves_the_writers_files_alone(tmp_path):
    path = tmp_path / "p.cabinlens"
    with Store(path) as writer:
        with Store(path, readonly=True) as reader:
            reader.runs()
        assert (tmp_path / "p.cabinlens-wal").exists()  # the writer still holds the project open
        writer.runs()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.cabinlens"]


@pytest.mark.parametrize("readonly", [False, True])
def test_a_folder_given_as_the_project_says_so(tmp_path, readonly):
    from cabinlens.engine.errors import InputError

    with pytest.raises(InputError, match="is a folder; a project is one file"):
        Store(tmp_path, readonly=readonly)
    assert list(tmp_path.iterdir()) == []  # nothing written inside it
