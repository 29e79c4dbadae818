"""Stream loader logic without services: decoding, dead-letter records, batch planning,
batching policy, retries, and the commit-after-write rule (with hand-written fakes)."""

from __future__ import annotations

import base64
import json
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from kafka.structs import TopicPartition
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from data import schema
from graph.gateway import Mode, Neo4jUnavailable, Result, Step, translate
from graph.queries import StoredQuery
from ingest.kafka_config import MAX_RECORD_BYTES, consumer_config, producer_config
from ingest.stream import (
    Backoff,
    BatchPolicy,
    Message,
    Rejection,
    StreamLoader,
    decode,
    dlq_record,
    is_transient,
    next_offsets,
    plan_batch,
)
from ingest.topics import Topics
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings

TOPICS = Topics("t")
ANA = "52998224725"
GOOD_TX = {
    "id_transacao": "T00000001",
    "timestamp": "2025-03-01T09:16:00",
    "valor": "120.50",
    "chave_pix_origem": ANA,
    "chave_pix_destino": "bia@x.com",
    "tipo_transacao": "transferencia",
    "status": "concluida",
}
GOOD_USER = {
    "id_usuario": "U0000001",
    "cpf_cnpj": ANA,
    "nome": "Ana",
    "email": "ana@x.com",
    "telefone": "+5511987654321",
    "data_cadastro": "2024-01-02T10:00:00",
    "status": "ativa",
}


def msg(value: Any, topic: str = "t.transacoes", offset: int = 0, partition: int = 0) -> Message:
    raw = value if isinstance(value, bytes | None) else json.dumps(value).encode()
    return Message(topic, partition, offset, b"k", raw)


def test_decode_returns_the_json_object():
    """A well-formed message decodes to its dict."""
    assert decode(msg(GOOD_TX)) == GOOD_TX


@pytest.mark.parametrize(
    ("value", "cause", "starts"),
    [
        (b"{not json", "invalid_json", "invalid JSON: "),
        (b'{"valor": NaN}', "invalid_json", "invalid JSON: NaN is not valid JSON"),
        (b"\xff\xfe{}", "invalid_json", "invalid JSON: not UTF-8 text"),
        (None, "invalid_json", "invalid JSON: empty message"),
        (b"[1, 2]", "not_object", "not a JSON object: got list"),
        (b'"text"', "not_object", "not a JSON object: got str"),
        (b'{"a": "' + b"x" * 20_000 + b'"}', "oversize", "oversize: 20009 bytes (limit 16384)"),
    ],
)
def test_decode_names_the_problem(value, cause, starts):
    """Invalid JSON, non-objects and oversize messages become rejections with a reason."""
    result = decode(msg(value))
    assert isinstance(result, Rejection)
    assert result.cause == cause
    assert result.reason.startswith(starts)


def test_dlq_record_carries_origin_reason_and_payload():
    """The DLQ record holds topic, partition, offset, key, reason and the original payload."""
    original = msg(b'{"valor": -1}', offset=41, partition=2)
    record = json.loads(dlq_record(Rejection(original, "invalid", "valor: amount must be > 0")))
    assert record["topic"] == "t.transacoes"
    assert (record["partition"], record["offset"], record["key"]) == (2, 41, "k")
    assert record["reason"] == "valor: amount must be > 0"
    assert record["cause"] == "invalid"
    assert record["payload"] == '{"valor": -1}'
    assert record["payload_encoding"] == "utf-8"
    assert record["payload_truncated"] is False
    assert record["rejected_at"]


def test_dlq_record_of_binary_payload_is_base64():
    """A payload that is not UTF-8 is kept byte for byte as base64."""
    record = json.loads(dlq_record(Rejection(msg(b"\xff\x00"), "invalid_json", "x")))
    assert record["payload_encoding"] == "base64"
    assert base64.b64decode(record["payload"]) == b"\xff\x00"


