"""`ringwatch load DIR`: bulk, batched, idempotent load of the seven datasets.

Each file is read whole (CSV or Parquet), put into ringwatch's format by an optional mapping,
validated in one vectorised pass, and written in batches of UNWIND + MERGE. Invalid rows go
to ``<DIR>/rejects/<dataset>.csv`` as they were in the file, with a reason; the load goes on.
Missing device and login files are fine (transactions-only datasets).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from graph.gateway import Graph, apply_schema
from ingest.mapping import DataMapping
from ingest.sources import dataset_files, read_file
from ingest.validate import validate
from ingest.writer import LOAD_ORDER, batches, link_transfers, records, write_rows


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
    mapping: DataMapping | None = None,
) -> LoadReport:
    """Load every dataset present in ``directory``, read through ``mapping`` when given;
    returns counts per dataset."""
    mapping = mapping or DataMapping()
    found = dataset_files(directory, mapping)
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
        raw = read_file(path, mapping.of(dataset))
        checked = validate(dataset, raw, mapping)
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
