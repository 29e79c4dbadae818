"""Logins streamed into their import files chunk by chunk, as the offline load validates them,
give the import files that building every table at once gives."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest import offline_stream
from ingest.offline import compact
from ingest.offline_files import ImportFiles, write_import_files, write_tables
from ingest.offline_graph import build_graph, graph_tables
from ingest.offline_stream import LoginStream, SeenHashes
from tests.unit.test_offline_compact import validated, with_gaps

LOGS = "log_autenticacao"


def with_repeats(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The fixtures with logins sent again later with other values (a repeated event keeps
    its first row), some of them twice, and a login whose device and account nobody else
    names."""
    logins = frames[LOGS]
    again = logins.iloc[[0, 3, 3, 500, 2000]].copy()
    again["id_usuario"] = "U9999999"
    again["ip"] = "10.9.9.9"
    new = logins.iloc[[1]].copy()
    new["id_log"], new["id_usuario"], new["id_dispositivo"] = "L99999999", "U8888888", "D8888888"
    return {**frames, LOGS: pd.concat([logins, again, new, again], ignore_index=True)}


def contents(files: ImportFiles) -> dict[str, object]:
    """Each file's text by name (gzipped files uncompressed, under the name without .gz),
    and the multi-line flag under ``multiline``."""
    out: dict[str, object] = {}
    for _, path in files.nodes + files.relationships:
        if path.suffix == ".gz":
            out[path.name.removesuffix(".gz")] = gzip.decompress(path.read_bytes())
        else:
            out[path.name] = path.read_bytes()
    out["multiline"] = files.multiline
    return out


def whole(frames: dict[str, pd.DataFrame], directory: Path) -> dict[str, object]:
    return contents(write_import_files(build_graph(frames), directory))


def streamed(
    frames: dict[str, pd.DataFrame], directory: Path, rows: int, compress: bool = False
) -> dict[str, object]:
    """The import files when the logins go through ``LoginStream`` ``rows`` at a time."""
    directory.mkdir()
    stream = LoginStream(directory, compress)
    logins = frames.get(LOGS, pd.DataFrame())
    for start in range(0, len(logins), rows):
        stream.add(logins.iloc[start : start + rows])
    parts, named = stream.finish()
    rest = {d: f for d, f in frames.items() if d != LOGS}
    files, _ = write_tables(graph_tables(rest, named), directory, parts, compress)
    assert rest == {}  # each dataset was let go once its tables were built
    assert all(p.name.endswith(".gz") == compress for _, p in files.nodes + files.relationships)
    return contents(files)


@pytest.mark.parametrize(
    ("gaps", "rows", "compress"),
    [(False, 97, False), (True, 97, False), (False, 100_000, False), (True, 97, True)],
)
def test_streamed_logins_give_byte_identical_import_files(tmp_path, gaps, rows, compress):
    """In chunks of 97 rows or in one, with repeated login ids across chunks, with and
    without missing IPs, every import file holds the bytes of the all-at-once build, gzipped
    or not, and the multi-line flag is the same."""
    frames = with_repeats(with_gaps(validated()) if gaps else validated())
    frames = {d: compact(f) for d, f in frames.items()}
    expected = whole(frames, tmp_path / "whole")
    got = streamed(frames, tmp_path / "streamed", rows, compress)
    assert got.keys() == expected.keys() and "nodes_Login.csv" in got
    for name, content in expected.items():
        assert got[name] == content, name
    logins = expected["nodes_Login.csv"]
    assert isinstance(logins, bytes) and b"L99999999" in logins and b"U9999999" not in logins


@pytest.mark.parametrize("compress", [False, True])
def test_colliding_hashes_still_give_the_same_rows(tmp_path, monkeypatch, compress):
    """When every login id hashes to one of three values, logins whose hash was seen are
    checked against the Login file itself (gzipped or not): repeats are dropped, new ones
    written after the rest, so each file holds the same lines (in another order) and the
    bare accounts and devices are the same."""
    monkeypatch.setattr(
        offline_stream, "_hash", lambda values: np.arange(len(values), dtype=np.uint64) % 3
    )
    frames = {d: compact(f) for d, f in with_repeats(with_gaps(validated())).items()}
    expected = whole(frames, tmp_path / "whole")
    got = streamed(frames, tmp_path / "streamed", 211, compress)
    assert got.keys() == expected.keys()
    for name, content in expected.items():
        if name == "multiline":
            assert got[name] == content
            continue
        assert isinstance(content, bytes) and isinstance(got[name], bytes)
        head, *lines = content.split(b"\n")
        got_head, *got_lines = got[name].split(b"\n")  # type: ignore[union-attr]
        assert got_head == head and sorted(got_lines) == sorted(lines), name


