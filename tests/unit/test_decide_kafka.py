"""The engine's Kafka clients (decide/kafka.py): the declared configuration translated to
librdkafka's names (and accepted by librdkafka itself), an undeclared key refused, and the
confluent consumer's commits, errors and records with a hand-written fake of its
``Consumer``."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from decide.alerts import RetryOffsets
from decide.kafka import ConfluentConsumer, ConfluentDelivery, OncePer, librdkafka_config
from ingest.kafka_config import consumer_config, producer_config
from ringwatch.errors import RingwatchError

TX = "t.transacoes"
UNUSED = "127.0.0.1:1"  # nothing listens; librdkafka connects only in the background


def test_the_declared_configuration_is_translated_and_librdkafka_accepts_it():
    declared = consumer_config(
        f"{UNUSED},127.0.0.1:2", "g", max_poll_records=500, group_instance_id=None
    )
    consumer = librdkafka_config(declared, consumer=True)
    assert consumer["bootstrap.servers"] == f"{UNUSED},127.0.0.1:2"
    assert consumer["group.id"] == "g"
    assert consumer["enable.auto.commit"] is False
    assert consumer["auto.offset.reset"] == "earliest"
    assert consumer["fetch.wait.max.ms"] == declared["fetch_max_wait_ms"]
    assert "group.instance.id" not in consumer  # None: no static membership
    # a topic created a moment before the engine is seen within 30 s, not librdkafka's 5 min
    assert consumer["topic.metadata.refresh.interval.ms"] == 30_000
    producer = librdkafka_config(producer_config(UNUSED, linger_ms=2), consumer=False)
    assert (producer["acks"], producer["enable.idempotence"]) == ("all", True)
    assert producer["linger.ms"] == 2
    assert "allow.auto.create.topics" not in producer and "group.id" not in producer
    # librdkafka itself knows every name (an unknown property raises KafkaException)
    Consumer(consumer).close()
    Producer(producer).flush(0)


def test_security_keys_are_translated_and_an_unknown_key_is_refused():
    declared = {
        **producer_config(UNUSED),
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "engine",
        "sasl_plain_password": "secret",
    }
    config = librdkafka_config(declared, consumer=False)
    assert config["security.protocol"] == "SASL_SSL"
    assert (config["sasl.mechanism"], config["sasl.username"]) == ("PLAIN", "engine")
    assert config["sasl.password"] == "secret"
    Producer(config).flush(0)  # the wheel's librdkafka has SASL and TLS
    with pytest.raises(RingwatchError, match="sasl_oauth_token_provider"):
        librdkafka_config({**declared, "sasl_oauth_token_provider": object()}, consumer=False)


class FakeMessage:
    def __init__(self, offset: int, error: KafkaError | None = None) -> None:
        self._offset, self._error = offset, error

    def error(self) -> KafkaError | None:
        return self._error

    def topic(self) -> str:
        return TX

    def partition(self) -> int:
        return 1

    def offset(self) -> int:
        return self._offset

    def key(self) -> bytes:
        return f"T{self._offset}".encode()

    def value(self) -> bytes:
        return b"{}"

    def timestamp(self) -> tuple[int, int]:
        return (1, 1_000 + self._offset)


class FakeConsumer:
    """confluent-kafka's Consumer: ``consume`` hands out ``batches``; a synchronous commit
    raises ``refuse`` when set."""

    def __init__(self, batches: list[list[FakeMessage]], refuse: KafkaError | None = None):
        self.batches, self.refuse = batches, refuse
        self.asked: list[tuple[str, int, float]] = []
        self.commits: list[tuple[bool, dict[tuple[str, int], int]]] = []

    def consume(self, num_messages: int, timeout: float) -> list[FakeMessage]:
        self.asked.append(("consume", num_messages, timeout))
        return self.batches.pop(0) if self.batches else []

    def poll(self, timeout: float) -> FakeMessage | None:
        self.asked.append(("poll", 1, timeout))
        batch = self.batches.pop(0) if self.batches else []
        if len(batch) > 1:
            self.batches.insert(0, batch[1:])
        return batch[0] if batch else None

    def commit(self, offsets: list[TopicPartition], asynchronous: bool) -> Any:
        if self.refuse is not None and not asynchronous:
            raise KafkaException(self.refuse)
        self.commits.append((asynchronous, {(p.topic, p.partition): p.offset for p in offsets}))
        return None if asynchronous else offsets


def test_records_come_as_messages_and_end_of_partition_is_skipped():
    eof = KafkaError(KafkaError._PARTITION_EOF)
    consumer = ConfluentConsumer(max_records=500)
    consumer.attach(FakeConsumer([[FakeMessage(7), FakeMessage(8, eof), FakeMessage(9)]]))
    got = consumer.poll_messages(0.1)
    assert [(m.topic, m.partition, m.offset, m.key, m.timestamp_ms) for m in got] == [
        (TX, 1, 7, b"T7", 1_007),
        (TX, 1, 9, b"T9", 1_009),
    ]


def test_a_poll_takes_what_has_arrived_and_waits_only_for_a_first_record():
    """Records already fetched are taken without waiting; with none, the wait ends at the
    first record, and what arrived with it is taken too."""
    fake = FakeConsumer([[FakeMessage(1), FakeMessage(2)], [], [FakeMessage(3)], [FakeMessage(4)]])
    consumer = ConfluentConsumer(max_records=500)
    consumer.attach(fake)
    assert [m.offset for m in consumer.poll_messages(0.1)] == [1, 2]
    assert [m.offset for m in consumer.poll_messages(0.1)] == [3, 4]
    assert fake.asked == [
        ("consume", 500, 0),
        ("consume", 500, 0),
        ("poll", 1, 0.1),
        ("consume", 499, 0),
    ]
    assert consumer.poll_messages(0.1) == []


def test_a_fatal_consumer_error_stops_and_a_passing_one_is_logged_once(caplog):
    passing = KafkaError(KafkaError._TRANSPORT, "broker down", retriable=True)
    consumer = ConfluentConsumer(max_records=500)
    consumer.attach(FakeConsumer([[FakeMessage(1, passing)], [FakeMessage(2, passing)]]))
    with caplog.at_level(logging.WARNING, logger="ringwatch.decide"):
        assert consumer.poll_messages(0.1) == [] and consumer.poll_messages(0.1) == []
    assert len([r for r in caplog.records if "broker down" in r.getMessage()]) == 1
    fatal = KafkaError(KafkaError._FENCED, "fenced", fatal=True)
    consumer.attach(FakeConsumer([[FakeMessage(3, fatal)]]))
    with pytest.raises(RingwatchError, match="fenced"):
        consumer.poll_messages(0.1)


def test_asynchronous_commit_answers_retry_passing_refusals_and_drop_rebalanced_ones():
    retry = RetryOffsets()
    consumer = ConfluentConsumer(max_records=500)
    fake = FakeConsumer([])
    consumer.attach(fake)
    consumer.commit_offsets({(TX, 0): 3, (TX, 1): 7}, wait=False, retry=retry)
    assert fake.commits == [(True, {(TX, 0): 3, (TX, 1): 7})]
    answered = [TopicPartition(TX, 0, 3), TopicPartition(TX, 1, 7)]
    consumer.on_commit(None, answered)  # accepted
    assert retry.take() == {}
    # as librdkafka's commit callback gives it: a bare code, retriable() False
    moving = KafkaError(KafkaError.COORDINATOR_NOT_AVAILABLE)
    consumer.on_commit(moving, answered)
    assert retry.take() == {(TX, 0): 3, (TX, 1): 7}
    consumer.on_commit(KafkaError(KafkaError.REBALANCE_IN_PROGRESS, retriable=True), answered)
    consumer.on_commit(KafkaError(KafkaError.ILLEGAL_GENERATION), answered)
    consumer.on_commit(KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED), answered)
    assert retry.take() == {}
    one = SimpleNamespace(topic=TX, partition=1, offset=7, error=moving)  # one refused
    consumer.on_commit(None, [TopicPartition(TX, 0, 3), one])
    assert retry.take() == {(TX, 1): 7}


def test_a_waited_commit_refused_after_a_rebalance_is_dropped_and_other_refusals_raise():
    consumer = ConfluentConsumer(max_records=500)
    consumer.attach(FakeConsumer([], refuse=KafkaError(KafkaError.UNKNOWN_MEMBER_ID)))
    consumer.commit_offsets({(TX, 0): 3}, wait=True, retry=RetryOffsets())  # logged only
    consumer.attach(FakeConsumer([], refuse=KafkaError(KafkaError._TIMED_OUT)))
    with pytest.raises(KafkaException):
        consumer.commit_offsets({(TX, 0): 3}, wait=True, retry=RetryOffsets())
    fake = FakeConsumer([])
    consumer.attach(fake)
    consumer.commit_offsets({(TX, 0): 3}, wait=True, retry=RetryOffsets())
    assert fake.commits == [(False, {(TX, 0): 3})]


def test_a_delivery_runs_its_callbacks_once_answered_and_says_whether_it_failed():
    ok, refused = ConfluentDelivery(), ConfluentDelivery()
    seen: list[Any] = []
    ok.add_both(seen.append)
    assert not ok.is_done and seen == []
    ok.answered(None, None)
    ok.add_both(seen.append)  # already done: at once
    assert ok.is_done and not ok.failed() and seen == [ok, ok]
    refused.answered(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE), None)
    assert refused.is_done and refused.failed()
    assert isinstance(refused.exception, KafkaException)


def test_librdkafka_lines_of_one_kind_pass_once_per_period():
    """While a broker is down librdkafka repeats its connection error many times a second;
    each kind of line (numbers aside) passes once per period."""
    now = [0.0]
    once = OncePer(60.0, clock=lambda: now[0])

    def passes(text: str) -> bool:
        return once.filter(logging.LogRecord("k", logging.ERROR, "", 0, text, None, None))

    refused = "FAIL [consumer-1]: Connect to 127.0.0.1:9175 failed (after {}ms in state CONNECT)"
    assert passes(refused.format(0))
    assert not passes(refused.format(3))
    assert passes("FAIL [producer-2]: Disconnected")  # another kind
    now[0] = 61.0
    assert passes(refused.format(1))
