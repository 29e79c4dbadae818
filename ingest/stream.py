"""The stream loader: Kafka topics -> validated rows -> Neo4j, at least once, idempotently.

A consumer group reads the seven dataset topics. Messages are gathered into batches bounded
by count, bytes and age (``BatchPolicy``). A batch is decoded (JSON object, size limit),
validated with the same ``ingest.validate.validate`` as the bulk loader, bad messages go to
the dead-letter topic with their payload and a reason, good rows are written with the same
``write_rows`` (which links each transfer whose accounts are known), transfers whose keys or
accounts arrived late are linked with ``link_transfers``; only then are the batch's offsets
committed. One writer thread does the Neo4j work while the consumer thread decodes and
validates the next batch (one batch in flight, so batches commit in order). A crash re-reads
only uncommitted messages, and the idempotent writes make that harmless. Neo4j being
unavailable pauses the loader (backoff, same batch) instead of losing or skipping data. Bad
input never stops it.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from graph.gateway import Graph, GraphError
from ingest.kafka_config import MAX_RECORD_BYTES
from ingest.mapping import DataMapping
from ingest.metrics import StreamMetrics
from ingest.topics import Topics
from ingest.validate import validate
from ingest.writer import LOAD_ORDER, link_transfers, records, write_rows

log = logging.getLogger("ringwatch.stream")

# One dataset row is well under 2 KB (validate caps fields at 256 characters); anything over
# 16 KB is not a row and is dead-lettered unread.
MAX_MESSAGE_BYTES = 16_384
# The DLQ keeps a rejected payload whole up to this size, and its head beyond it (the full
# original stays in its source topic at the recorded partition and offset).
DLQ_PAYLOAD_LIMIT = 1_500_000
_DLQ_BUDGET = MAX_RECORD_BYTES - 4096  # room for the record's other fields and Kafka overhead
WRITE_CHUNK = 10_000
PROGRESS_EVERY_S = 10.0
# How long one offset commit or end-offset look-up may wait for an unreachable broker before
# it counts as a failure (and is retried with backoff).
KAFKA_CALL_TIMEOUT_MS = 10_000
_POSITION = "\x00position"  # column that maps validated rows back to their messages


@dataclass(frozen=True)
class Message:
    """A consumed Kafka record, independent of the client library."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None  # when the producer created it (Kafka record timestamp)

    @property
    def size(self) -> int:
        return len(self.value or b"")


