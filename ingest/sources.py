"""The dataset files of a directory, found and read as a mapping names and encodes them.

This is the I/O edge shared by ``ringwatch load``, ``produce`` and ``check``: every value is
read as text (ids keep their leading zeros), and a mapping's column names are checked against
every file's header before anything is loaded, so a typo fails before the first write.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from data import schema
from ingest.mapping import DataMapping, DatasetMapping, MappingError
from ingest.writer import LOAD_ORDER
from ringwatch.errors import RingwatchError


def find_file(directory: Path, dataset: str, mapping: DataMapping | None = None) -> Path | None:
    """The dataset's file in ``directory`` (the mapping's ``file``, else ``<dataset>.csv`` or
    ``.parquet``), or None when absent. A file the mapping names must exist."""
    name = (mapping or DataMapping()).of(dataset).file
    if name is not None:
        path = directory / name
        if not path.is_file():
            raise MappingError(
                f"{(mapping or DataMapping()).source}: {dataset}.file: {name} is not a file in "
                f"{directory}."
            )
        return path
    for fmt in schema.FORMATS:
        path = directory / schema.file_name(dataset, fmt)
        if path.exists():
            return path
    return None


def read_file(path: Path, entry: DatasetMapping | None = None) -> pd.DataFrame:
    """Read a dataset file with every column as text; CSV with the entry's separator and
    encoding, Parquet when the name ends in ``.parquet``."""
    entry = entry or DatasetMapping()
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            return frame.astype("string").astype(object).where(frame.notna(), None)
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            sep=entry.separator,
            encoding=entry.encoding,
        )
    except UnicodeDecodeError as exc:
        raise RingwatchError(
            f"Cannot read {path} as {entry.encoding} ({exc.reason} at byte {exc.start}); set "
            "encoding (e.g. latin-1) for it in a --mapping file."
        ) from None
    except (OSError, ValueError, LookupError) as exc:
        raise RingwatchError(f"Cannot read {path}: {exc}") from None


def read_columns(path: Path, entry: DatasetMapping | None = None) -> list[str]:
    """The column names of a dataset file, without reading its rows."""
    entry = entry or DatasetMapping()
    try:
        if path.suffix == ".parquet":
            return list(pq.read_schema(path).names)
        header = pd.read_csv(path, dtype=str, nrows=0, sep=entry.separator, encoding=entry.encoding)
        return [str(c) for c in header.columns]
    except (OSError, ValueError, LookupError) as exc:
        raise RingwatchError(f"Cannot read {path}: {exc}") from None


def dataset_files(directory: Path, mapping: DataMapping | None = None) -> dict[str, Path | None]:
    """The file of each dataset in load order (None when absent), after checking that the
    directory has some and that the mapping's columns exist in them."""
    mapping = mapping or DataMapping()
    if not directory.is_dir():
        raise RingwatchError(f"{directory} is not a directory of ringwatch datasets.")
    found = {dataset: find_file(directory, dataset, mapping) for dataset in LOAD_ORDER}
    if not any(found.values()):
        names = ", ".join(schema.file_name(d, "csv") for d in LOAD_ORDER)
        raise RingwatchError(
            f"No dataset files in {directory} (expected some of: {names}; files with other "
            "names need a --mapping file that names them)."
        )
    for dataset, path in found.items():
        if path is not None:
            entry = mapping.of(dataset)
            mapping.check_columns(dataset, read_columns(path, entry), path.name)
    return found
