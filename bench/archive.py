"""Benchmark the bronze archive: archive throughput next to the stream loader's on the same
topics, archive size per million events, and the graph rebuilt from the archive against a
bulk load of the same data, printed as markdown.

Phases, in one run so the numbers share the machine state:

- ``produce``: the dataset is replayed into fresh topics (``produce_frames``, rate 0);
- ``archive``: ``Archiver`` (what ``ringwatch archive`` runs, default batch policy) drains
  every topic of the prefix into a new Delta table; throughput is records from the first one
  received to the last offset commit; size on disk before and after ``compact``;
- ``stream``: ``StreamLoader`` (what ``ringwatch stream`` runs, default batch policy) loads
  the same topics into an empty graph; same timer;
- ``concurrent``: both again on the same topics at the same time (new groups, new table,
  empty graph), as they run in production;
- ``bulk``: ``ingest.bulk.load_directory`` into an empty graph;
- ``rebuild``: ``archive.rebuild`` from the table into an empty graph; its graph counts are
  checked against the bulk load's.

    .venv/bin/python bench/archive.py --data var/bench/data1
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import rebuild  # noqa: E402
from archive.archiver import ArchivePolicy, Archiver, ArchiveReport, open_archive_consumer  # noqa: E402
from archive.table import compact, stats  # noqa: E402
from bench.ingest import Bench, graph_counts  # noqa: E402
from graph.gateway import Gateway, apply_schema  # noqa: E402
from ingest.bulk import load_directory  # noqa: E402
from ingest.produce import open_producer, produce_frames, read_directory  # noqa: E402
from ingest.stream import BatchPolicy, StreamLoader, StreamReport, open_consumer  # noqa: E402
from ingest.topics import Topics, delete_topics, ensure_topics  # noqa: E402
from ringwatch.settings import load_settings  # noqa: E402
from stack.manager import Stack  # noqa: E402

PHASES = ("archive", "stream", "concurrent", "bulk", "rebuild")


@dataclass
class Row:
    name: str
    records: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def archive_run(bootstrap: str, topics: Topics, path: Path) -> ArchiveReport:
    consumer = open_archive_consumer(bootstrap, f"a-{uuid.uuid4().hex[:6]}", 50_000)
    return Archiver(consumer, path, topics.prefix, ArchivePolicy()).run(until_idle=10)


def stream_run(b: Bench, topics: Topics) -> StreamReport:
    consumer = open_consumer(b.bootstrap, f"s-{uuid.uuid4().hex[:6]}", topics)
    producer = open_producer(b.bootstrap)
    try:
        return StreamLoader(b.gateway, consumer, producer, topics, BatchPolicy()).run(until_idle=10)
    finally:
        producer.close()


def archive_row(name: str, report: ArchiveReport) -> Row:
    note = f"{report.batches:,} Delta commits (a batch closes at 50,000 messages)"
    return Row(name, report.archived, report.active_seconds, note)


def stream_row(name: str, report: StreamReport) -> Row:
    note = f"{report.batches:,} batches; {report.rejected:,} to the DLQ"
    return Row(name, report.consumed, report.active_seconds, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="dataset directory")
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset")
    parser.add_argument("--work", type=Path, help="where the archive tables go (default: a "
                        "folder next to --data, deleted at the end)")  # fmt: skip
    parser.add_argument(
        "--fresh-store",
        action="store_true",
        help="empty the graph by recreating the local stack's database files (bench/ingest.py)",
    )
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    settings = load_settings()
    work = args.work or args.data.parent / f"archive-bench-{uuid.uuid4().hex[:6]}"
    gateway = Gateway(settings)
    gateway.verify()
    apply_schema(gateway, check=False)  # the phases wipe the graph first
    frames = read_directory(args.data)
    b = Bench(gateway, settings.kafka_bootstrap_servers, frames)
    if args.fresh_store:
        b.fresh_store = Stack(settings)
    rows: list[Row] = []
    lines: list[str] = []
    load_before = os.getloadavg()
    started = time.monotonic()
    topics = Topics(f"bench{uuid.uuid4().hex[:6]}")
    ensure_topics(b.bootstrap, topics.all)
    try:
        producer = open_producer(b.bootstrap)
        try:
            b.say(f"producing {b.total:,} messages to {topics.prefix}.*")
            sent = produce_frames(producer, frames, topics)
        finally:
            producer.close()
        rows.append(Row("(replay `ringwatch produce`)", sent.total, sent.seconds, "not a load"))
        table = work / "archive"
        if "archive" in phases or "rebuild" in phases:
            b.say("archiving")
            report = archive_run(b.bootstrap, topics, table)
            rows.append(archive_row("archive `ringwatch archive`", report))
            raw = sum(int(f.memory_usage(deep=True).sum()) for f in frames.values())
            written = stats(table)
            files_before = written.files
            done = compact(table, vacuum_hours=1)
            size = done.after.bytes
            lines.append(
                f"- archive size: {written.bytes / 1e6:,.1f} MB in {files_before:,} files as "
                f"written, {size / 1e6:,.1f} MB in {done.after.files:,} files after `--compact` "
                f"(compaction {done.files_removed:,} -> {done.files_added:,} files); "
                f"**{size / written.rows:,.1f} MB per million events** "
                f"({written.rows:,} messages; pandas holds the same rows in "
                f"{raw / 1e6:,.0f} MB)"
            )
        if "stream" in phases:
            b.wipe()
            b.say("streaming")
            rows.append(stream_row("stream `ringwatch stream`", stream_run(b, topics)))
        if "concurrent" in phases:
            b.wipe()
            b.say("archive and stream at the same time")
            reports: dict[str, ArchiveReport] = {}
            second = work / "archive-concurrent"
            thread = threading.Thread(
                target=lambda: reports.update(a=archive_run(b.bootstrap, topics, second))
            )
            thread.start()
            streamed = stream_run(b, topics)
            thread.join()
            rows.append(archive_row("archive, while the loader runs", reports["a"]))
            rows.append(stream_row("stream, while the archiver runs", streamed))
        counts: dict[str, dict[str, int]] = {}
        if "bulk" in phases:
            b.wipe()
            b.say("bulk load")
            loaded = load_directory(gateway, args.data, progress=False, say=b.say)
            counts["bulk"] = graph_counts(b)
            note = "read files + validate + write + link"
            rows.append(Row("bulk `ringwatch load`", loaded.written + loaded.rejected,
                            loaded.seconds, note))  # fmt: skip
        if "rebuild" in phases:
            b.wipe()
            b.say("rebuild from the archive")
            rebuilt = rebuild(gateway, table, topics=topics, progress=False, say=b.say)
            counts["rebuild"] = graph_counts(b)
            note = "read Delta + decode + validate + write + link"
            rows.append(Row("rebuild from the archive", rebuilt.messages, rebuilt.seconds, note))
        if len(counts) == 2:
            same = counts["bulk"] == counts["rebuild"]
            lines.append(f"- graph counts of the rebuild vs the bulk load: "
                         f"{'identical' if same else 'DIFFERENT: ' + str(counts)}")  # fmt: skip
    finally:
        delete_topics(b.bootstrap, topics.all)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        gateway.close()
    load_after = os.getloadavg()
    print("| phase | records | seconds | records/s | note |")
    print("|---|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r.name} | {r.records:,} | {r.seconds:,.1f} | {r.rate:,.0f} | {r.note} |")
    print()
    for line in lines:
        print(line)
    print(
        f"- load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after; "
        f"{os.cpu_count()} CPUs; wall time {(time.monotonic() - started) / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
