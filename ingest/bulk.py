"""`ringwatch load DIR`: bulk, batched, idempotent load of the seven datasets.

Each file is read whole (CSV or Parquet), validated in one vectorised pass, and written in
batches of UNWIND + MERGE. Invalid rows go to ``<DIR>/rejects/<dataset>.csv`` with a reason;
the load goes on. Missing device and login files are fine (transactions-only datasets).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from data import schema
from graph.gateway import Graph, apply_schema
from ingest.validate import validate
from ingest.writer import LOAD_ORDER, batches, link_transfers, records, write_rows
from ringwatch.errors import RingwatchError


@dataclass
class DatasetReport:
    dataset: str
    read: int = 0
    written: int = 0
    rejected: int = 0
    seconds: float = 0.0


@dataclass
class LoadReport:
    datasets: list[DatasetReport] = field(default_factory=list)
    linked: int = 0
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return sum(d.written for d in self.datasets)

    @property
    def rejected(self) -> int:
        return sum(d.rejected for d in self.datasets)


def find_file(directory: Path, dataset: str) -> Path | None:
    """The dataset's file in ``directory`` (CSV or Parquet), or None when absent."""
    for fmt in schema.FORMATS:
        path = directory / schema.file_name(dataset, fmt)
        if path.exists():
            return path
    return None


def read_file(path: Path) -> pd.DataFrame:
    """Read a dataset file with every column as text (ids keep their leading zeros)."""
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            return frame.astype("string").astype(object).where(frame.notna(), None)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (OSError, ValueError) as exc:
        raise RingwatchError(f"Cannot read {path}: {exc}") from None


def write_rejects(reject_dir: Path, dataset: str, rejected: pd.DataFrame) -> None:
    reject_dir.mkdir(parents=True, exist_ok=True)
    path = reject_dir / f"{dataset}.csv"
    rejected.to_csv(path, mode="a", header=not path.exists(), index=False)


def load_directory(
    gateway: Graph,
    directory: Path,
    batch_size: int = 10_000,
    reject_dir: Path | None = None,
    progress: bool = True,
    say: Callable[[str], None] = print,
) -> LoadReport:
    """Load every dataset present in ``directory``; returns counts per dataset."""
    if not directory.is_dir():
        raise RingwatchError(f"{directory} is not a directory of ringwatch datasets.")
    found = {d: find_file(directory, d) for d in LOAD_ORDER}
    if not any(found.values()):
        names = ", ".join(schema.file_name(d, "csv") for d in LOAD_ORDER)
        raise RingwatchError(f"No dataset files in {directory} (expected some of: {names}).")
    reject_dir = reject_dir or directory / "rejects"
    for dataset in LOAD_ORDER:  # fresh reject files for this load
        (reject_dir / f"{dataset}.csv").unlink(missing_ok=True)
    apply_schema(gateway)
    report = LoadReport()
    start = time.monotonic()
    for dataset, path in found.items():
        entry = DatasetReport(dataset)
        report.datasets.append(entry)
        if path is None:
            say(f"{dataset}: no file, skipped")
            continue
        began = time.monotonic()
        raw = read_file(path)
        checked = validate(dataset, raw)
        entry.read, entry.rejected = len(raw), len(checked.rejected)
        if entry.rejected:
            write_rejects(reject_dir, dataset, checked.rejected)
        with tqdm(
            total=len(checked.valid), desc=dataset, unit="rows", disable=not progress, leave=False
        ) as bar:
            for chunk in batches(checked.valid, batch_size):
                report.linked += write_rows(gateway, dataset, records(chunk))
                entry.written += len(chunk)
                bar.update(len(chunk))
        entry.seconds = time.monotonic() - began
        say(
            f"{dataset}: {entry.written:,} written, {entry.rejected:,} rejected "
            f"in {entry.seconds:.1f} s"
        )
    began = time.monotonic()
    late = link_transfers(gateway)  # transactions written before their keys or accounts
    report.linked += late
    say(
        f"{report.linked:,} transfers linked to accounts ({late:,} after their transaction, "
        f"in {time.monotonic() - began:.1f} s)"
    )
    report.seconds = time.monotonic() - start
    return report