@dataclass(frozen=True)
class Rejection:
    """A message that will not reach the graph, and why."""

    message: Message
    cause: str  # oversize | invalid_json | not_object | invalid
    reason: str


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every message (json.loads with an option builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def decode(message: Message, max_bytes: int = MAX_MESSAGE_BYTES) -> dict[str, Any] | Rejection:
    """The message's JSON object, or the reason it cannot be one."""
    if message.value is None:
        return Rejection(message, "invalid_json", "invalid JSON: empty message (no value)")
    if message.size > max_bytes:
        return Rejection(message, "oversize", f"oversize: {message.size} bytes (limit {max_bytes})")
    try:
        obj = _DECODER.decode(message.value.decode("utf-8"))
    except UnicodeDecodeError:
        return Rejection(message, "invalid_json", "invalid JSON: not UTF-8 text")
    except (ValueError, RecursionError) as exc:
        return Rejection(message, "invalid_json", f"invalid JSON: {exc}")
    if not isinstance(obj, dict):
        return Rejection(
            message, "not_object", f"not a JSON object: got {type(obj).__name__} instead"
        )
    return obj


def dlq_record(rejection: Rejection, rejected_at: datetime | None = None) -> bytes:
    """The dead-letter record of a rejection: where it came from, why, and its payload."""
    message = rejection.message
    value = message.value
    payload: str | None
    encoding = "utf-8"
    if value is None:
        payload = None
    else:
        try:
            payload = value.decode("utf-8")
        except UnicodeDecodeError:
            payload, encoding = base64.b64encode(value).decode("ascii"), "base64"
    record: dict[str, Any] = {
        "reason": rejection.reason,
        "cause": rejection.cause,
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "key": None if message.key is None else message.key.decode("utf-8", "backslashreplace"),
        "payload": payload,
        "payload_encoding": encoding,
        "payload_bytes": message.size,
        "payload_truncated": False,
        "rejected_at": (rejected_at or datetime.now(UTC)).isoformat(timespec="milliseconds"),
    }
    if payload is not None and len(payload) > DLQ_PAYLOAD_LIMIT:
        payload = payload[:DLQ_PAYLOAD_LIMIT]
        record.update(payload=payload, payload_truncated=True)
    data = json.dumps(record, ensure_ascii=False).encode("utf-8")
    while len(data) > _DLQ_BUDGET and payload:
        # JSON escaping can make the record longer than the raw text: keep a shorter head.
        payload = payload[: len(payload) // 2]
        record.update(payload=payload, payload_truncated=True)
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
    return data


@dataclass
class BatchPlan:
    """What one batch turns into: rows to write per dataset, and rejections."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    valid: dict[str, int] = field(default_factory=dict)  # topic -> valid messages
    rejections: list[Rejection] = field(default_factory=list)


# Validates one dataset's decoded messages (position in the batch, object): the valid rows
# in order, and (position, reason) of each rejected message.
DatasetValidator = Callable[
    [str, list[tuple[int, dict[str, Any]]]],
    tuple[list[dict[str, Any]], list[tuple[int, str]]],
]


def plan_batch(
    messages: list[Message],
    topics: Topics,
    max_bytes: int = MAX_MESSAGE_BYTES,
    mapping: DataMapping | None = None,
    validator: DatasetValidator | None = None,
) -> BatchPlan:
    """Decode and validate a batch (pure: no I/O), keeping message order within a dataset;
    messages are read through ``mapping`` when given (as ``ringwatch load --mapping`` does).
    ``validator`` replaces ``ingest.validate`` per dataset (the decision engine's
    record-by-record check); decoding, topics and the plan stay the same."""
    if validator is None:

        def validator(
            dataset: str, items: list[tuple[int, dict[str, Any]]]
        ) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
            return _validate_isolating_errors(dataset, items, mapping)

    plan = BatchPlan()
    decoded: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for position, message in enumerate(messages):
        dataset = topics.dataset_of(message.topic)
        if dataset is None:
            plan.rejections.append(
                Rejection(message, "invalid", f"topic {message.topic!r} carries no dataset")
            )
            continue
        result = decode(message, max_bytes)
        if isinstance(result, Rejection):
            plan.rejections.append(result)
        else:
            decoded.setdefault(dataset, []).append((position, result))
    for dataset in LOAD_ORDER:
        items = decoded.get(dataset)
        if not items:
            continue
        valid, rejected = validator(dataset, items)
        for position, reason in rejected:
            plan.rejections.append(Rejection(messages[position], "invalid", reason))
        if valid:
            plan.rows[dataset] = valid
            plan.valid[topics.of(dataset)] = len(valid)
    plan.rejections.sort(key=lambda r: (r.message.topic, r.message.partition, r.message.offset))
    return plan


def _validate_isolating_errors(
    dataset: str, items: list[tuple[int, dict[str, Any]]], mapping: DataMapping | None = None
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Validate decoded messages of one dataset: valid rows in order, and (position, reason)
    of each rejected one. Should ``validate`` itself fail on some input, the batch is split
    in halves until the messages that make it fail are isolated and rejected, so one odd
    message can never stop the loader."""
    frame = pd.DataFrame([obj for _, obj in items])
    frame[_POSITION] = [position for position, _ in items]
    try:
        checked = validate(dataset, frame, mapping)
    except Exception as exc:
        if len(items) == 1:
            return [], [(items[0][0], f"validation failed: {type(exc).__name__}: {exc}")]
        half = len(items) // 2
        first_valid, first_rejected = _validate_isolating_errors(dataset, items[:half], mapping)
        last_valid, last_rejected = _validate_isolating_errors(dataset, items[half:], mapping)
        return first_valid + last_valid, first_rejected + last_rejected
    rejected = list(
        zip(checked.rejected[_POSITION].tolist(), checked.rejected["reason"].tolist(), strict=True)
    )
    return (records(checked.valid) if not checked.valid.empty else []), rejected


def next_offsets(messages: list[Message]) -> dict[tuple[str, int], int]:
    """The offset to commit per (topic, partition): one past the last message of the batch."""
    offsets: dict[tuple[str, int], int] = {}
    for m in messages:
        key = (m.topic, m.partition)
        offsets[key] = max(offsets.get(key, -1), m.offset + 1)
    return offsets


@dataclass(frozen=True)
class BatchPolicy:
    """When a batch is written: at ``max_messages``, ``max_bytes``, or ``max_wait_s`` after
    its first message arrived, whichever comes first."""

    max_messages: int = 5_000
    max_bytes: int = 16 * 1024 * 1024
    max_wait_s: float = 0.25

    def due(self, messages: int, nbytes: int, age_s: float) -> bool:
        if messages == 0:
            return False
        return messages >= self.max_messages or nbytes >= self.max_bytes or age_s >= self.max_wait_s

    def poll_timeout_ms(self, messages: int, age_s: float) -> int:
        """How long the next poll may wait without making a pending batch late (at most
        0.5 s, so a stop request is seen soon even with long batch windows)."""
        if messages == 0:
            return 500
        return max(0, min(500, int((self.max_wait_s - age_s) * 1000)))


@dataclass(frozen=True)
class Backoff:
    """Delays between retries of a batch while Neo4j is unavailable (no limit on attempts:
    the batch is never dropped)."""

    first_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0

    def delays(self) -> Iterator[float]:
        delay = self.first_s
        while True:
            yield delay
            delay = min(delay * self.factor, self.max_s)


def commit_offsets(consumer: Any, batch: list[Message], timeout_ms: int | None = None) -> None:
    """Commit the offsets after ``batch``. A commit refused because the group rebalanced (or
    the broker restarted and forgot this member) is logged, not raised: the batch is already
    written, and its new owner re-reads it (the writes are idempotent, so that is harmless).
    Errors of an unreachable broker are raised (``kafka_retriable`` says which)."""
    from kafka.errors import (
        CommitFailedError,
        IllegalGenerationError,
        RebalanceInProgressError,
        UnknownMemberIdError,
    )
    from kafka.structs import OffsetAndMetadata, TopicPartition

    offsets = {
        TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)
        for (topic, partition), offset in next_offsets(batch).items()
    }
    refused = (
        CommitFailedError,
        RebalanceInProgressError,
        UnknownMemberIdError,
        IllegalGenerationError,
    )
    try:
        consumer.commit(offsets, **({} if timeout_ms is None else {"timeout_ms": timeout_ms}))
    except refused as exc:
        log.warning("offset commit refused after a rebalance (%s); batch will be re-read", exc)


def kafka_retriable(exc: BaseException) -> bool:
    """True when ``exc`` says the Kafka broker is unreachable or busy for now (a retry can
    succeed): connection errors, timeouts, no coordinator, no broker."""
    from kafka.errors import KafkaError

    return isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))