def test_dlq_record_keeps_a_1mb_payload_and_truncates_beyond_the_broker_limit():
    """A 1 MB payload is kept whole; one whose JSON would pass the broker limit is cut."""
    one_mb = b"x" * 1_000_000
    record = json.loads(dlq_record(Rejection(msg(one_mb), "oversize", "oversize")))
    assert record["payload"] == one_mb.decode() and not record["payload_truncated"]
    escaped = b"\x01" * 1_900_000  # each byte becomes \u0001 (6 bytes) in JSON
    data = dlq_record(Rejection(msg(escaped), "oversize", "oversize"))
    assert len(data) < MAX_RECORD_BYTES
    record = json.loads(data)
    assert record["payload_truncated"] is True
    assert record["payload_bytes"] == 1_900_000


def test_plan_batch_maps_each_rejection_to_its_message():
    """Valid rows are planned per dataset; each bad message is rejected with its own reason."""
    messages = [
        msg(GOOD_TX, offset=0),
        msg({**GOOD_TX, "id_transacao": "T2", "valor": -5}, offset=1),
        msg(b"oops", offset=2),
        msg(GOOD_USER, topic="t.usuarios", offset=0),
        msg({**GOOD_USER, "id_usuario": "U2", "cpf_cnpj": "52998224724"}, "t.usuarios", 1),
        msg(
            {k: v for k, v in GOOD_TX.items() if k != "status"} | {"id_transacao": "T3"},
            "t.transacoes",
            3,
        ),
        msg({**GOOD_TX, "id_transacao": 7}, offset=4),
        msg({**GOOD_TX, "tipo_transacao": "boleto"}, offset=5),
    ]
    plan = plan_batch(messages, TOPICS)
    assert [r["id_transacao"] for r in plan.rows[schema.TRANSACOES]] == ["T00000001"]
    assert plan.rows[schema.TRANSACOES][0]["valor"] == 120.5
    assert [r["id_usuario"] for r in plan.rows[schema.USUARIOS]] == ["U0000001"]
    assert plan.valid == {"t.transacoes": 1, "t.usuarios": 1}
    reasons = {(r.message.topic, r.message.offset): r.reason for r in plan.rejections}
    assert reasons == {
        ("t.transacoes", 1): "valor: amount must be > 0",
        ("t.transacoes", 2): reasons[("t.transacoes", 2)],
        ("t.transacoes", 3): "status: missing value",
        ("t.transacoes", 4): "id_transacao: wrong type",
        ("t.transacoes", 5): "tipo_transacao: unknown value "
        "(allowed: transferencia, qrcode, agendado, saque, devolucao)",
        ("t.usuarios", 1): "cpf_cnpj: invalid CPF/CNPJ check digits",
    }
    assert reasons[("t.transacoes", 2)].startswith("invalid JSON")


def test_plan_batch_reads_messages_through_a_mapping():
    """With a mapping, messages in a bank's columns and values are renamed, mapped and read
    with a decimal comma; a rejected one is dead-lettered with the mapping's reason."""
    from ingest.mapping import parse_mapping

    mapping = parse_mapping(
        {
            "decimal": ",",
            "transacoes_pix": {
                "columns": {"valor_transacao": "valor"},
                "values": {"tipo_transacao": {"TED": "transferencia"}},
            },
        }
    )
    bank = {k: v for k, v in GOOD_TX.items() if k != "valor"}
    messages = [
        msg({**bank, "valor_transacao": "1.234,50", "tipo_transacao": "TED"}, offset=0),
        msg({**bank, "valor_transacao": "12.5", "id_transacao": "T2"}, offset=1),
    ]
    plan = plan_batch(messages, TOPICS, mapping=mapping)
    [row] = plan.rows[schema.TRANSACOES]
    assert (row["valor"], row["tipo_transacao"]) == (1234.5, "transferencia")
    assert [r.reason for r in plan.rejections] == [
        "valor: not a number (the mapping says 1.234,56)"
    ]


def test_plan_batch_rejects_a_batch_that_lacks_a_column_everywhere():
    """When no message of a dataset has a required field, each is rejected, none is written."""
    bare = {k: v for k, v in GOOD_USER.items() if k != "email"}
    plan = plan_batch([msg(bare, "t.usuarios", 0), msg(bare, "t.usuarios", 1)], TOPICS)
    assert schema.USUARIOS not in plan.rows
    assert [r.reason for r in plan.rejections] == ["missing column(s) ['email']"] * 2


