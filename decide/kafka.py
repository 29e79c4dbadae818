"""The decision engine's Kafka clients: what ``decide.runner`` asks of a consumer and a
producer, with two implementations.

- ``confluent`` (the default): confluent-kafka, whose librdkafka (bundled in its wheel)
  fetches, parses and batches records in C threads. kafka-python parsed every record in
  Python and ran its own sender and heartbeat threads under the GIL: about half of the
  engine process's CPU at scale 20 (docs/benchmarks.md, decision engine).
- ``kafka-python``: the loader's client, as the engine used it before (kept for comparison
  and as a fallback: ``ringwatch decide --kafka-client kafka-python``).

Both are built from the one declared configuration (``ingest.kafka_config``: the loader's
keys, and any security keys added there) plus the engine's overrides. For librdkafka each
key is translated to its own name (``LIBRDKAFKA_NAMES``); a declared key with no
translation is an error, so a setting added for the loader (TLS, SASL) cannot silently be
missing from the engine.

The engine's guarantees do not depend on the client: it commits offsets only once Kafka has
acknowledged the batch's alert records and Neo4j its Alert nodes (``decide.alerts``).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from decide.alerts import RetryOffsets
from ingest.kafka_config import consumer_config, producer_config
from ingest.stream import Message
from ingest.topics import Topics
from ringwatch.errors import RingwatchError

log = logging.getLogger("ringwatch.decide")
CLIENTS = ("confluent", "kafka-python")

# kafka-python keyword -> librdkafka property (None: no librdkafka equivalent, not passed).
LIBRDKAFKA_NAMES: dict[str, str | None] = {
    "bootstrap_servers": "bootstrap.servers",
    "client_id": "client.id",
    "group_id": "group.id",
    "group_instance_id": "group.instance.id",
    "auto_offset_reset": "auto.offset.reset",
    "enable_auto_commit": "enable.auto.commit",
    "allow_auto_create_topics": "allow.auto.create.topics",
    "fetch_max_bytes": "fetch.max.bytes",
    "max_partition_fetch_bytes": "max.partition.fetch.bytes",
    "fetch_max_wait_ms": "fetch.wait.max.ms",
    "max_poll_interval_ms": "max.poll.interval.ms",
    "session_timeout_ms": "session.timeout.ms",
    "metadata_max_age_ms": "topic.metadata.refresh.interval.ms",
    "check_crcs": "check.crcs",
    "max_poll_records": None,  # the engine's consume(num_messages=...)
    "metrics_enabled": None,  # librdkafka keeps no statistics unless statistics.interval.ms
    "acks": "acks",
    "enable_idempotence": "enable.idempotence",
    "linger_ms": "linger.ms",
    "batch_size": "batch.size",
    "max_request_size": "message.max.bytes",
    "request_timeout_ms": "request.timeout.ms",
    "retry_backoff_ms": "retry.backoff.ms",
    "connections_max_idle_ms": "connections.max.idle.ms",
    # security (none is declared today; see docs/scaling.md)
    "security_protocol": "security.protocol",
    "sasl_mechanism": "sasl.mechanism",
    "sasl_plain_username": "sasl.username",
    "sasl_plain_password": "sasl.password",
    "sasl_kerberos_service_name": "sasl.kerberos.service.name",
    "ssl_cafile": "ssl.ca.location",
    "ssl_certfile": "ssl.certificate.location",
    "ssl_keyfile": "ssl.key.location",
    "ssl_password": "ssl.key.password",
    "ssl_crlfile": "ssl.crl.location",
    "ssl_ciphers": "ssl.cipher.suites",
}
# Properties librdkafka accepts only on one side (it warns about the others).
_CONSUMER_ONLY = {"allow.auto.create.topics", "group.id", "group.instance.id"}

# The engine's own librdkafka settings, beyond the translated declared ones.
ENGINE_LIBRDKAFKA: dict[str, Any] = {
    # Small records, sent as soon as they are decided: no Nagle delay on the sockets.
    "socket.nagle.disable": True,
}


def librdkafka_config(kafka_python: dict[str, Any], consumer: bool) -> dict[str, Any]:
    """``kafka_python`` (keyword arguments for a kafka-python client) as librdkafka
    properties; a key with no translation is an error that names it."""
    unknown = sorted(k for k in kafka_python if k not in LIBRDKAFKA_NAMES)
    if unknown:
        raise RingwatchError(
            f"Kafka option(s) {', '.join(unknown)} have no librdkafka name for the decision "
            "engine's client: add them to decide/kafka.py's LIBRDKAFKA_NAMES, or run "
            "`ringwatch decide --kafka-client kafka-python`."
        )
    config: dict[str, Any] = {}
    for key, value in kafka_python.items():
        name = LIBRDKAFKA_NAMES[key]
        if name is None or value is None or (not consumer and name in _CONSUMER_ONLY):
            continue
        if key == "bootstrap_servers" and not isinstance(value, str):
            value = ",".join(value)
        config[name] = value
    return {**config, **ENGINE_LIBRDKAFKA}


class Delivery(Protocol):
    """A record handed to the producer: done once Kafka answered (ok or not)."""

    is_done: bool
    exception: BaseException | None

    def failed(self) -> bool: ...

    def add_both(self, callback: Callable[..., Any]) -> Any: ...


class EngineConsumer(Protocol):
    """What the engine's loop asks of its consumer (auto-commit off)."""

    def subscribe(self, topics: list[str]) -> None: ...

    def poll_messages(self, timeout_s: float) -> list[Message]: ...

    def assigned(self) -> bool: ...

    def commit_offsets(
        self, offsets: dict[tuple[str, int], int], *, wait: bool, retry: RetryOffsets
    ) -> None:
        """Commit the next offsets per (topic, partition). ``wait``: wait for the broker;
        else its answer comes later, and offsets refused for a passing reason go to
        ``retry``. Refused after a rebalance: logged and dropped (the partition's new owner
        re-reads those batches)."""

    def lags(self) -> dict[tuple[str, int], int]: ...

    def close(self) -> None: ...


