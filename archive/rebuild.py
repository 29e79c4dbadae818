"""Rebuild the graph from the bronze archive, through the stream loader's own path.

The archived records of the seven dataset topics are read topic by topic in the writer's
load order (holders before keys before transactions, as ``ringwatch load`` does), each in
partition/offset order with repeated coordinates dropped, and handed in batches to
``ingest.stream.plan_batch`` (the same decoding and validation as ``ringwatch stream``) and
``ingest.writer.write_rows`` (the same Cypher); late transfers are linked once at the end
with ``link_transfers``. Rejected messages are counted, not dead-lettered again: the archive
already holds the dead-letter topic as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from tqdm import tqdm

from archive import table
from graph.gateway import Graph, apply_schema
from ingest.mapping import DataMapping
from ingest.stream import WRITE_CHUNK, Message, plan_batch
from ingest.topics import Topics
from ingest.writer import link_transfers, write_rows
from ringwatch.errors import RingwatchError

REBUILD_BATCH = 10_000


@dataclass
class RebuildReport:
    """What a rebuild read and wrote."""

    messages: int = 0  # archived records of the dataset topics read (after dedup)
    written: int = 0  # valid rows written
    rejected: int = 0  # records the stream loader would have dead-lettered
    duplicates: int = 0  # repeated (topic, partition, offset) copies dropped
    linked: int = 0
    seconds: float = 0.0
    topics: dict[str, int] = field(default_factory=dict)  # records read per topic
    causes: dict[str, int] = field(default_factory=dict)  # rejections per cause


def parse_until(text: str) -> datetime:
    """A ``--until`` value as a timezone-aware datetime: ISO-8601, UTC when it names no
    offset (``2025-03-01``, ``2025-03-01T12:00``, ``2025-03-01T09:00-03:00``)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RingwatchError(
            f"--until {text!r} is not an ISO-8601 date or time: use e.g. 2025-03-01T12:00:00Z "
            "or 2025-03-01T09:00:00-03:00."
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def to_messages(rows: pa.Table) -> list[Message]:
    """Archived rows (topic, partition, offset, timestamp, key, value) as the stream
    loader's ``Message`` objects."""
    stamps = rows["timestamp"].cast(pa.int64()).to_pylist()
    return [
        Message(t, p, o, k, v, None if ts is None else ts // 1000)
        for t, p, o, ts, k, v in zip(
            rows["topic"].to_pylist(),
            rows["partition"].to_pylist(),
            rows["offset"].to_pylist(),
            stamps,
            rows["key"].to_pylist(),
            rows["value"].to_pylist(),
            strict=True,
        )
    ]


def rebuild(
    gateway: Graph,
    path: Path,
    until: datetime | None = None,
    *,
    topics: Topics | None = None,
    mapping: DataMapping | None = None,
    batch_size: int = REBUILD_BATCH,
    progress: bool = True,
    say: Callable[[str], None] = print,
) -> RebuildReport:
    """Load the graph from the archive at ``path``: the records of ``topics``' seven dataset
    topics (prefix ``pix`` by default) whose Kafka timestamp is at or before ``until`` (all
    when None; ``until`` must be timezone-aware), decoded, validated and written exactly as
    ``ringwatch stream`` would (with ``mapping`` as ``stream --mapping``). Idempotent, like
    every ringwatch load: running it on a graph that already holds the data changes nothing.
    """
    if until is not None and until.tzinfo is None:
        raise RingwatchError("until must be timezone-aware (parse it with parse_until).")
    if not table.exists(path):
        raise RingwatchError(
            f"No archive at {path}: run `ringwatch archive --path {path}` first, or check the path."
        )
    topics = topics or Topics()
    apply_schema(gateway)
    report = RebuildReport()
    start = time.monotonic()
    for topic in topics.data:
        began = time.monotonic()
        rows, dropped = table.read_topic(path, topic, until)
        report.duplicates += dropped
        report.topics[topic] = rows.num_rows
        report.messages += rows.num_rows
        written = rejected = 0
        with tqdm(
            total=rows.num_rows, desc=topic, unit="msg", disable=not progress, leave=False
        ) as bar:
            for start_row in range(0, rows.num_rows, batch_size):
                chunk = rows.slice(start_row, batch_size)
                plan = plan_batch(to_messages(chunk), topics, mapping=mapping)
                for dataset, valid in plan.rows.items():
                    for at in range(0, len(valid), WRITE_CHUNK):
                        report.linked += write_rows(gateway, dataset, valid[at : at + WRITE_CHUNK])
                written += sum(plan.valid.values())
                rejected += len(plan.rejections)
                for r in plan.rejections:
                    report.causes[r.cause] = report.causes.get(r.cause, 0) + 1
                bar.update(chunk.num_rows)
        report.written += written
        report.rejected += rejected
        say(
            f"{topic}: {rows.num_rows:,} archived records, {written:,} written, "
            f"{rejected:,} rejected in {time.monotonic() - began:.1f} s"
        )
    began = time.monotonic()
    late = link_transfers(gateway)
    report.linked += late
    say(
        f"{report.linked:,} transfers linked ({late:,} after their transaction, "
        f"in {time.monotonic() - began:.1f} s)"
    )
    report.seconds = time.monotonic() - start
    return report
