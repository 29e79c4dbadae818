"""The archiver's loop with a hand-written fake consumer: a batch is in the Delta table before
its offsets are committed, records already archived are skipped, batches close on size or
age, and a stop writes the pending batch (a Delta table in a temporary folder, no Kafka)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.archiver import ArchivePolicy, Archiver
from archive.table import append, high_water_marks, read_topic, stats, to_arrow
from tests.unit.test_archive_table import NOW, Rec

TP = namedtuple("TP", "topic partition")


@dataclass
class FakeConsumer:
    """Serves queued polls and records what was committed, and how many rows the archive held
    at that moment."""

    path: Path
    polls: list[list[Rec]]
    archiver: Archiver | None = None
    stop_after: int | None = None
    commits: list[tuple[dict[tuple[str, int], int], int]] = field(default_factory=list)
    subscribed: str | None = None
    closed: bool = False
    polled: int = 0

    def subscribe(self, pattern: str) -> None:
        self.subscribed = pattern

    def poll(self, timeout_ms: int) -> dict[Any, list[Rec]]:
        self.polled += 1
        if self.stop_after is not None and self.polled > self.stop_after and self.archiver:
            self.archiver.stop()
        records = self.polls.pop(0) if self.polls else []
        grouped: dict[Any, list[Rec]] = {}
        for r in records:
            grouped.setdefault(TP(r.topic, r.partition), []).append(r)
        return grouped

    def assignment(self) -> set[Any]:
        return {TP("pix.t", 0), TP("pix.t", 1)}

    def commit(self, offsets: dict[Any, Any]) -> None:
        held = stats(self.path).rows if (self.path / "_delta_log").exists() else 0
        self.commits.append(
            ({(tp.topic, tp.partition): o.offset for tp, o in offsets.items()}, held)
        )

    def close(self, autocommit: bool = True) -> None:
        assert autocommit is False
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 0.1
        return self.now


def test_batches_are_written_before_their_offsets_are_committed(tmp_path):
    """Each batch of max_messages is in the table when its offsets (one past the last record
    of each partition) are committed; the rest is written at the end of the run."""
    path = tmp_path / "archive"
    polls = [[Rec("pix.t", 0, i) for i in range(3)], [Rec("pix.t", 1, 0), Rec("pix.t", 0, 3)]]
    consumer = FakeConsumer(path, polls)
    report = Archiver(consumer, path, "pix", ArchivePolicy(max_messages=3), Clock()).run(
        until_idle=1
    )
    assert consumer.subscribed == r"^pix\."
    assert consumer.commits == [({("pix.t", 0): 3}, 3), ({("pix.t", 1): 1, ("pix.t", 0): 4}, 5)]
    assert (report.archived, report.batches, report.skipped) == (5, 2, 0)
    assert consumer.closed


def test_records_already_in_the_table_are_skipped_on_restart(tmp_path):
    """A restarted archiver re-reads a batch that was written but not committed: those
    records are skipped (marks read from the table), later ones archived, each once."""
    path = tmp_path / "archive"
    append(path, to_arrow([Rec("pix.t", 0, i) for i in range(4)], NOW))
    polls = [[Rec("pix.t", 0, i) for i in range(2, 7)]]
    consumer = FakeConsumer(path, polls)
    report = Archiver(consumer, path, "pix", ArchivePolicy(max_wait_s=0.5), Clock()).run(
        until_idle=1
    )
    assert (report.consumed, report.skipped, report.archived) == (5, 2, 3)
    assert read_topic(path, "pix.t")[0]["offset"].to_pylist() == list(range(7))
    assert read_topic(path, "pix.t")[1] == 0
    assert high_water_marks(path) == {("pix.t", 0): 6}
    assert consumer.commits[-1][0] == {("pix.t", 0): 7}


def test_offsets_of_records_all_archived_already_are_committed_without_a_write(tmp_path):
    """When everything re-read is already archived (killed between the Delta commit and the
    offset commit), the offsets still move past it and the table gets no new version."""
    path = tmp_path / "archive"
    append(path, to_arrow([Rec("pix.t", 1, i) for i in range(3)], NOW))
    consumer = FakeConsumer(path, [[Rec("pix.t", 1, i) for i in range(3)]])
    report = Archiver(consumer, path, "pix", ArchivePolicy(max_wait_s=0.5), Clock()).run(
        until_idle=1
    )
    assert consumer.commits == [({("pix.t", 1): 3}, 3)]
    assert (report.archived, report.skipped, report.batches) == (0, 3, 0)
    assert stats(path).version == 0


def test_a_batch_closes_when_its_first_record_is_old_enough(tmp_path):
    """Below max_messages, a batch is written once max_wait_s has passed since its first
    record arrived, while the run goes on."""
    path = tmp_path / "archive"
    polls = [[Rec("pix.t", 0, 0)], [], [], [], [], [], [Rec("pix.t", 0, 1)]]
    consumer = FakeConsumer(path, polls)
    report = Archiver(
        consumer, path, "pix", ArchivePolicy(max_messages=100, max_wait_s=0.35), Clock()
    ).run(until_idle=0.5)
    assert [c[0] for c in consumer.commits] == [{("pix.t", 0): 1}, {("pix.t", 0): 2}]
    assert report.batches == 2


def test_stop_writes_and_commits_the_pending_batch(tmp_path):
    """A stop (SIGTERM) ends the run after writing and committing what is pending."""
    path = tmp_path / "archive"
    polls = [[Rec("pix.t", 0, i) for i in range(5)]] + [[] for _ in range(50)]
    consumer = FakeConsumer(path, polls, stop_after=2)
    archiver = Archiver(consumer, path, "pix", ArchivePolicy(max_wait_s=60), Clock())
    consumer.archiver = archiver
    report = archiver.run()
    assert report.archived == 5
    assert consumer.commits == [({("pix.t", 0): 5}, 5)]


def test_policy_closes_on_count_bytes_or_age_and_bounds_the_poll():
    """A batch is due at max_messages, max_bytes or max_wait_s; an empty one never; a poll
    never waits past a pending batch's deadline nor more than half a second."""
    policy = ArchivePolicy(max_messages=10, max_bytes=100, max_wait_s=2.0)
    assert not policy.due(0, 0, 99)
    assert policy.due(10, 0, 0) and policy.due(1, 100, 0) and policy.due(1, 0, 2.0)
    assert not policy.due(9, 99, 1.9)
    assert policy.poll_timeout_ms(0, 0) == 500
    assert policy.poll_timeout_ms(3, 1.75) == 250
    assert policy.poll_timeout_ms(3, 0) == 500
    assert policy.poll_timeout_ms(3, 3.0) == 0