class EngineProducer(Protocol):
    def send(self, topic: str, value: bytes, key: bytes | None) -> Delivery: ...

    def serve(self) -> None:
        """Hand Kafka's answers that have arrived to their deliveries (without waiting)."""

    def flush(self) -> None: ...

    def close(self) -> None: ...


# ----------------------------------------------------------------------------- confluent


class OncePer(logging.Filter):
    """Lets each kind of message (its text without numbers) through once per
    ``seconds``."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.seconds, self.clock = seconds, clock
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = re.sub(r"\d+", "#", record.getMessage())
        now = self.clock()
        if now - self._last.get(kind, float("-inf")) < self.seconds:
            return False
        self._last[kind] = now
        if len(self._last) > 1_000:  # kinds are few; never grow without bound
            self._last.clear()
        return True


def librdkafka_logger() -> logging.Logger:
    logger = logging.getLogger("ringwatch.decide.kafka")
    if not any(isinstance(f, OncePer) for f in logger.filters):
        logger.addFilter(OncePer(60.0))
    return logger


class ConfluentDelivery:
    """One produced record; its callbacks run in the thread that serves the producer."""

    __slots__ = ("_callbacks", "exception", "is_done")

    def __init__(self) -> None:
        self.is_done = False
        self.exception: BaseException | None = None
        self._callbacks: list[Callable[..., Any]] = []

    def failed(self) -> bool:
        return self.exception is not None

    def add_both(self, callback: Callable[..., Any]) -> None:
        if self.is_done:
            callback(self)
        else:
            self._callbacks.append(callback)

    def answered(self, error: Any, _message: Any) -> None:
        if error is not None:
            from confluent_kafka import KafkaException

            self.exception = KafkaException(error)
        self.is_done = True
        for callback in self._callbacks:
            callback(self)
        self._callbacks.clear()


class ConfluentProducer:
    """``EngineProducer`` on confluent-kafka's ``Producer``."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer

    def send(self, topic: str, value: bytes, key: bytes | None) -> ConfluentDelivery:
        delivery = ConfluentDelivery()
        while True:
            try:
                self._producer.produce(topic, value, key, on_delivery=delivery.answered)
                return delivery
            except BufferError:  # librdkafka's local queue is full: let it drain
                self._producer.poll(0.05)

    def serve(self) -> None:
        self._producer.poll(0)

    def flush(self) -> None:
        while self._producer.flush(1.0) > 0:
            pass

    def close(self) -> None:
        self.flush()