class BrokerWatch:
    """Whether the Kafka broker answered the loader's last call: one log line when it stops
    answering and one when it is back (not one per retry), and the ``kafka_up``,
    ``kafka_outages`` and ``kafka_retries`` metrics."""

    def __init__(self, metrics: StreamMetrics, clock: Callable[[], float]) -> None:
        self.metrics, self.clock = metrics, clock
        self.up = True
        self.down_since = 0.0
        self.metrics.kafka_up.set(1)

    def failed(self, operation: str, exc: BaseException) -> None:
        self.metrics.kafka_retries.labels(operation).inc()
        if not self.up:
            return
        self.up, self.down_since = False, self.clock()
        self.metrics.kafka_up.set(0)
        self.metrics.kafka_outages.inc()
        log.warning(
            "Kafka unavailable (%s failed: %s: %s); retrying with backoff, committing nothing "
            "until it is back",
            operation,
            type(exc).__name__,
            exc,
        )

    def ok(self) -> None:
        if self.up:
            return
        self.up = True
        self.metrics.kafka_up.set(1)
        log.warning("Kafka available again after %.1f s", self.clock() - self.down_since)


class KafkaReachabilityFilter(logging.Filter):
    """Drops kafka-python's own log lines about an unreachable broker (one or more per
    reconnect attempt): ``BrokerWatch`` reports the outage once, when it starts and ends.
    Install it on the log handlers; other kafka-python warnings pass."""

    NOISE = re.compile(
        r"ECONNREFUSED|KafkaConnectionError|No node available|Connection (failed|lost)|"
        r"socket disconnected|NodeNotReady|"
        r"Coordinator.*(unknown|not available|dead)|Heartbeat.*fail",
        re.I,
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("kafka"):
            return True
        return not self.NOISE.search(record.getMessage())


@dataclass(frozen=True)
class _Unsent:
    """A dead-letter record the producer would not even take (broker unreachable)."""

    exception: BaseException

    def failed(self) -> bool:
        return True


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` says Neo4j is unavailable for now (the gateway's ``transient``)."""
    return isinstance(exc, GraphError) and exc.transient


class Abandoned(Exception):
    """A stop was requested while a batch could not be written; its offsets stay uncommitted."""


@dataclass
class StreamReport:
    consumed: int = 0
    written: int = 0
    rejected: int = 0
    batches: int = 0
    linked: int = 0
    first_message_at: float | None = None
    last_commit_at: float | None = None

    @property
    def active_seconds(self) -> float:
        """From the first message received to the last offset commit."""
        if self.first_message_at is None or self.last_commit_at is None:
            return 0.0
        return self.last_commit_at - self.first_message_at


@dataclass
class _InFlight:
    """A batch handed to the writer thread, not committed yet."""

    future: Future[int]
    batch: list[Message]
    plan: BatchPlan
    dead: list[Any]  # producer futures of its dead-letter records
    started: float


def open_consumer(bootstrap: str, group: str, topics: Topics, **overrides: Any) -> Any:
    """A ``KafkaConsumer`` with ringwatch's declared configuration (auto-commit off) that
    already knows the partitions of ``topics`` (so its first group join assigns them all)."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    from ingest.kafka_config import consumer_config
    from ringwatch.errors import RingwatchError

    try:
        consumer = KafkaConsumer(**consumer_config(bootstrap, group, **overrides))
        for topic in topics.data:
            consumer.partitions_for_topic(topic)
    except KafkaError as exc:
        raise RingwatchError(
            f"Kafka consumer could not start at {bootstrap} ({exc}): start the local stack "
            "with `ringwatch stack up` or check KAFKA_BOOTSTRAP_SERVERS."
        ) from None
    return consumer


class StreamLoader:
    """Consumes the dataset topics into Neo4j; see the module docstring for the guarantees.

    ``consumer`` and ``producer`` are kafka-python ``KafkaConsumer``/``KafkaProducer`` (or
    fakes with the same methods); the consumer must have auto-commit off. With ``mapping``,
    messages are read as ``ringwatch load --mapping`` reads files.
    """

    def __init__(
        self,
        gateway: Graph,
        consumer: Any,
        producer: Any,
        topics: Topics,
        policy: BatchPolicy | None = None,
        metrics: StreamMetrics | None = None,
        backoff: Backoff | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        clock: Callable[[], float] = time.monotonic,
        mapping: DataMapping | None = None,
    ) -> None:
        self.gateway, self.consumer, self.producer = gateway, consumer, producer
        self.mapping = mapping
        self.topics = topics
        self.policy = policy or BatchPolicy()
        self.metrics = metrics or StreamMetrics()
        self.backoff = backoff or Backoff()
        self.max_message_bytes = max_message_bytes
        self.clock = clock
        self.report = StreamReport()
        self._pending: list[Message] = []
        self._pending_bytes = 0
        self._pending_since = 0.0  # our clock, when the batch's first message arrived
        self._oldest_event = float("inf")  # wall clock, oldest producer timestamp in the batch
        self._stopping = threading.Event()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="ringwatch-writer")
        self._in_flight: _InFlight | None = None
        self.broker = BrokerWatch(self.metrics, clock)
        self._poll_delays = self.backoff.delays()

    def stop(self) -> None:
        """Finish the current batch, commit it and return from ``run`` (signal-safe)."""
        self._stopping.set()

    def run(self, until_idle: float | None = None) -> StreamReport:
        """Consume until ``stop()`` is called or, with ``until_idle``, until no message has
        arrived for that many seconds while this loader owned partitions and had read each
        of them to its end. Kafka or Neo4j being unreachable never ends the run: the loader
        retries with backoff. A loader runs once."""
        # No rebalance listener: kafka-python 3 runs listeners on its IO thread, where a commit
        # cannot block. A batch whose partitions moved is refused at commit and re-read by
        # their new owner (see _commit), which the idempotent writes make harmless.
        self.consumer.subscribe(self.topics.data)
        self._with_retry(lambda: link_transfers(self.gateway))  # finish a crashed run's links
        idle_since = last_log = self.clock()
        assigned = False
        try:
            while not self._stopping.is_set():
                received = self._poll()
                if self._in_flight is not None and self._in_flight.future.done():
                    self._settle()  # commit as soon as the write is done
                now = self.clock()
                if received or (not assigned and self.consumer.assignment()):
                    assigned, idle_since = True, now  # idle time counts once we own partitions
                if self.policy.due(len(self._pending), self._pending_bytes, self._age(now)):
                    self._flush()
                if now - last_log >= PROGRESS_EVERY_S:
                    last_log = now
                    self._log_progress()
                idle = (
                    assigned
                    and not received
                    and not self._pending
                    and self._in_flight is None
                    and now - idle_since >= (until_idle or 0)
                )
                if until_idle is not None and idle:
                    if self._caught_up():
                        break
                    idle_since = self.clock()  # more to read, or Kafka did not answer
            self._flush()
            self._settle()
        except Abandoned as exc:
            log.warning("%s", exc)
        finally:
            # After an error, what is pending or in flight stays uncommitted: it will be read
            # again. The writer finishes (or abandons) its batch before the consumer closes.
            self._pending, self._pending_bytes, self._in_flight = [], 0, None
            self._stopping.set()
            self._writer.shutdown(wait=True)
            self.consumer.close(autocommit=False)
            self.producer.flush()
        return self.report

    def _poll(self) -> int:
        """One poll, bounded so a pending batch is never late; returns messages received.
        A poll that fails because Kafka is unreachable is retried later (backoff)."""
        age = self._age(self.clock())
        try:
            polled = self.consumer.poll(
                timeout_ms=self.policy.poll_timeout_ms(len(self._pending), age)
            )
        except Exception as exc:
            if not kafka_retriable(exc):
                raise
            self.broker.failed("poll", exc)
            self._stopping.wait(next(self._poll_delays))
            return 0
        if polled:
            self.broker.ok()
            self._poll_delays = self.backoff.delays()
        now = self.clock()
        received = 0
        for tp, batch in polled.items():
            for r in batch:
                message = Message(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
                self._add(message, now)
            self.metrics.consumed.labels(tp.topic).inc(len(batch))
            received += len(batch)
        return received

    def _caught_up(self) -> bool:
        """True when this loader owns partitions and its position is at the end of each
        (asked of the broker; False when it does not answer)."""
        partitions = list(self.consumer.assignment())
        if not partitions:
            return False
        try:
            ends = self.consumer.end_offsets(partitions, timeout_ms=KAFKA_CALL_TIMEOUT_MS)
            behind = [
                tp
                for tp, end in ends.items()
                if self.consumer.position(tp, timeout_ms=KAFKA_CALL_TIMEOUT_MS) < end
            ]
        except Exception as exc:
            if not kafka_retriable(exc):
                raise
            self.broker.failed("end offsets", exc)
            return False
        self.broker.ok()
        return not behind

    def _age(self, now: float) -> float:
        """How long the pending batch has waited: since its first message arrived here, or
        since the oldest one was produced if that is longer (messages that queued in Kafka
        while the previous batch was being written are not held another full wait)."""
        if not self._pending:
            return 0.0
        return max(now - self._pending_since, time.time() - self._oldest_event)

    def _log_progress(self) -> None:
        r = self.report
        log.info(
            "consumed %d, written %d, rejected %d, batches %d",
            r.consumed,
            r.written,
            r.rejected,
            r.batches,
        )

    def _add(self, message: Message, now: float) -> None:
        if not self._pending:
            self._pending_since, self._oldest_event = now, float("inf")
        if message.timestamp_ms is not None and message.timestamp_ms > 0:
            self._oldest_event = min(self._oldest_event, message.timestamp_ms / 1000)
        if self.report.first_message_at is None:
            self.report.first_message_at = now
        self._pending.append(message)
        self._pending_bytes += message.size
        self.report.consumed += 1

    def _flush(self) -> None:
        """Plan the pending batch and hand it to the writer thread.

        Decoding and validating this batch overlap with the Neo4j write of the previous one;
        at most one batch is in flight, so batches are written and committed in order.
        """
        if not self._pending:
            return
        batch, self._pending, self._pending_bytes = self._pending, [], 0
        started = self.clock()
        plan = plan_batch(batch, self.topics, self.max_message_bytes, self.mapping)
        dead = [self._send_dead_letter(r) for r in plan.rejections]
        self._settle()
        future = self._writer.submit(self._with_retry, lambda: self._write(plan))
        self._in_flight = _InFlight(future, batch, plan, dead, started)

    def _send_dead_letter(self, rejection: Rejection) -> Any:
        """The producer's future of the rejection's DLQ record (``_Unsent`` when the producer
        could not take it because Kafka is unreachable)."""
        try:
            return self.producer.send(
                self.topics.dlq, value=dlq_record(rejection), key=rejection.message.key
            )
        except Exception as exc:
            if not kafka_retriable(exc):
                raise
            return _Unsent(exc)

    def _deliver_dead_letters(self, flight: _InFlight) -> None:
        """Wait until Kafka has every DLQ record of the batch, sending again (with backoff)
        the ones an unreachable broker did not take. A record Kafka refuses for another
        reason stops the loader: without it, a message would be lost."""
        pending = list(zip(flight.plan.rejections, flight.dead, strict=True))
        delays = self.backoff.delays()
        while True:
            self.producer.flush()
            failed = [(r, f) for r, f in pending if getattr(f, "failed", lambda: False)()]
            if not failed:
                if pending:
                    self.broker.ok()
                return
            refused = [f for _, f in failed if not kafka_retriable(f.exception)]
            if refused:
                raise RuntimeError(
                    f"Kafka refused {len(refused)} dead-letter records "
                    f"({refused[0].exception!r}); nothing of this batch was committed."
                )
            self.broker.failed("dead-letter", failed[0][1].exception)
            if self._stopping.is_set():
                raise Abandoned(
                    "Stopped while Kafka was unavailable: a batch's dead-letter records were "
                    "not all delivered, so its offsets were not committed; it will be read again."
                )
            self._stopping.wait(next(delays))
            pending = [(r, self._send_dead_letter(r)) for r, _ in failed]

    def _commit(self, batch: list[Message]) -> None:
        """Commit the batch's offsets, retrying with backoff while Kafka is unreachable. On a
        stop request during an outage it gives up: the batch is written, so reading it again
        changes nothing."""
        delays = self.backoff.delays()
        while True:
            try:
                commit_offsets(self.consumer, batch, timeout_ms=KAFKA_CALL_TIMEOUT_MS)
                self.broker.ok()
                return
            except Exception as exc:
                if not kafka_retriable(exc):
                    raise
                self.broker.failed("commit", exc)
            if self._stopping.is_set():
                log.warning(
                    "stopping while Kafka is unavailable: the last batch is written but its "
                    "offsets are not committed; it will be read again (harmless)"
                )
                return
            self._stopping.wait(next(delays))

    def _settle(self) -> None:
        """Wait for the batch in flight; once Neo4j and the DLQ have it, commit its offsets."""
        flight, self._in_flight = self._in_flight, None
        if flight is None:
            return
        try:
            linked = flight.future.result()
        except Abandoned:
            raise Abandoned(
                f"Stopped while Neo4j was unavailable: a batch of {len(flight.batch)} messages "
                "was not written and its offsets were not committed; it will be read again."
            ) from None
        if flight.dead:
            self._deliver_dead_letters(flight)
        self._commit(flight.batch)
        self._account(flight, linked)

    def _account(self, flight: _InFlight, linked: int) -> None:
        plan, report = flight.plan, self.report
        written = sum(plan.valid.values())
        report.batches += 1
        report.linked += linked
        report.written += written
        report.rejected += len(plan.rejections)
        report.last_commit_at = self.clock()
        for topic, count in plan.valid.items():
            self.metrics.written.labels(topic).inc(count)
        for r in plan.rejections:
            self.metrics.rejected.labels(r.message.topic, r.cause).inc()
        self.metrics.linked.inc(linked)
        self.metrics.batch_messages.observe(len(flight.batch))
        self.metrics.batch_seconds.observe(report.last_commit_at - flight.started)
        self._update_lag()
        log.debug(
            "batch of %d: %d written, %d rejected, %d linked",
            len(flight.batch),
            written,
            len(plan.rejections),
            linked,
        )

    def _write(self, plan: BatchPlan) -> int:
        linked = 0
        for dataset, rows in plan.rows.items():
            for start in range(0, len(rows), WRITE_CHUNK):
                linked += write_rows(self.gateway, dataset, rows[start : start + WRITE_CHUNK])
        return linked + link_transfers(self.gateway)

    def _with_retry(self, action: Callable[[], Any]) -> Any:
        delays = self.backoff.delays()
        while True:
            try:
                return action()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if self._stopping.is_set():
                    raise Abandoned(str(exc)) from exc
                delay = next(delays)
                self.metrics.retries.inc()
                log.warning("Neo4j unavailable (%s); retrying the batch in %.1f s", exc, delay)
                self._stopping.wait(delay)

    def _update_lag(self) -> None:
        try:
            for tp in self.consumer.assignment():
                high = self.consumer.highwater(tp)
                if high is not None:
                    lag = max(0, high - self.consumer.position(tp))
                    self.metrics.lag.labels(tp.topic, str(tp.partition)).set(lag)
        except Exception as exc:  # lag is informative only; never fail a batch over it
            log.debug("consumer lag unavailable: %s", exc)
