"""The bronze archive's Delta Lake table: its schema, how Kafka records become rows, and how
rows are read back (deduplicated, in topic/partition/offset order) and maintained.

One Delta table holds every archived message of every topic, partitioned by ``topic`` and
``event_date`` (the UTC date of the Kafka record timestamp). A row keeps the record's Kafka
coordinates and its raw bytes exactly as the broker had them, so anything downstream (the
graph, a new loader, an audit) can be rebuilt from it after Kafka's retention has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringwatch.errors import RingwatchError

PARTITION_BY: Final = ["topic", "event_date"]
# Partition "column" names that the Kafka coordinates use are plain column names here.
SCHEMA: Final = pa.schema(
    [
        pa.field("topic", pa.string(), nullable=False),
        pa.field("event_date", pa.date32(), nullable=False),
        pa.field("partition", pa.int32(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("timestamp", pa.timestamp("us", tz="UTC")),  # Kafka record timestamp
        pa.field("timestamp_type", pa.int8()),  # 0 CreateTime (producer), 1 LogAppendTime
        pa.field("key", pa.binary()),
        pa.field("value", pa.binary()),
        pa.field(
            "headers",
            pa.list_(
                pa.struct(
                    [pa.field("key", pa.string(), nullable=False), pa.field("value", pa.binary())]
                )
            ),
        ),
        pa.field("archived_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)
# Parquet files of a few hundred MB at most: the archive is written in large batches and
# compacted by `ringwatch archive --compact`.
TARGET_FILE_BYTES: Final = 256 * 1024 * 1024
DEFAULT_VACUUM_HOURS: Final = 168  # Delta's own default: 7 days of time travel
MIN_VACUUM_HOURS: Final = 1

Coordinate = tuple[str, int]  # (topic, partition)


class KafkaRecord(Protocol):
    """What the archive needs of a consumed record (kafka-python's ``ConsumerRecord``)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def timestamp_type(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes | None]] | None: ...


def event_date(timestamp_ms: int | None, archived_at: datetime) -> date:
    """The partition date of a record: the UTC date of its Kafka timestamp, or of the moment
    it was archived when it has none (Kafka gives -1)."""
    if timestamp_ms is None or timestamp_ms < 0:
        return archived_at.astimezone(UTC).date()
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).date()


def partition_path(topic: str, day: date) -> str:
    """The folder (relative to the table) that holds a topic's records of one day."""
    return f"topic={topic}/event_date={day.isoformat()}"


def to_arrow(records: Sequence[KafkaRecord], archived_at: datetime) -> pa.Table:
    """The archive rows of ``records`` (in the order given), as a table with ``SCHEMA``."""
    stamps = pa.array([r.timestamp for r in records], pa.int64())
    stamps = pc.if_else(pc.less(stamps, 0), pa.scalar(None, pa.int64()), stamps)  # -1: none
    timestamp = pc.multiply(stamps, 1000).cast(pa.timestamp("us", tz="UTC"))
    day = pa.scalar(event_date(None, archived_at), pa.date32())
    columns: dict[str, Any] = {
        "topic": [r.topic for r in records],
        # A UTC timestamp cast to a date is its UTC date (event_date, vectorised).
        "event_date": pc.fill_null(timestamp.cast(pa.date32()), day),
        "partition": [r.partition for r in records],
        "offset": [r.offset for r in records],
        "timestamp": timestamp,
        "timestamp_type": [r.timestamp_type for r in records],
        "key": [r.key for r in records],
        "value": [r.value for r in records],
        "headers": [
            [{"key": k, "value": v} for k, v in r.headers] if r.headers else [] for r in records
        ],
        "archived_at": pa.array([archived_at] * len(records), pa.timestamp("us", tz="UTC")),
    }
    return pa.table(columns, schema=SCHEMA)


def fresh(
    records: Iterable[KafkaRecord], high_water: dict[Coordinate, int]
) -> tuple[list[KafkaRecord], int]:
    """The records not archived yet (offset above the partition's high-water mark) and how
    many were skipped; ``high_water`` is raised to the last record kept, so a record
    delivered twice (a restart, a rebalance) is kept once."""
    kept: list[KafkaRecord] = []
    skipped = 0
    for r in records:
        where = (r.topic, r.partition)
        if r.offset <= high_water.get(where, -1):
            skipped += 1
            continue
        high_water[where] = r.offset
        kept.append(r)
    return kept, skipped


def exists(path: Path) -> bool:
    from deltalake import DeltaTable

    return DeltaTable.is_deltatable(str(path))


def high_water_marks(path: Path) -> dict[Coordinate, int]:
    """The highest offset archived per (topic, partition); empty for a new archive."""
    from deltalake import DeltaTable

    if not exists(path):
        return {}
    table = DeltaTable(str(path)).to_pyarrow_table(columns=["topic", "partition", "offset"])
    if table.num_rows == 0:
        return {}
    grouped = table.group_by(["topic", "partition"]).aggregate([("offset", "max")])
    return {
        (t, p): o
        for t, p, o in zip(
            grouped["topic"].to_pylist(),
            grouped["partition"].to_pylist(),
            grouped["offset_max"].to_pylist(),
            strict=True,
        )
    }