def _codes(*names: str) -> frozenset[int]:
    from confluent_kafka import KafkaError

    return frozenset(getattr(KafkaError, n) for n in names if hasattr(KafkaError, n))


def _rebalance_codes() -> frozenset[int]:
    """A commit refused because the partitions may have moved to another member."""
    return _codes(
        "REBALANCE_IN_PROGRESS",
        "ILLEGAL_GENERATION",
        "UNKNOWN_MEMBER_ID",
        "FENCED_INSTANCE_ID",
        "_ASSIGNMENT_LOST",
        "STALE_MEMBER_EPOCH",
    )


def _passing_codes() -> frozenset[int]:
    """A commit refused for a passing reason (the broker or coordinator away or moving).
    confluent-kafka marks an error retriable only when librdkafka's newer error objects say
    so; a commit callback gets a bare code, whose ``retriable()`` is always False."""
    return _codes(
        "_TRANSPORT",
        "_TIMED_OUT",
        "_ALL_BROKERS_DOWN",
        "_WAIT_COORD",
        "REQUEST_TIMED_OUT",
        "NETWORK_EXCEPTION",
        "COORDINATOR_NOT_AVAILABLE",
        "NOT_COORDINATOR",
        "COORDINATOR_LOAD_IN_PROGRESS",
    )


class ConfluentConsumer:
    """``EngineConsumer`` on confluent-kafka's ``Consumer``. ``consumer`` is built by
    ``open_confluent`` with this object's ``on_commit`` as its commit callback."""

    def __init__(self, max_records: int) -> None:
        self.max_records = max_records
        self._consumer: Any = None
        self._retry: RetryOffsets | None = None
        self._rebalanced, self._passing = _rebalance_codes(), _passing_codes()
        self._warned: set[int] = set()

    def attach(self, consumer: Any) -> None:
        self._consumer = consumer

    def subscribe(self, topics: list[str]) -> None:
        self._consumer.subscribe(topics)

    def poll_messages(self, timeout_s: float) -> list[Message]:
        """What librdkafka has fetched, up to ``max_records``, without waiting; when it has
        nothing, wait up to ``timeout_s`` for the first record only. (``consume(n, t)``
        alone waits for n records or t seconds, however many have arrived: at 2,000
        transfers/s a poll of 500 would always wait the full timeout.)"""
        polled = self._consumer.consume(self.max_records, 0)
        if not polled:
            first = self._consumer.poll(timeout_s)
            if first is None:
                return []
            polled = [first, *self._consumer.consume(self.max_records - 1, 0)]
        out: list[Message] = []
        for m in polled:
            error = m.error()
            if error is not None:
                self._message_error(error)
                continue
            out.append(
                Message(m.topic(), m.partition(), m.offset(), m.key(), m.value(), m.timestamp()[1])
            )
        if out and self._warned:
            self._warned.clear()  # records flow again: say the next trouble again
        return out

    def _message_error(self, error: Any) -> None:
        from confluent_kafka import KafkaError

        if error.code() == KafkaError._PARTITION_EOF:
            return
        if error.fatal():
            raise RingwatchError(f"Kafka consumer failed: {error}")
        if error.code() not in self._warned:  # librdkafka retries; once per kind and outage
            self._warned.add(error.code())
            log.warning("Kafka consumer: %s (librdkafka retries)", error)

    def assigned(self) -> bool:
        return bool(self._consumer.assignment())

    def commit_offsets(
        self, offsets: dict[tuple[str, int], int], *, wait: bool, retry: RetryOffsets
    ) -> None:
        from confluent_kafka import KafkaException, TopicPartition

        partitions = [TopicPartition(t, p, o) for (t, p), o in offsets.items()]
        if not wait:
            self._retry = retry
            self._consumer.commit(offsets=partitions, asynchronous=True)
            return
        try:
            answered = self._consumer.commit(offsets=partitions, asynchronous=False)
        except KafkaException as exc:
            error = exc.args[0]
            if error.code() in self._rebalanced:
                log.warning(
                    "offset commit refused after a rebalance (%s); batches will be re-read", error
                )
                return
            raise
        for tp in answered or []:
            if tp.error is not None:
                log.warning("offset commit refused (%s); batches will be re-read", tp.error)

    def on_commit(self, error: Any, partitions: list[Any]) -> None:
        """librdkafka's answer to an asynchronous commit (run during ``consume``)."""
        failed = [tp for tp in partitions if tp.error is not None]
        if error is None and not failed:
            return
        if error is None:
            error = failed[0].error
        refused = {(tp.topic, tp.partition): tp.offset for tp in (failed or partitions)}
        passing = error.code() in self._passing or error.retriable()
        if error.code() in self._rebalanced or not passing or self._retry is None:
            log.warning("offset commit refused (%s); batches will be re-read", error)
            return
        self._retry.add(refused)

    def lags(self) -> dict[tuple[str, int], int]:
        assigned = self._consumer.assignment()
        if not assigned:
            return {}
        out: dict[tuple[str, int], int] = {}
        for tp in self._consumer.position(assigned):
            # cached: the high watermark of the last fetch response, no request to the broker
            _, high = self._consumer.get_watermark_offsets(tp, cached=True)
            if high >= 0 and tp.offset >= 0:
                out[(tp.topic, tp.partition)] = max(0, high - tp.offset)
        return out

    def close(self) -> None:
        self._consumer.close()