def test_no_logins_give_header_only_files(tmp_path):
    """Without a login file the streamed Login, IP and login relationship files hold their
    header alone, as the all-at-once build writes them."""
    frames = {d: f for d, f in validated().items() if d != LOGS}
    expected = whole(frames, tmp_path / "whole")
    got = streamed(frames, tmp_path / "streamed", 100)
    assert got == expected
    assert got["nodes_Login.csv"] == b"id_log:ID(Login),timestamp:localdatetime,tipo,status\n"


def test_seen_hashes_tell_hashes_added_before():
    """A hash counts as seen once added, whatever the order of the look-ups."""
    seen = SeenHashes()
    assert not seen.seen(np.array([5, 1], dtype=np.uint64)).any()
    seen.add(np.array([9, 3, 7], dtype=np.uint64))
    seen.add(np.array([1], dtype=np.uint64))
    found = seen.seen(np.array([7, 2, 1, 10, 9, 0], dtype=np.uint64))
    assert found.tolist() == [True, False, True, False, True, False]
    assert len(seen) == 4


def test_read_and_validate_hands_a_sinks_rows_over_in_file_order(tmp_path, monkeypatch):
    """A dataset with a sink is not kept: its valid rows reach the sink chunk by chunk, in
    file order, and together equal the rows kept without a sink; its report counts them."""
    from ingest import offline
    from ingest.mapping import DataMapping
    from tests.unit.test_offline_compact import FIXTURES

    monkeypatch.setattr(offline, "CHUNK_ROWS", 700)
    kept, _ = offline.read_and_validate(FIXTURES, DataMapping(), tmp_path / "a", lambda _: None)
    chunks: list[pd.DataFrame] = []
    valid, reports = offline.read_and_validate(
        FIXTURES, DataMapping(), tmp_path / "b", lambda _: None, sinks={LOGS: chunks.append}
    )
    assert LOGS not in valid and set(valid) == set(kept) - {LOGS}
    assert len(chunks) == -(-sum(r.read for r in reports if r.dataset == LOGS) // 700) > 2
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), kept[LOGS])
    (logs,) = [r for r in reports if r.dataset == LOGS]
    assert logs.written == len(kept[LOGS]) and logs.written + logs.rejected == logs.read


def test_importer_memory_cap_is_passed_only_when_given(tmp_path):
    """The off-heap cap becomes the importer's --max-off-heap-memory; without one the
    importer keeps its own default (no such argument)."""
    files = ImportFiles(tmp_path, [], [], False)
    assert "--max-off-heap-memory=4G" in files.arguments("neo4j", "4G")
    assert not any("off-heap" in a for a in files.arguments("neo4j"))


def test_gathered_values_are_distinct_in_first_seen_order_across_merges(monkeypatch):
    """Merged every few values, the gathered values are the distinct non-null values of
    all series in the order they first came."""
    from ingest.offline_stream import Gathered

    monkeypatch.setattr(Gathered, "MERGE_AT", 3)
    gathered = Gathered()
    parts = [["b", "a", "b", None], ["c", "a"], ["d", "e", "c", "f"], [], ["a", "g", "e"]]
    for part in parts:
        gathered.add(pd.Series(part, dtype="str"))
    assert gathered.values().tolist() == ["b", "a", "c", "d", "e", "f", "g"]


def test_used_device_summaries_folded_along_the_way_equal_the_whole(tmp_path, monkeypatch):
    """Folded every few chunks (not only at the end), the streamed USED_DEVICE file holds
    the bytes of the all-at-once build: counts add up and first and last logins carry over."""
    from ingest.offline_stream import UsedDevices

    monkeypatch.setattr(UsedDevices, "FOLD_AT", 50)
    frames = {d: compact(f) for d, f in with_repeats(validated()).items()}
    expected = whole(frames, tmp_path / "whole")
    got = streamed(frames, tmp_path / "streamed", 61)
    used = expected["rels_USED_DEVICE.csv"]
    assert isinstance(used, bytes) and used.count(b"\n") > 100
    assert got["rels_USED_DEVICE.csv"] == used