def test_a_message_that_breaks_validation_is_isolated_and_rejected(monkeypatch):
    """If validate itself fails on some message, only that message is rejected; the batch
    around it is still planned."""
    from ingest import stream, validate

    def fragile(dataset, frame, mapping=None):
        if (frame["status"] == "poison").any():
            raise ValueError("cannot handle this")
        return validate.validate(dataset, frame, mapping)

    monkeypatch.setattr(stream, "validate", fragile)
    messages = [msg({**GOOD_TX, "id_transacao": f"T{i}"}, offset=i) for i in range(5)]
    messages[3] = msg({**GOOD_TX, "status": "poison"}, offset=3)
    plan = plan_batch(messages, TOPICS)
    assert [r["id_transacao"] for r in plan.rows[schema.TRANSACOES]] == ["T0", "T1", "T2", "T4"]
    assert [(r.message.offset, r.reason) for r in plan.rejections] == [
        (3, "validation failed: ValueError: cannot handle this")
    ]


def test_next_offsets_are_one_past_the_last_message_per_partition():
    """Offsets to commit point after the highest offset seen in each partition."""
    batch = [msg(GOOD_TX, offset=5), msg(GOOD_TX, offset=3), msg(GOOD_TX, offset=9, partition=1)]
    assert next_offsets(batch) == {("t.transacoes", 0): 6, ("t.transacoes", 1): 10}


def test_batch_policy_flushes_on_count_bytes_or_age():
    """A batch is due when full, too large or old enough, and never when empty."""
    policy = BatchPolicy(max_messages=10, max_bytes=1000, max_wait_s=0.5)
    assert not policy.due(0, 0, 99.0)
    assert not policy.due(3, 100, 0.1)
    assert policy.due(10, 100, 0.0)
    assert policy.due(3, 1000, 0.0)
    assert policy.due(3, 100, 0.5)
    assert policy.poll_timeout_ms(3, 0.2) == 300
    assert policy.poll_timeout_ms(3, 0.9) == 0


def test_backoff_grows_to_its_cap_and_never_ends():
    """Retry delays double up to the cap and keep coming."""
    delays = Backoff(first_s=1, factor=2, max_s=5).delays()
    assert [next(delays) for _ in range(6)] == [1, 2, 4, 5, 5, 5]


def test_unavailable_neo4j_is_transient_and_bad_credentials_are_not():
    """Service-unavailable errors, as the gateway translates them, are retried; auth errors,
    time-outs and other errors are not."""
    settings = load_settings({})

    def wrapped(inner: Exception) -> BaseException:
        return translate(inner, settings) or inner

    assert is_transient(wrapped(ServiceUnavailable("down")))
    deadlock = Neo4jError._hydrate_neo4j(code="Neo.TransientError.Transaction.DeadlockDetected")
    assert is_transient(wrapped(deadlock))
    assert not is_transient(wrapped(AuthError("no")))
    timeout = Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"
    )
    assert not is_transient(wrapped(timeout))
    assert not is_transient(ValueError("bug"))


def test_kafka_config_rejects_undeclared_keys():
    """A typo in a Kafka option is an error, and auto-commit is off in the consumer."""
    assert consumer_config("a:1,b:2", "g")["enable_auto_commit"] is False
    assert producer_config("a:1")["acks"] == "all"
    with pytest.raises(RingwatchError, match="enable_autocommit"):
        consumer_config("a:1", "g", enable_autocommit=True)


# --- the loader with hand-written fakes -------------------------------------------------

Record = namedtuple("Record", "topic partition offset key value timestamp", defaults=[None])