def open_confluent(
    bootstrap: str,
    group: str,
    topics: Topics,
    consumer_overrides: dict[str, Any],
    producer_overrides: dict[str, Any],
) -> tuple[ConfluentConsumer, ConfluentProducer]:
    """The engine's confluent-kafka consumer and producer (overrides: keys of
    ``ingest.kafka_config``'s consumer and producer)."""
    from confluent_kafka import Consumer, KafkaException, Producer

    declared = consumer_config(bootstrap, group, **consumer_overrides)
    consumer = ConfluentConsumer(int(declared["max_poll_records"]))
    config = librdkafka_config(declared, consumer=True)
    config["on_commit"] = consumer.on_commit
    producing = librdkafka_config(producer_config(bootstrap, **producer_overrides), consumer=False)
    # librdkafka's own log lines (a broker gone, back) through Python's logging, as ours,
    # each kind of line at most once a minute: while a broker is down librdkafka says
    # "Connection refused" about 20 times a second, which filled a pipe that nobody read
    # and stalled the engine in a test.
    config["logger"] = producing["logger"] = librdkafka_logger()
    try:
        consumer.attach(Consumer(config))
        producer = Producer(producing)
        # The brokers answer (a missing server fails here, as kafka-python's clients do).
        producer.list_topics(topics.of("transacoes_pix"), timeout=30)
    except KafkaException as exc:
        raise RingwatchError(
            f"Kafka is not reachable at {bootstrap} ({exc}): start the local stack with "
            "`ringwatch stack up` or check KAFKA_BOOTSTRAP_SERVERS."
        ) from None
    return consumer, ConfluentProducer(producer)


# -------------------------------------------------------------------------- kafka-python


