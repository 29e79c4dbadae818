"""Compacting validated rows (Arrow strings, float amounts) changes nothing the offline
importer writes: the same graph tables, the same import files byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.offline import compact, write_import_files
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
    """The fixtures with a third of the logins lacking their (optional) ip."""
    logins = frames["log_autenticacao"].copy()
    logins.loc[logins.index[::3], "ip"] = None
    return {**frames, "log_autenticacao": logins}


def files(frames: dict[str, pd.DataFrame], directory: Path) -> dict[str, bytes]:
    written = write_import_files(build_graph(frames), directory)
    return {p.name: p.read_bytes() for _, p in written.nodes + written.relationships}


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


def test_import_files_from_compacted_rows_are_byte_identical(tmp_path):
    """The graph tables built from compacted rows give the very same importer CSV files."""
    frames = with_gaps(validated())
    plain = files(frames, tmp_path / "plain")
    small = files({d: compact(f) for d, f in frames.items()}, tmp_path / "compact")
    assert plain.keys() == small.keys() and len(plain) > 10
    for name, content in plain.items():
        assert small[name] == content, name