class FakeConsumer:
    """Replays scripted polls and records commits; ``fail`` scripts errors to raise first
    per operation (poll, commit, end_offsets); ``unassigned_polls`` polls happen before the
    group gives it partitions."""

    def __init__(
        self,
        polls: list[list[Record]],
        fail: dict[str, list[Exception]] | None = None,
        unassigned_polls: int = 0,
    ) -> None:
        self.polls = list(polls)
        self.commits: list[dict[TopicPartition, int]] = []
        self.closed_with_autocommit: bool | None = None
        self.fail = {k: list(v) for k, v in (fail or {}).items()}
        self.unassigned_polls = unassigned_polls
        self.polled = 0

    def _maybe_fail(self, operation: str) -> None:
        if self.fail.get(operation):
            raise self.fail[operation].pop(0)

    def subscribe(self, topics: list[str]) -> None:
        self.topics = topics

    def assignment(self) -> set[TopicPartition]:
        if self.polled <= self.unassigned_polls:
            return set()
        return {TopicPartition("t.transacoes", 0)}

    def poll(self, timeout_ms: int = 0) -> dict[TopicPartition, list[Record]]:
        self.polled += 1
        self._maybe_fail("poll")
        if not self.polls or self.polled <= self.unassigned_polls:
            return {}
        out: dict[TopicPartition, list[Record]] = {}
        for r in self.polls.pop(0):
            out.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        return out

    def commit(self, offsets: dict[TopicPartition, Any], timeout_ms: int | None = None) -> None:
        self._maybe_fail("commit")
        self.commits.append({tp: om.offset for tp, om in offsets.items()})

    def end_offsets(
        self, partitions: list[TopicPartition], timeout_ms: int | None = None
    ) -> dict[TopicPartition, int]:
        self._maybe_fail("end_offsets")
        return {tp: self.position(tp) + (1 if self.polls else 0) for tp in partitions}

    def highwater(self, tp: TopicPartition) -> int:
        return 10

    def position(self, tp: TopicPartition, timeout_ms: int | None = None) -> int:
        return 4

    def close(self, autocommit: bool = True) -> None:
        self.closed_with_autocommit = autocommit


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes | None]] = []

    def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        self.sent.append((topic, value, key))

    def flush(self, timeout: float | None = None) -> None:
        pass


class FakeGateway:
    """A ``Graph`` that records the stored queries run and fails the first ``failures``
    writes (with the gateway's transient error unless told otherwise)."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or Neo4jUnavailable("Neo4j is restarting")
        self.runs: list[tuple[str, dict[str, Any]]] = []
        self.before_query: Callable[[], None] = lambda: None

    def query(
        self,
        query: str | StoredQuery,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "write",
        timeout_s: float | None = None,
        row_limit: int | None = None,
        retry: bool = True,
    ) -> Result:
        name = query if isinstance(query, str) else query.name
        self.before_query()
        if name == "ingest/link_transfers":
            return Result.of_rows([{"linked": 0}])
        if self.failures:
            self.failures -= 1
            raise self.error
        self.runs.append((name, dict(params or {})))
        return Result.of_rows([])

    def transaction(
        self, steps: Sequence[Step], before_commit: Callable[[], None] | None = None
    ) -> list[Result]:
        raise AssertionError("the stream loader writes one stored query at a time")

    def gds(self) -> Any:
        raise AssertionError("the stream loader does not use GDS")


def tx_record(offset: int, **changes: Any) -> Record:
    value = json.dumps({**GOOD_TX, "id_transacao": f"T{offset:08d}", **changes}).encode()
    return Record("t.transacoes", 0, offset, f"T{offset:08d}".encode(), value)


def run_loader(gateway: FakeGateway, consumer: FakeConsumer, producer: FakeProducer):
    loader = StreamLoader(
        gateway,
        consumer,
        producer,
        TOPICS,
        BatchPolicy(max_messages=100, max_wait_s=0.0),
        backoff=Backoff(first_s=0.001, max_s=0.001),
    )
    return loader, loader.run(until_idle=0.0)


def test_offsets_are_committed_after_the_write_and_bad_messages_go_to_the_dlq():
    """Each batch is written, then committed one past its last offset; bad ones are DLQ'd."""
    consumer = FakeConsumer([[tx_record(0), tx_record(1, valor="-1")], [tx_record(2)]])
    producer, gateway = FakeProducer(), FakeGateway()
    loader, report = run_loader(gateway, consumer, producer)
    written = [r["id_transacao"] for _, p in gateway.runs for r in p["rows"]]
    assert written == ["T00000000", "T00000002"]
    assert consumer.commits == [
        {TopicPartition("t.transacoes", 0): 2},
        {TopicPartition("t.transacoes", 0): 3},
    ]
    assert [(t, json.loads(v)["offset"], k) for t, v, k in producer.sent] == [
        ("t.dlq", 1, b"T00000001")
    ]
    assert (report.consumed, report.written, report.rejected, report.batches) == (3, 2, 1, 2)
    m = loader.metrics
    assert m.value("ringwatch_stream_messages_consumed_total", topic="t.transacoes") == 3
    assert m.value("ringwatch_stream_messages_written_total", topic="t.transacoes") == 2
    assert (
        m.value("ringwatch_stream_messages_rejected_total", topic="t.transacoes", cause="invalid")
        == 1
    )
    assert m.value("ringwatch_stream_consumer_lag", topic="t.transacoes", partition="0") == 6
    assert m.value("ringwatch_stream_batch_seconds_count") == 2
    assert consumer.closed_with_autocommit is False


