"""Benchmark `ringwatch load --offline` (neo4j-admin import) next to `ringwatch load` (the
online bulk loader) on the same datasets, in one run, printed as markdown.

For each ``--data`` directory, on the local stack:

- ``offline``: ``ingest.offline.offline_load(replace=True)`` (on whatever the database
  holds: ``--replace``); time from the call to its return: read and validate, graph
  tables, import files, Neo4j stop, ``neo4j-admin``, Neo4j start, constraints and indexes
  online. Records are the rows of the seven files
  (valid and rejected), the same count for both loaders;
- ``prepare``: the offline load's Python side alone (read and validate, graph tables,
  import files) as for a server ringwatch does not manage: Neo4j is not touched and the
  import files are deleted afterwards;
- ``bulk``: then the local ``neo4j`` database files are deleted (Neo4j stopped and started,
  the system database kept) and ``ingest.bulk.load_directory`` runs (read, validate, write,
  link); its own timer.

The two graphs' fingerprints (``admin/graph_fingerprint``) are compared: the table says
whether they are equal. Peak memory (``bench.peak_rss``, sampled every 0.5 s) is given per
loader: the Python process with its validation workers, ``neo4j-admin`` (a Java child of the
offline load) and the Neo4j server, in GiB. ``--gzip`` has the offline load write gzipped
import files (``offline_load(compress=True)``), for a disk too small for them as text;
``--max-off-heap 4g`` caps ``neo4j-admin``'s memory beside its heap (its default takes up to
90% of the free memory).

    .venv/bin/python bench/offline.py --data var/bench/pix-fast-s11-x1 var/bench/pix-fast-s11-x20
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peak_rss import PeakRss  # noqa: E402
from graph.gateway import Gateway, apply_schema  # noqa: E402
from ingest.bulk import load_directory  # noqa: E402
from ingest.offline import offline_load  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402
from stack.manager import Stack  # noqa: E402


@dataclass
class Row:
    data: str
    loader: str
    records: int
    seconds: float
    note: str = ""
    steps: dict[str, float] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)  # GiB, PeakRss.gib

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def fingerprint(gateway: Gateway) -> dict[str, float]:
    return {r["item"]: r["value"] for r in gateway.query("admin/graph_fingerprint").rows}


def fresh_store(stack: Stack, gateway: Gateway) -> None:
    """Delete the local ``neo4j`` database files (not the system database) and restart."""
    gateway.close()
    stack.neo4j.stop()
    for sub in ("databases", "transactions"):
        shutil.rmtree(stack.neo4j.data_dir / sub / "neo4j", ignore_errors=True)
    stack.neo4j.start()
    stack.neo4j.wait_ready(timeout_s=600)
    apply_schema(gateway)


def add(rows: list[Row], row: Row) -> None:
    rows.append(row)
    say(
        f"RESULT {row.data} {row.loader}: {row.records:,} records in {row.seconds:.1f} s, "
        f"{row.rate:,.0f} records/s; {row.note}; steps {row.steps}; peak GiB {row.peak}"
    )


def run(
    directory: Path,
    phases: list[str],
    rows: list[Row],
    compress: bool = False,
    max_off_heap: str | None = None,
) -> str:
    settings = load_settings()
    stack = Stack(settings)
    gateway = Gateway(settings)
    prints: dict[str, dict[str, float]] = {}
    work = Path(tempfile.mkdtemp(prefix="offline-bench-", dir=settings.var_dir))
    try:
        if "offline" in phases:
            say(f"{directory}: offline import")
            gateway.close()
            with PeakRss(stack.neo4j.pid) as peak:
                try:
                    offline = offline_load(
                        settings,
                        directory,
                        replace=True,
                        reject_dir=work / "offline",
                        say=say,
                        compress=compress,
                        max_off_heap=max_off_heap,
                    )
                except BaseException:  # a failed or stopped run still tells its peaks
                    say(f"FAILED {directory} offline: peak GiB until then {peak.gib}")
                    raise
            prints["offline"] = fingerprint(gateway)
            add(
                rows,
                Row(
                    directory.name,
                    "offline `ringwatch load --offline`",
                    offline.records,
                    offline.seconds,
                    f"{offline.nodes + offline.relationships:,} graph elements",
                    offline.steps,
                    peak.gib,
                ),
            )
        if "prepare" in phases:
            say(f"{directory}: offline import files only")
            unmanaged = replace(settings, neo4j_password="not-used: nothing connects")
            with PeakRss() as peak:
                prepared = offline_load(
                    unmanaged, directory, reject_dir=work / "prepare", say=say, compress=compress
                )
            if prepared.import_dir is not None:
                shutil.rmtree(prepared.import_dir, ignore_errors=True)
            add(
                rows,
                Row(
                    directory.name,
                    "offline, Python side only (no import)",
                    prepared.records,
                    prepared.seconds,
                    f"{prepared.nodes + prepared.relationships:,} graph elements",
                    prepared.steps,
                    peak.gib,
                ),
            )
        if "bulk" in phases:
            say(f"{directory}: fresh store for the bulk load")
            fresh_store(stack, gateway)
            with PeakRss(stack.neo4j.pid) as peak:
                report = load_directory(
                    gateway, directory, reject_dir=work / "bulk", progress=False, say=say
                )
            prints["bulk"] = fingerprint(gateway)
            add(
                rows,
                Row(
                    directory.name,
                    "bulk `ringwatch load`",
                    report.written + report.rejected,
                    report.seconds,
                    "read + validate + write + link",
                    peak=peak.gib,
                ),
            )
    finally:
        gateway.close()
        shutil.rmtree(work, ignore_errors=True)
    if len(prints) == 2:
        return "equal" if prints["bulk"] == prints["offline"] else "DIFFERENT"
    return "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="dataset folders")
    parser.add_argument("--phases", default="bulk,offline", help="comma-separated subset")
    parser.add_argument(
        "--gzip", action="store_true", help="gzip the offline import files (less disk, more CPU)"
    )
    parser.add_argument(
        "--max-off-heap", help="cap neo4j-admin's off-heap memory, e.g. 4g (default: 90%% free)"
    )
    args = parser.parse_args()
    phases = args.phases.split(",")
    rows: list[Row] = []
    same: dict[str, str] = {}
    load_before = os.getloadavg()
    began = time.monotonic()
    for directory in args.data:
        same[directory.name] = run(directory, phases, rows, args.gzip, args.max_off_heap)
    load_after = os.getloadavg()
    print(
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; "
        f"bench wall time {(time.monotonic() - began) / 60:.0f} min.\n"
    )
    print(
        "| data | loader | records | seconds | records/s | peak RSS GiB: Python / "
        "neo4j-admin / Neo4j / all at once | fingerprints | note |"
    )
    print("|---|---|---:|---:|---:|---|---|---|")
    for r in rows:
        memory = " / ".join(
            f"{r.peak.get(k, 0):.2f}" for k in ("python", "java children", "neo4j", "total")
        )
        print(
            f"| {r.data} | {r.loader} | {r.records:,} | {r.seconds:.1f} | {r.rate:,.0f} | "
            f"{memory} | {same[r.data]} | {r.note} |"
        )
    steps = [r for r in rows if r.steps]
    if steps:
        print("\nOffline steps (seconds):\n")
        names = list(steps[0].steps)
        print("| data | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        for r in steps:
            print(f"| {r.data} | " + " | ".join(f"{r.steps.get(n, 0):.1f}" for n in names) + " |")


if __name__ == "__main__":
    main()