def append(path: Path, rows: pa.Table) -> None:
    """Append ``rows`` to the archive in one Delta commit (all or nothing), creating the
    table on first use."""
    from deltalake import WriterProperties, write_deltalake
    from deltalake.exceptions import DeltaError

    if rows.num_rows == 0:
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
        write_deltalake(
            str(path),
            rows,
            partition_by=PARTITION_BY,
            mode="append",
            target_file_size=TARGET_FILE_BYTES,
            writer_properties=WriterProperties(compression="ZSTD", compression_level=3),
        )
    except (OSError, DeltaError) as exc:
        raise RingwatchError(
            f"Could not append to the archive at {path} ({exc}): check that the path is a "
            "writable folder holding only this archive, and the free disk space; nothing of "
            "the batch was committed, so it will be read again."
        ) from None


def topics_in(path: Path) -> list[str]:
    """The topics the archive holds (from the table's partitions, without reading data)."""
    from deltalake import DeltaTable

    if not exists(path):
        return []
    return sorted({p["topic"] for p in DeltaTable(str(path)).partitions()})


def ordered(table: pa.Table) -> tuple[pa.Table, int]:
    """``table`` sorted by topic, partition and offset with repeated coordinates dropped
    (the first copy is kept); returns it and how many copies were dropped."""
    if table.num_rows == 0:
        return table, 0
    table = table.sort_by(
        [("topic", "ascending"), ("partition", "ascending"), ("offset", "ascending")]
    )
    topic = table["topic"].to_numpy(zero_copy_only=False)
    partition = table["partition"].to_numpy()
    offset = table["offset"].to_numpy()
    first = np.ones(table.num_rows, dtype=bool)
    first[1:] = (
        (topic[1:] != topic[:-1]) | (partition[1:] != partition[:-1]) | (offset[1:] != offset[:-1])
    )
    kept = table.filter(pa.array(first))
    return kept, table.num_rows - kept.num_rows


def read_topic(
    path: Path,
    topic: str,
    until: datetime | None = None,
    columns: Sequence[str] = ("topic", "partition", "offset", "timestamp", "key", "value"),
) -> tuple[pa.Table, int]:
    """One topic's archived records, in partition/offset order without duplicates, those
    with a Kafka timestamp at or before ``until`` when it is given (records without a
    timestamp are then left out); returns them and the number of duplicates dropped."""
    from deltalake import DeltaTable

    if not exists(path):
        return pa.table({c: pa.array([], SCHEMA.field(c).type) for c in columns}), 0
    dataset = DeltaTable(str(path)).to_pyarrow_dataset()
    condition = pc.field("topic") == topic
    if until is not None:
        limit = until.astimezone(UTC)
        condition &= pc.field("event_date") <= pa.scalar(limit.date(), pa.date32())
        condition &= pc.field("timestamp") <= pa.scalar(limit, pa.timestamp("us", tz="UTC"))
    table = dataset.to_table(
        columns=list(dict.fromkeys(["topic", "partition", "offset", *columns])), filter=condition
    )
    table, dropped = ordered(table)
    return table.select(list(columns)), dropped


@dataclass(frozen=True)
class ArchiveStats:
    """What the archive holds: rows, files and bytes on disk of the current version."""

    rows: int
    files: int
    bytes: int
    version: int


def stats(path: Path) -> ArchiveStats:
    from deltalake import DeltaTable

    table = DeltaTable(str(path))
    actions = table.get_add_actions(flatten=True)
    actions = pa.table(actions) if not isinstance(actions, pa.Table) else actions
    rows = int(pc.sum(actions["num_records"]).as_py() or 0)
    size = int(pc.sum(actions["size_bytes"]).as_py() or 0)
    return ArchiveStats(rows, actions.num_rows, size, table.version())


@dataclass(frozen=True)
class CompactReport:
    files_removed: int
    files_added: int
    vacuumed: int
    before: ArchiveStats
    after: ArchiveStats


def compact(path: Path, vacuum_hours: int = DEFAULT_VACUUM_HOURS) -> CompactReport:
    """Rewrite small files into large ones (Delta OPTIMIZE), then delete files no version
    younger than ``vacuum_hours`` needs (VACUUM) and checkpoint the log. Safe while the
    archiver is appending: compaction only replaces files that hold the same rows."""
    from deltalake import DeltaTable

    before = stats(path)
    table = DeltaTable(str(path))
    metrics: Mapping[str, Any] = table.optimize.compact(target_size=TARGET_FILE_BYTES)
    if vacuum_hours < MIN_VACUUM_HOURS:
        raise RingwatchError(
            f"A vacuum window of {vacuum_hours} h could delete the files of a write in "
            f"progress: use at least {MIN_VACUUM_HOURS} h."
        )
    # Delta's own floor is 7 days; one hour is enough to spare a write in progress.
    vacuumed = table.vacuum(
        retention_hours=vacuum_hours, dry_run=False, enforce_retention_duration=False
    )
    table.create_checkpoint()
    table.cleanup_metadata()
    return CompactReport(
        int(metrics.get("numFilesRemoved", 0)),
        int(metrics.get("numFilesAdded", 0)),
        len(vacuumed),
        before,
        stats(path),
    )


def drop_before(path: Path, day: date) -> int:
    """Delete the archived records of every day before ``day`` (retention); the files go at
    the next ``compact`` once the vacuum window has passed. Returns the rows deleted."""
    from deltalake import DeltaTable

    table = DeltaTable(str(path))
    # A Delta SQL predicate (not Cypher); the value is a ``date``, formatted, never user text.
    result: Mapping[str, Any] = table.delete(f"event_date < '{day.isoformat()}'")
    return int(result.get("num_deleted_rows", 0))
