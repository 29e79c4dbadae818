"""Benchmark `ringwatch check`: rows per second on a generated world in ringwatch's format and
on the same world as a bank-style export read through a mapping, printed as markdown.

The bank-style copy has every enum value in upper case, amounts with a decimal comma
(``decimal: ","`` in the mapping) and every timestamp with a ``-03:00`` offset, so each row
goes through the folding, decimal-comma and time-zone paths. Each check runs in this process,
files read included; the best of ``--repeat`` runs is reported.

    .venv/bin/python bench/check.py --scale 5
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import schema  # noqa: E402
from ingest.check import check_directory  # noqa: E402
from ingest.mapping import DataMapping, parse_mapping  # noqa: E402


def bank_copy(source: Path, target: Path) -> None:
    """``source`` rewritten as a bank might export it (see the module docstring)."""
    target.mkdir()
    for dataset in schema.DATASETS:
        frame = pd.read_csv(source / f"{dataset}.csv", dtype=str, keep_default_na=False)
        for column, kind in schema.COLUMNS[dataset].items():
            if kind == schema.ENUM:
                frame[column] = frame[column].str.upper()
            elif kind == schema.MONEY:
                frame[column] = frame[column].str.replace(".", ",", regex=False)
            elif kind == schema.TIMESTAMP:
                frame[column] = frame[column] + "-03:00"
        frame.to_csv(target / f"{dataset}.csv", index=False)


def timed(directory: Path, mapping: DataMapping, repeat: int) -> tuple[int, int, float]:
    best, rows, rejected = float("inf"), 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        report = check_directory(directory, mapping)
        best = min(best, time.perf_counter() - started)
        rows, rejected = report.rows, report.rejected
    return rows, rejected, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours, bank = Path(tmp) / "ours", Path(tmp) / "bank"
        subprocess.run(
            [sys.executable, "-m", "ringwatch.cli", "generate", "--out", str(ours)]
            + ["--scale", str(args.scale), "--seed", str(args.seed), "--format", "csv"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        bank_copy(ours, bank)
        runs = [
            ("ringwatch format, no mapping", ours, DataMapping()),
            ("bank-style, decimal-comma mapping", bank, parse_mapping({"decimal": ","})),
        ]
        print(f"scale {args.scale:g}, seed {args.seed}, best of {args.repeat}; {platform.node()}")
        print("\n| input | rows | rejected | seconds | rows/s |\n|---|---:|---:|---:|---:|")
        for name, directory, mapping in runs:
            rows, rejected, seconds = timed(directory, mapping, args.repeat)
            print(f"| {name} | {rows:,} | {rejected:,} | {seconds:.1f} | {rows / seconds:,.0f} |")


if __name__ == "__main__":
    main()
