"""`ringwatch archive`: every raw message of every ``<prefix>.*`` topic into the Delta table.

Its own consumer group subscribes to the pattern ``^<prefix>\\.`` (the dataset topics, the
dead-letter topics, the alerts: whatever exists under the prefix) and gathers records into
large batches (``ArchivePolicy``: N messages, bytes or T seconds). A batch is appended to the
table in one Delta commit, and only then are its offsets committed: at least once. Records
whose offset is at or below the highest one already archived for their partition are
skipped (the marks are read from the table at start and when partitions are assigned), so
a batch written just before a crash is not written again when it is re-read.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive import table
from archive.table import Coordinate, KafkaRecord
from ingest.stream import BatchPolicy, Message, commit_offsets

log = logging.getLogger("ringwatch.archive")
PROGRESS_EVERY_S = 10.0


@dataclass(frozen=True)
class ArchivePolicy(BatchPolicy):
    """The stream loader's batch policy with archive-sized defaults. Large on purpose: every
    batch is one Delta commit and about one Parquet file per topic and day (the small-file
    problem)."""

    max_messages: int = 50_000
    max_bytes: int = 64 * 1024 * 1024
    max_wait_s: float = 30.0


def topic_pattern(prefix: str) -> str:
    """The subscription pattern of every topic under ``prefix``."""
    return f"^{re.escape(prefix)}\\."


@dataclass
class ArchiveReport:
    consumed: int = 0
    archived: int = 0
    skipped: int = 0  # already in the table (re-read after a crash or a rebalance)
    batches: int = 0
    topics: dict[str, int] = field(default_factory=dict)  # archived per topic
    first_message_at: float | None = None
    last_commit_at: float | None = None

    @property
    def active_seconds(self) -> float:
        """From the first record received to the last offset commit."""
        if self.first_message_at is None or self.last_commit_at is None:
            return 0.0
        return self.last_commit_at - self.first_message_at


class Archiver:
    """Consumes every topic under ``prefix`` into the Delta table at ``path``.

    ``consumer`` is a kafka-python ``KafkaConsumer`` with auto-commit off (or a fake with
    ``subscribe``, ``poll``, ``assignment``, ``commit`` and ``close``).
    """

    def __init__(
        self,
        consumer: Any,
        path: Path,
        prefix: str,
        policy: ArchivePolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.consumer, self.path, self.prefix = consumer, path, prefix
        self.policy = policy or ArchivePolicy()
        self.clock = clock
        self.report = ArchiveReport()
        self._high_water: dict[Coordinate, int] = {}
        self._assigned: set[Any] = set()
        self._pending: list[KafkaRecord] = []  # records to write
        self._pending_bytes = 0
        self._pending_since = 0.0  # when the first record since the last commit arrived
        # Last offset consumed per partition since the last commit, skipped records included:
        # a partition whose re-read records were all archived already must still move on.
        self._positions: dict[Coordinate, int] = {}
        self._uncommitted = 0
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Write and commit the pending batch, then return from ``run`` (signal-safe)."""
        self._stopping.set()

    def run(self, until_idle: float | None = None) -> ArchiveReport:
        """Archive until ``stop()`` or, with ``until_idle``, until no record has arrived
        for that many seconds (once partitions are assigned). An archiver runs once."""
        self._high_water = table.high_water_marks(self.path)
        self.consumer.subscribe(pattern=topic_pattern(self.prefix))
        idle_since = last_log = self.clock()
        try:
            while not self._stopping.is_set():
                received = self._poll()
                now = self.clock()
                if received or self._assignment_changed():
                    idle_since = now
                age = now - self._pending_since
                if self.policy.due(self._uncommitted, self._pending_bytes, age):
                    self._flush()
                if now - last_log >= PROGRESS_EVERY_S:
                    last_log = now
                    self._log_progress()
                idle = not self._uncommitted and now - idle_since >= (until_idle or 0)
                if until_idle is not None and idle and self._assigned:
                    break
            self._flush()
        finally:
            # Whatever was not written stays uncommitted: it will be read again.
            self._pending, self._pending_bytes, self._uncommitted = [], 0, 0
            self.consumer.close(autocommit=False)
        return self.report

    def _poll(self) -> int:
        age = self.clock() - self._pending_since if self._uncommitted else 0.0
        polled = self.consumer.poll(timeout_ms=self.policy.poll_timeout_ms(self._uncommitted, age))
        received = 0
        for records in polled.values():
            if not records:
                continue
            if not self._uncommitted:
                self._pending_since = self.clock()
            received += len(records)
            self._uncommitted += len(records)
            last = records[-1]
            self._positions[(last.topic, last.partition)] = last.offset
            kept, skipped = table.fresh(records, self._high_water)
            self.report.skipped += skipped
            self._pending.extend(kept)
            self._pending_bytes += sum(len(r.value or b"") + len(r.key or b"") for r in kept)
        if received and self.report.first_message_at is None:
            self.report.first_message_at = self.clock()
        self.report.consumed += received
        return received

    def _assignment_changed(self) -> bool:
        """True when partitions were newly assigned; their marks are then read again from
        the table, which another member of the group may have written meanwhile."""
        assigned = set(self.consumer.assignment())
        new = assigned - self._assigned
        self._assigned = assigned
        if new and self.report.consumed > 0:
            for where, offset in table.high_water_marks(self.path).items():
                if offset > self._high_water.get(where, -1):
                    self._high_water[where] = offset
        return bool(new)

    def _flush(self) -> None:
        """Append the pending records in one Delta commit, then commit the offsets of every
        record consumed since the last commit (skipped ones included)."""
        if not self._uncommitted:
            return
        batch, positions = self._pending, self._positions
        if batch:
            table.append(self.path, table.to_arrow(batch, datetime.now(UTC)))
        commit_offsets(
            self.consumer, [Message(t, p, o, None, None) for (t, p), o in positions.items()]
        )
        self._pending, self._pending_bytes, self._positions, self._uncommitted = [], 0, {}, 0
        report = self.report
        report.batches += 1 if batch else 0
        report.archived += len(batch)
        report.last_commit_at = self.clock()
        for r in batch:
            report.topics[r.topic] = report.topics.get(r.topic, 0) + 1
        log.debug(
            "batch of %d archived, offsets of %d partitions committed", len(batch), len(positions)
        )

    def _log_progress(self) -> None:
        r = self.report
        rate = r.archived / r.active_seconds if r.active_seconds else 0.0
        log.info(
            "consumed %d, archived %d, skipped %d (already archived), batches %d, %.0f msg/s",
            r.consumed,
            r.archived,
            r.skipped,
            r.batches,
            rate,
        )


def open_archive_consumer(
    bootstrap: str, group: str, batch_size: int, instance_id: str | None = None
) -> Any:
    """A ``KafkaConsumer`` with ringwatch's declared configuration (auto-commit off)."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    from ingest.kafka_config import consumer_config
    from ringwatch.errors import RingwatchError

    try:
        return KafkaConsumer(
            **consumer_config(
                bootstrap,
                group,
                client_id="ringwatch-archive",
                max_poll_records=min(batch_size, 50_000),
                group_instance_id=instance_id,
            )
        )
    except KafkaError as exc:
        raise RingwatchError(
            f"Kafka consumer could not start at {bootstrap} ({exc}): start the local stack "
            "with `ringwatch stack up` or check KAFKA_BOOTSTRAP_SERVERS."
        ) from None
