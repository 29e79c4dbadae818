"""Compacting validated rows (Arrow strings, float amounts) changes nothing the offline
importer writes: the same graph tables, the same import files byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingest.offline import compact
from ingest.offline_files import write_import_files
from ingest.offline_graph import build_graph
from ingest.sources import dataset_files, read_file
from ingest.validate import validate
from ringwatch.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "data" / "fixtures"


def validated() -> dict[str, pd.DataFrame]:
    out = {}
    for dataset, path in dataset_files(FIXTURES).items():
        if path is not None:
            out[dataset] = validate(dataset, read_file(path)).valid
    return out


def with_gaps(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The fixtures with a third of the logins lacking their (optional) ip, and a holder's
    name that spans two lines (the importer then needs --multiline-fields)."""
    logins = frames["log_autenticacao"].copy()
    logins.loc[logins.index[::3], "ip"] = None
    users = frames["usuarios"].copy()
    users.loc[users.index[0], "nome"] = "Ana\nSegunda linha"
    return {**frames, "log_autenticacao": logins, "usuarios": users}


def files(frames: dict[str, pd.DataFrame], directory: Path) -> dict[str, object]:
    """The import files' contents by name, and the multi-line flag under ``multiline``."""
    written = write_import_files(build_graph(frames), directory)
    out: dict[str, object] = {
        p.name: p.read_bytes() for _, p in written.nodes + written.relationships
    }
    out["multiline"] = written.multiline
    return out


def test_compacted_rows_hold_the_same_values_in_less_memory():
    """Each column keeps its values (None read back as a missing value) and an object
    column of text becomes an Arrow string column."""
    for dataset, frame in with_gaps(validated()).items():
        small = compact(frame)
        assert list(small.columns) == list(frame.columns), dataset
        for name in frame.columns:
            before = frame[name].where(frame[name].notna(), None).tolist()
            after = small[name].astype(object).where(small[name].notna(), None).tolist()
            assert after == before, (dataset, name)
        texts = [c for c in frame.columns if pd.api.types.infer_dtype(frame[c]) == "string"]
        assert texts and all(small[c].dtype == "str" for c in texts), dataset


@pytest.mark.parametrize("gaps", [False, True])
def test_import_files_from_compacted_rows_are_byte_identical(tmp_path, gaps):
    """The graph tables built from compacted rows give the very same importer CSV files,
    with every login's ip present or a third of them missing."""
    frames = with_gaps(validated()) if gaps else validated()
    plain = files(frames, tmp_path / "plain")
    small = files({d: compact(f) for d, f in frames.items()}, tmp_path / "compact")
    assert plain.keys() == small.keys() and len(plain) > 10
    assert small["multiline"] is gaps  # only the world with gaps has a two-line name
    for name, content in plain.items():
        assert small[name] == content, name


def test_chunked_reading_gives_the_rows_read_file_gives(tmp_path, monkeypatch):
    """A file read in chunks holds, chunk after chunk, exactly the frame ``read_file`` reads
    whole (text, empty strings, a quoted comma and newline); a header-only file gives one
    empty chunk with its columns."""
    from ingest import offline
    from ingest.mapping import DatasetMapping

    monkeypatch.setattr(offline, "CHUNK_ROWS", 7)
    path = tmp_path / "usuarios.csv"
    lines = ["id_usuario,nome,email"] + [f"U{i:03d},Nome {i},u{i}@x.com" for i in range(30)]
    lines += ['U900,"Silva, ""Ana""\nSegunda linha",', "U901,,"]
    path.write_text("\n".join(lines) + "\n")
    chunks = list(offline.raw_chunks(path, DatasetMapping()))
    assert [len(c) for c in chunks] == [7, 7, 7, 7, 4]
    whole = pd.concat(chunks, ignore_index=True)
    pd.testing.assert_frame_equal(whole, read_file(path))
    header = tmp_path / "fraudes.csv"
    header.write_text("id_fraude,id_transacao\n")
    (empty,) = offline.raw_chunks(header, DatasetMapping())
    assert empty.empty and list(empty.columns) == ["id_fraude", "id_transacao"]


def test_read_and_validate_keeps_every_valid_row_of_the_fixtures(tmp_path, monkeypatch):
    """Validated in small chunks by worker processes, each dataset's valid rows are those
    ``validate`` gives for the whole file, in order."""
    from ingest import offline
    from ingest.mapping import DataMapping

    monkeypatch.setattr(offline, "CHUNK_ROWS", 500)
    valid, reports = offline.read_and_validate(
        FIXTURES, DataMapping(), tmp_path, lambda _: None, workers=2
    )
    expected = validated()
    assert set(valid) == set(expected)
    for dataset, frame in expected.items():
        pd.testing.assert_frame_equal(valid[dataset], compact(frame.reset_index(drop=True)))
    assert sum(r.read for r in reports) == sum(r.written + r.rejected for r in reports)