class KafkaPythonConsumer:
    """``EngineConsumer`` on kafka-python's ``KafkaConsumer``."""

    def __init__(self, consumer: Any) -> None:
        self._consumer = consumer

    def subscribe(self, topics: list[str]) -> None:
        self._consumer.subscribe(topics)

    def poll_messages(self, timeout_s: float) -> list[Message]:
        polled = self._consumer.poll(timeout_ms=int(timeout_s * 1000))
        return [
            Message(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
            for batch in polled.values()
            for r in batch
        ]

    def assigned(self) -> bool:
        return bool(self._consumer.assignment())

    def commit_offsets(
        self, offsets: dict[tuple[str, int], int], *, wait: bool, retry: RetryOffsets
    ) -> None:
        if wait:
            commit_next_offsets(self._consumer, offsets)
        else:
            commit_next_offsets_async(self._consumer, offsets, retry)

    def lags(self) -> dict[tuple[str, int], int]:
        out: dict[tuple[str, int], int] = {}
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is not None:
                out[(tp.topic, tp.partition)] = max(0, high - self._consumer.position(tp))
        return out

    def close(self) -> None:
        self._consumer.close(autocommit=False)


class KafkaPythonProducer:
    """``EngineProducer`` on kafka-python's ``KafkaProducer`` (its futures are deliveries;
    its sender thread answers them)."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer

    def send(self, topic: str, value: bytes, key: bytes | None) -> Delivery:
        future: Delivery = self._producer.send(topic, value=value, key=key)
        return future

    def serve(self) -> None:
        pass

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.close()


def commit_next_offsets(consumer: Any, offsets: dict[tuple[str, int], int]) -> None:
    """Commit ``offsets`` ((topic, partition) -> next offset) as ``ingest.stream``'s
    ``commit_offsets`` does, waiting for the broker: a commit refused after a rebalance is
    logged, not raised (the partition's new owner re-reads those batches, which is
    harmless)."""
    try:
        consumer.commit(_committable(offsets))
    except _rebalanced() as exc:
        log.warning("offset commit refused after a rebalance (%s); batches will be re-read", exc)


def commit_next_offsets_async(
    consumer: Any, offsets: dict[tuple[str, int], int], retry: RetryOffsets
) -> None:
    """Commit ``offsets`` without waiting (the loop's routine commit: a synchronous one
    held the loop for a round trip to the broker, 25 ms on a loaded machine, every
    0.2 s). The broker's answer comes to a callback during a later poll or commit: offsets
    it refused for a passing reason (coordinator moving, a timeout) go to ``retry`` and
    are committed again with the next ones; refused after a rebalance, they are dropped as
    in ``commit_next_offsets``."""

    def answered(_: Any, response: Any) -> None:
        if not isinstance(response, Exception):
            return
        if isinstance(response, _rebalanced()) or not getattr(response, "retriable", False):
            log.warning("offset commit refused (%s); batches will be re-read", response)
            return
        retry.add(offsets)

    consumer.commit_async(_committable(offsets), callback=answered)


def _committable(offsets: dict[tuple[str, int], int]) -> dict[Any, Any]:
    from kafka.structs import OffsetAndMetadata, TopicPartition

    return {
        TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)
        for (topic, partition), offset in offsets.items()
    }


def _rebalanced() -> tuple[type[Exception], ...]:
    from kafka.errors import (
        CommitFailedError,
        IllegalGenerationError,
        RebalanceInProgressError,
        UnknownMemberIdError,
    )

    return CommitFailedError, RebalanceInProgressError, UnknownMemberIdError, IllegalGenerationError


def open_kafka_python(
    bootstrap: str,
    group: str,
    topics: Topics,
    consumer_overrides: dict[str, Any],
    producer_overrides: dict[str, Any],
) -> tuple[KafkaPythonConsumer, KafkaPythonProducer]:
    """The engine's clients as before: the loader's ``open_consumer``/``open_producer``."""
    from ingest.produce import open_producer
    from ingest.stream import open_consumer

    consumer = open_consumer(bootstrap, group, topics, **consumer_overrides)
    return KafkaPythonConsumer(consumer), KafkaPythonProducer(
        open_producer(bootstrap, **producer_overrides)
    )


def open_clients(
    client: str,
    bootstrap: str,
    group: str,
    topics: Topics,
    consumer_overrides: dict[str, Any],
    producer_overrides: dict[str, Any],
) -> tuple[EngineConsumer, EngineProducer]:
    """The engine's consumer and producer with ``client`` (one of ``CLIENTS``)."""
    if client == "confluent":
        return open_confluent(bootstrap, group, topics, consumer_overrides, producer_overrides)
    if client == "kafka-python":
        return open_kafka_python(bootstrap, group, topics, consumer_overrides, producer_overrides)
    raise RingwatchError(f"Unknown Kafka client {client!r}; one of: {', '.join(CLIENTS)}.")