def test_neo4j_outage_retries_the_same_batch_and_commits_once():
    """While Neo4j is unavailable nothing is committed; the batch is retried until written."""
    consumer = FakeConsumer([[tx_record(0), tx_record(1)]])
    gateway = FakeGateway(failures=3)
    loader, report = run_loader(gateway, consumer, FakeProducer())
    assert [r["id_transacao"] for _, p in gateway.runs for r in p["rows"]] == [
        "T00000000",
        "T00000001",
    ]
    assert consumer.commits == [{TopicPartition("t.transacoes", 0): 2}]
    assert loader.metrics.value("ringwatch_stream_neo4j_retries_total") == 3
    assert report.written == 2


def test_a_non_transient_write_error_stops_the_loader_without_commit():
    """A Neo4j error that retrying cannot fix propagates, and no offset is committed."""
    consumer = FakeConsumer([[tx_record(0)]])
    gateway = FakeGateway(failures=1, error=ValueError("bug in a query"))
    with pytest.raises(ValueError, match="bug in a query"):
        run_loader(gateway, consumer, FakeProducer())
    assert consumer.commits == []
    assert consumer.closed_with_autocommit is False


def test_stop_during_an_outage_leaves_the_batch_uncommitted():
    """A stop request while Neo4j is down ends the run without committing the batch."""
    consumer = FakeConsumer([[tx_record(0)]])
    gateway = FakeGateway(failures=10**6)
    loader = StreamLoader(
        gateway,
        consumer,
        FakeProducer(),
        TOPICS,
        BatchPolicy(max_messages=100, max_wait_s=0.0),
        backoff=Backoff(first_s=0.001, max_s=0.001),
    )

    def stop_after_five_failures() -> None:
        if gateway.failures < 10**6 - 5:
            loader.stop()

    gateway.before_query = stop_after_five_failures
    report = loader.run(until_idle=0.0)
    assert consumer.commits == [] and report.written == 0


def test_metrics_are_served_for_prometheus():
    """The loader's metrics registry is exposed over HTTP in Prometheus text format."""
    from urllib.request import urlopen

    from ingest.metrics import StreamMetrics

    metrics = StreamMetrics()
    metrics.consumed.labels("t.transacoes").inc(3)
    server = metrics.serve(0)  # an ephemeral port
    try:
        body = urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5).read()
    finally:
        server.shutdown()
    assert b'ringwatch_stream_messages_consumed_total{topic="t.transacoes"} 3.0' in body


def test_messages_that_queued_in_kafka_are_written_without_another_wait():
    """A batch whose messages were produced longer ago than the batch wait is written at once."""
    import time

    produced = int((time.time() - 10) * 1000)
    record = tx_record(0)._replace(timestamp=produced)
    consumer, gateway = FakeConsumer([[record]]), FakeGateway()
    loader = StreamLoader(
        gateway,
        consumer,
        FakeProducer(),
        TOPICS,
        BatchPolicy(max_messages=100, max_wait_s=5.0),
    )
    started = time.monotonic()
    loader.run(until_idle=0.05)
    assert time.monotonic() - started < 2.0
    assert consumer.commits == [{TopicPartition("t.transacoes", 0): 1}]


