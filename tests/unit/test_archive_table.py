"""The archive's table on hand-built records: partition dates and folders, dedup by topic,
partition and offset, ordered reads, `until`, compaction and retention (a Delta table in a
temporary folder; no Kafka, no Neo4j)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from archive import parse_until
from archive.archiver import topic_pattern
from archive.rebuild import to_messages
from archive.table import (
    SCHEMA,
    append,
    compact,
    drop_before,
    event_date,
    fresh,
    high_water_marks,
    ordered,
    partition_path,
    read_topic,
    stats,
    to_arrow,
    topics_in,
)
from ringwatch.errors import RingwatchError

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True)
class Rec:
    topic: str
    partition: int
    offset: int
    timestamp: int = ms(datetime(2025, 3, 1, 10, tzinfo=UTC))
    timestamp_type: int = 0
    key: bytes | None = b"k"
    value: bytes | None = b"{}"
    headers: tuple[tuple[str, bytes | None], ...] = ()


def test_event_date_is_the_utc_date_of_the_kafka_timestamp():
    """A record stamped 22:30 in Brasília (UTC-3) belongs to the next UTC day; one without a
    timestamp (-1) to the day it was archived."""
    brt = timezone(timedelta(hours=-3))
    assert event_date(ms(datetime(2025, 3, 1, 22, 30, tzinfo=brt)), NOW) == date(2025, 3, 2)
    assert event_date(-1, NOW) == date(2025, 3, 5)
    assert event_date(None, NOW) == date(2025, 3, 5)


def test_partition_path_names_topic_then_day():
    """Files of one topic and one day live under topic=<topic>/event_date=<YYYY-MM-DD>."""
    assert partition_path("pix.dlq", date(2025, 3, 1)) == "topic=pix.dlq/event_date=2025-03-01"


def test_fresh_skips_offsets_at_or_below_the_mark_and_raises_it():
    """Records at or below a partition's high-water mark are skipped; the mark follows the
    records kept, so a record delivered twice in one run is kept once; partitions are
    independent."""
    marks = {("pix.a", 0): 4}
    records = [Rec("pix.a", 0, 3), Rec("pix.a", 0, 4), Rec("pix.a", 0, 5), Rec("pix.a", 1, 0)]
    kept, skipped = fresh(records, marks)
    assert [(r.partition, r.offset) for r in kept] == [(0, 5), (1, 0)]
    assert skipped == 2
    assert marks == {("pix.a", 0): 5, ("pix.a", 1): 0}
    again, skipped = fresh([Rec("pix.a", 0, 5), Rec("pix.a", 0, 6)], marks)
    assert [r.offset for r in again] == [6] and skipped == 1


def test_to_arrow_keeps_coordinates_raw_bytes_and_headers():
    """A row holds topic, partition, offset, timestamp, key, the value's bytes as sent (even
    when they are not UTF-8), the headers, and the partition date."""
    stamp = ms(datetime(2025, 3, 1, 10, tzinfo=UTC))
    rows = to_arrow(
        [
            Rec("pix.x", 2, 7, stamp, 0, b"K1", b"\xff\x00raw", (("src", b"bank"),)),
            Rec("pix.x", 2, 8, -1, 0, None, None),
        ],
        NOW,
    )
    assert rows.schema == SCHEMA
    first, second = rows.to_pylist()
    assert (first["topic"], first["partition"], first["offset"]) == ("pix.x", 2, 7)
    assert first["timestamp"] == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert (first["key"], first["value"]) == (b"K1", b"\xff\x00raw")
    assert first["headers"] == [{"key": "src", "value": b"bank"}]
    assert first["event_date"] == date(2025, 3, 1)
    assert (second["timestamp"], second["key"], second["value"]) == (None, None, None)
    assert second["event_date"] == date(2025, 3, 5) and second["headers"] == []


def test_ordered_sorts_by_topic_partition_offset_and_drops_repeats():
    """Rows come back in topic, partition, offset order, each coordinate once."""
    table = pa.table(
        {
            "topic": ["b", "a", "a", "a", "a"],
            "partition": pa.array([0, 1, 0, 1, 0], pa.int32()),
            "offset": pa.array([0, 0, 1, 0, 0], pa.int64()),
            "value": [b"b0", b"a10", b"a01", b"a10-again", b"a00"],
        }
    )
    kept, dropped = ordered(table)
    assert kept["value"].to_pylist() == [b"a00", b"a01", b"a10", b"b0"]
    assert dropped == 1


def test_written_batches_read_back_in_order_with_marks_and_folders(tmp_path):
    """Batches appended out of order are read back per topic in partition/offset order,
    a batch written twice counts as duplicates, the high-water marks are per partition, and
    the files sit in topic/day folders."""
    path = tmp_path / "archive"
    append(path, to_arrow([Rec("pix.t", 1, 0), Rec("pix.t", 0, 2), Rec("pix.dlq", 0, 0)], NOW))
    append(path, to_arrow([Rec("pix.t", 0, 0), Rec("pix.t", 0, 1)], NOW))
    append(path, to_arrow([Rec("pix.t", 0, 1)], NOW))  # a batch re-written after a crash
    rows, dropped = read_topic(path, "pix.t")
    assert list(zip(rows["partition"].to_pylist(), rows["offset"].to_pylist(), strict=True)) == [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
    ]
    assert dropped == 1
    assert high_water_marks(path) == {("pix.t", 0): 2, ("pix.t", 1): 0, ("pix.dlq", 0): 0}
    assert topics_in(path) == ["pix.dlq", "pix.t"]
    assert (path / partition_path("pix.t", date(2025, 3, 1))).is_dir()
    assert high_water_marks(tmp_path / "none") == {}


def test_until_keeps_records_stamped_at_or_before_it(tmp_path):
    """`until` keeps records whose Kafka timestamp is at or before it (across days), and
    leaves out records without a timestamp."""
    path = tmp_path / "archive"
    day = datetime(2025, 3, 1, 10, tzinfo=UTC)
    append(
        path,
        to_arrow(
            [
                Rec("pix.t", 0, 0, ms(day)),
                Rec("pix.t", 0, 1, ms(day + timedelta(hours=1))),
                Rec("pix.t", 0, 2, ms(day + timedelta(days=1))),
                Rec("pix.t", 0, 3, -1),
            ],
            NOW,
        ),
    )
    rows, _ = read_topic(path, "pix.t", until=day + timedelta(hours=1))
    assert rows["offset"].to_pylist() == [0, 1]
    assert read_topic(path, "pix.t")[0].num_rows == 4


def test_compact_merges_small_files_and_keeps_every_row(tmp_path):
    """After many small appends, compaction leaves one file per topic and day and the same
    rows; dropping days before a date deletes exactly their records."""
    path = tmp_path / "archive"
    first = datetime(2025, 3, 1, 10, tzinfo=UTC)
    for i in range(6):
        stamp = ms(first + timedelta(days=i % 2))
        append(
            path, to_arrow([Rec("pix.t", 0, 2 * i, stamp), Rec("pix.t", 0, 2 * i + 1, stamp)], NOW)
        )
    assert stats(path).files == 6
    done = compact(path, vacuum_hours=1)
    assert (done.after.files, done.after.rows) == (2, 12)
    assert read_topic(path, "pix.t")[0]["offset"].to_pylist() == list(range(12))
    assert drop_before(path, date(2025, 3, 2)) == 6
    assert set(read_topic(path, "pix.t")[0]["offset"].to_pylist()) == {2, 3, 6, 7, 10, 11}
    with pytest.raises(RingwatchError, match="at least 1 h"):
        compact(path, vacuum_hours=0)


def test_topic_pattern_matches_every_topic_under_the_prefix_only():
    """The subscription takes the dataset topics, the loader's and the engine's DLQs and the
    alerts of the prefix, and no topic of another prefix."""
    pattern = re.compile(topic_pattern("pix"))
    for name in ("pix.transacoes", "pix.dlq", "pix.decide.dlq", "pix.alertas"):
        assert pattern.match(name)
    for name in ("pixx.dlq", "other.pix.dlq", "pix"):
        assert not pattern.match(name)
    assert not re.compile(topic_pattern("a.b")).match("aXb.dlq")


def test_parse_until_reads_iso_times_as_utc_unless_they_say_otherwise():
    """A date or time without an offset is UTC; an explicit offset is kept; text that is
    not ISO-8601 is one clear error."""
    assert parse_until("2025-03-02") == datetime(2025, 3, 2, tzinfo=UTC)
    brt = parse_until("2025-03-02T09:00:00-03:00")
    assert brt == datetime(2025, 3, 2, 12, tzinfo=UTC)
    with pytest.raises(RingwatchError, match="ISO-8601"):
        parse_until("yesterday")


def test_archived_rows_become_the_stream_loaders_messages(tmp_path):
    """Rows read from the archive turn into stream-loader messages with the same
    coordinates, key, value and millisecond timestamp."""
    path = tmp_path / "archive"
    stamp = ms(datetime(2025, 3, 1, 10, 0, 0, 123000, tzinfo=UTC))
    append(path, to_arrow([Rec("pix.t", 3, 9, stamp, 0, b"id", b'{"a": 1}')], NOW))
    (message,) = to_messages(read_topic(path, "pix.t")[0])
    assert (message.topic, message.partition, message.offset) == ("pix.t", 3, 9)
    assert (message.key, message.value, message.timestamp_ms) == (b"id", b'{"a": 1}', stamp)


def test_a_path_that_cannot_hold_the_archive_is_one_clear_error(tmp_path):
    """Appending where no table can be written (a file) fails with one line naming the path
    and what to check, not a delta-rs traceback."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(RingwatchError, match="Could not append to the archive at .*file"):
        append(blocked, to_arrow([Rec("pix.t", 0, 0)], NOW))
