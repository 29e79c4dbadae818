"""stack.process.dir_bytes: the size `ringwatch stack status` shows for Neo4j's and Kafka's
data folders."""

from __future__ import annotations

import os
from pathlib import Path

from stack import process


def test_sums_the_files_of_nested_folders_and_a_missing_folder_is_zero(tmp_path: Path) -> None:
    """Every file counts once, however deep; a folder that does not exist has size 0."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "x.log").write_bytes(b"12345")
    (tmp_path / "a" / "b" / "y.log").write_bytes(b"123")
    assert process.dir_bytes(tmp_path) == 8
    assert process.dir_bytes(tmp_path / "missing") == 0


def test_a_folder_removed_during_the_walk_counts_as_gone(tmp_path: Path, monkeypatch) -> None:
    """Kafka removes a deleted topic's folder while status walks the data folder (a CI run
    crashed `stack status` with FileNotFoundError): the walk goes on without it."""
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "k.log").write_bytes(b"1234")
    doomed = tmp_path / "topic-0.abc-delete"
    doomed.mkdir()
    (doomed / "d.log").write_bytes(b"12")
    real_stat = os.stat

    def vanishing_stat(path, *args, **kwargs):  # the broker deletes the folder just now
        if "-delete" in str(path):
            raise FileNotFoundError(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(process.os, "stat", vanishing_stat)
    assert process.dir_bytes(tmp_path) == 4