def test_broker_outage_retries_commit_and_poll_and_logs_each_state_change_once(caplog):
    """Kafka unreachable at commit (three times) and at poll (twice): the loader retries with
    backoff, commits the batch once, logs one line when Kafka goes and one when it is back,
    and counts the outage and the retries in its metrics."""
    from kafka.errors import KafkaConnectionError, KafkaTimeoutError

    consumer = FakeConsumer(
        [[tx_record(0)], [tx_record(1)]],
        fail={
            "commit": [KafkaConnectionError("broker gone")] * 3,
            "poll": [KafkaTimeoutError("no broker")] * 2,
        },
    )
    caplog.set_level("INFO", logger="ringwatch.stream")
    loader, report = run_loader(FakeGateway(), consumer, FakeProducer())
    assert consumer.commits == [
        {TopicPartition("t.transacoes", 0): 1},
        {TopicPartition("t.transacoes", 0): 2},
    ]
    assert report.written == 2
    m = loader.metrics
    assert m.value("ringwatch_stream_kafka_retries_total", operation="commit") == 3
    assert m.value("ringwatch_stream_kafka_retries_total", operation="poll") == 2
    assert m.value("ringwatch_stream_kafka_up") == 1
    lines = [r.getMessage() for r in caplog.records if "Kafka" in r.getMessage()]
    gone = [line for line in lines if line.startswith("Kafka unavailable")]
    back = [line for line in lines if line.startswith("Kafka available again")]
    assert len(gone) == len(back) == m.value("ringwatch_stream_kafka_outages_total") >= 1
    assert len(gone) < 5  # one line per outage, not one per retry


def test_a_commit_error_a_retry_cannot_fix_still_stops_the_loader():
    """A Kafka error that is not about reachability propagates instead of looping."""
    from kafka.errors import TopicAuthorizationFailedError

    consumer = FakeConsumer([[tx_record(0)]], fail={"commit": [TopicAuthorizationFailedError()]})
    with pytest.raises(TopicAuthorizationFailedError):
        run_loader(FakeGateway(), consumer, FakeProducer())


def test_idle_time_counts_only_once_partitions_are_assigned():
    """With --until-idle 0, a loader that waits several polls for its partitions (a dead
    member still holds them) does not exit before it has read them."""
    consumer = FakeConsumer([[tx_record(0)]], unassigned_polls=5)
    loader, report = run_loader(FakeGateway(), consumer, FakeProducer())
    assert report.written == 1 and consumer.polled > 5


def test_idle_exit_waits_until_kafka_confirms_the_end_of_each_partition():
    """When the end offsets cannot be read (broker gone), an idle loader keeps running."""
    from kafka.errors import KafkaConnectionError

    consumer = FakeConsumer(
        [[tx_record(0)]], fail={"end_offsets": [KafkaConnectionError("gone")] * 2}
    )
    loader, report = run_loader(FakeGateway(), consumer, FakeProducer())
    assert report.written == 1
    assert (
        loader.metrics.value("ringwatch_stream_kafka_retries_total", operation="end offsets") == 2
    )


def test_kafka_reconnect_chatter_is_filtered_but_other_kafka_warnings_pass():
    """kafka-python's per-retry lines about an unreachable broker are dropped (the loader
    logs the outage once); its other warnings and ringwatch's own lines are kept."""
    import logging

    from ingest.stream import KafkaReachabilityFilter

    def record(name: str, message: str) -> logging.LogRecord:
        return logging.LogRecord(name, logging.WARNING, __file__, 1, message, None, None)

    keep = KafkaReachabilityFilter().filter
    assert not keep(record("kafka.cluster", "No node available for metadata refresh"))
    assert not keep(record("kafka.net.manager", "Connection failed: KafkaConnectionError: 111"))
    assert keep(record("kafka.producer.sender", "Got error produce response: NotLeader"))
    assert keep(
        record("ringwatch.stream", "Kafka unavailable (commit failed: KafkaConnectionError)")
    )
