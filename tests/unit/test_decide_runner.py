"""The engine's Kafka loop with hand-written fakes that record what was asked: alerts are
sent and acknowledged and stored, and only then are offsets committed; the next batch is
decided while the previous one's Alert nodes are still being written; Neo4j unavailable is
retried, any other write failure stops the engine before the commit; a refused alert record
stops it too; bad transfers go to the engine's DLQ."""

from __future__ import annotations

import json
import threading
from collections import namedtuple
from collections.abc import Mapping
from typing import Any

import pytest

from decide.alerts import RetryOffsets, WriterFailed
from decide.metrics import EngineMetrics
from decide.rules import DEFAULT_RULES, load_rules
from decide.runner import DecisionEngine, alerts_topic, dlq_topic
from decide.state import Membership, State
from graph.gateway import Neo4jUnavailable, QueryRejected, Result
from ingest.stream import Backoff, Message
from ingest.topics import Topics

TOPICS = Topics("t")
Record = namedtuple("Record", "topic partition offset key value timestamp")


class Future:
    """An acknowledged record (a delivery, done)."""

    is_done = True

    def __init__(self, error: Exception | None = None) -> None:
        self.exception = error

    def failed(self) -> bool:
        return self.exception is not None

    def add_both(self, callback: Any) -> None:
        callback(self)


class Fakes:
    """Consumer, producer and gateway in one, writing to one log."""

    def __init__(
        self,
        records: list[Record] | list[list[Record]],
        refuse_alerts: bool = False,
        write: Any = None,
    ) -> None:
        self.log: list[tuple[Any, ...]] = []
        # one poll per list of records (a flat list is one poll)
        self.polls = [records] if records and isinstance(records[0], Record) else list(records)
        self.refuse_alerts, self.write = refuse_alerts, write
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.sent_event = threading.Event()
        self.on_send: Any = lambda value: None

    # consumer
    def subscribe(self, topics: list[str]) -> None:
        self.log.append(("subscribe", tuple(topics)))

    def poll_messages(self, timeout_s: float) -> list[Message]:
        records = self.polls.pop(0) if self.polls else []
        return [Message(*r) for r in records]

    def assigned(self) -> bool:
        return True

    def commit_offsets(
        self, offsets: Mapping[tuple[str, int], int], *, wait: bool, retry: RetryOffsets
    ) -> None:
        self.log.append(("commit", {topic: offset for (topic, _), offset in offsets.items()}))

    def lags(self) -> dict[tuple[str, int], int]:
        return {}

    def close(self) -> None:
        self.log.append(("close",))

    # producer
    def send(self, topic: str, value: bytes, key: bytes | None) -> Future:
        self.log.append(("send", topic))
        self.sent.append((topic, json.loads(value)))
        self.on_send(self.sent[-1][1])
        refused = self.refuse_alerts and topic == alerts_topic(TOPICS)
        return Future(RuntimeError("broker said no") if refused else None)

    def serve(self) -> None:
        pass

    def flush(self) -> None:
        self.log.append(("flush",))

    # gateway
    def query(self, name: str, params: Mapping[str, Any] | None = None, **_: Any) -> Result:
        if name == "decide/versions":
            self.log.append(("query", name))
            return Result.of_rows([{"last_run": None, "decisions": 0, "frauds": 0}])
        if self.write is not None:
            self.write(params)
        self.log.append(("query", name))
        return Result.of_rows([{"alerts": len((params or {}).get("rows", []))}])

    def transaction(self, steps: Any, before_commit: Any = None) -> list[Result]:
        raise AssertionError("the engine writes alerts with one query")

    def gds(self) -> Any:
        raise AssertionError("the engine does not use GDS")


def state() -> State:
    s = State()
    for user, document, key in [("U1", "52998224725", "a@x.com"), ("U2", "11144477735", "b@x.com")]:
        s.apply("usuarios", {"id_usuario": user, "cpf_cnpj": document})
        s.apply("chaves_pix", {"chave_pix": key, "cpf_cnpj": document})
    s.caches.rings["U2"] = Membership("R000007", "open", "ring")
    return s


def record(offset: int, transfer_id: str, value: bytes | None = None) -> Record:
    row = {
        "id_transacao": transfer_id,
        "timestamp": "2025-03-10T12:00:00",
        "valor": "50.00",
        "chave_pix_origem": "a@x.com",
        "chave_pix_destino": "b@x.com",
        "tipo_transacao": "transferencia",
        "status": "concluida",
    }
    payload = json.dumps(row).encode() if value is None else value
    return Record(TOPICS.of("transacoes_pix"), 0, offset, transfer_id.encode(), payload, 1_000)


def engine(fakes: Fakes, metrics: EngineMetrics | None = None) -> DecisionEngine:
    rules = load_rules(DEFAULT_RULES)
    return DecisionEngine(
        fakes,
        fakes,
        fakes,
        TOPICS,
        rules,
        state(),
        refresh_check_s=60,
        backoff=Backoff(first_s=0.001, max_s=0.001),
        metrics=metrics,
    )


def test_offsets_are_committed_after_the_alerts_are_acknowledged_and_stored():
    fakes = Fakes([record(0, "T1"), record(1, "T2"), record(2, "T3", b"{broken")])
    report = engine(fakes).run(until_idle=0)
    assert (report.decided, report.alerts, report.blocks, report.dead_lettered) == (2, 2, 2, 1)
    steps = [  # the background cache check (decide/versions) may come at any time
        entry[0] if entry[0] != "query" else entry
        for entry in fakes.log
        if entry != ("query", "decide/versions")
    ]
    written = steps.index(("query", "decide/write_alerts"))
    assert steps[:written].count("send") == 3  # two alerts, one dead letter, all acknowledged
    assert "commit" in steps[written:] and "commit" not in steps[:written]
    assert ("commit", {TOPICS.of("transacoes_pix"): 3}) in fakes.log
    alerts = [v for topic, v in fakes.sent if topic == alerts_topic(TOPICS)]
    assert [(a["transfer_id"], a["decision"], a["ring_id"]) for a in alerts] == [
        ("T1", "block", "R000007"),
        ("T2", "block", "R000007"),
    ]
    assert alerts[0]["transfer_kafka_timestamp_ms"] == 1_000
    dead = [v for topic, v in fakes.sent if topic == dlq_topic(TOPICS)]
    assert [(d["key"], d["cause"]) for d in dead] == [("T3", "invalid_json")]


def test_a_refused_alert_record_stops_the_engine_before_any_commit():
    fakes = Fakes([record(0, "T1")], refuse_alerts=True)
    with pytest.raises(RuntimeError, match="Kafka refused 1 alert or dead-letter records"):
        engine(fakes).run(until_idle=0)
    assert not [entry for entry in fakes.log if entry[0] == "commit"]
    assert ("close",) in fakes.log


def test_the_next_batch_is_decided_while_the_alerts_of_the_last_are_written():
    fakes = Fakes([[record(0, "T1")], [record(1, "T2")]])
    seen: list[bool] = []

    def write(params: Any) -> None:
        if "T1" in [row["alert_id"] for row in params["rows"]]:
            # T1's Alert write ends only once T2 has been decided and its alert sent.
            seen.append(fakes.sent_event.wait(30))
            seen.append(not [entry for entry in fakes.log if entry[0] == "commit"])

    fakes.write = write
    fakes.on_send = lambda value: value.get("transfer_id") == "T2" and fakes.sent_event.set()
    engine(fakes).run(until_idle=0)
    assert seen == [True, True]
    commits = [entry for entry in fakes.log if entry[0] == "commit"]
    assert commits[-1] == ("commit", {TOPICS.of("transacoes_pix"): 2})


def test_neo4j_unavailable_is_retried_and_the_batch_then_committed():
    failures = [Neo4jUnavailable("Neo4j is restarting")]

    def write(_: Any) -> None:
        if failures:
            raise failures.pop()

    metrics = EngineMetrics()
    fakes = Fakes([record(0, "T1")], write=write)
    engine(fakes, metrics).run(until_idle=0)
    assert metrics.value("ringwatch_decide_neo4j_retries_total") == 1
    assert ("commit", {TOPICS.of("transacoes_pix"): 1}) in fakes.log


def test_a_refused_alert_write_stops_the_engine_before_any_commit():
    def write(_: Any) -> None:
        raise QueryRejected("constraint broken")

    fakes = Fakes([record(0, "T1")], write=write)
    with pytest.raises(WriterFailed, match="constraint broken"):
        engine(fakes).run(until_idle=0)
    assert not [entry for entry in fakes.log if entry[0] == "commit"]
    assert ("close",) in fakes.log


class LateFuture:
    """A record Kafka acknowledges when the test says."""

    def __init__(self) -> None:
        self.callbacks: list[Any] = []

    def add_both(self, callback: Any) -> None:
        self.callbacks.append(callback)

    def acknowledge(self) -> None:
        for callback in self.callbacks:
            callback(self)


def test_a_batch_latencies_are_observed_once_each_when_its_last_alert_is_acknowledged():
    """Every stamped transfer of a batch is one latency observation, made when the last
    of the batch's alert records is acknowledged, not before."""
    from decide.runner import _observe_when_sent

    metrics = EngineMetrics()
    first, last = LateFuture(), LateFuture()
    _observe_when_sent([first, last], [1_000, 2_000, 3_000], metrics)
    first.acknowledge()
    assert metrics.value("ringwatch_decide_latency_seconds_count") == 0
    last.acknowledge()
    assert metrics.value("ringwatch_decide_latency_seconds_count") == 3
    # Stamps are decades in the past: every latency is in the +Inf bucket only.
    assert metrics.value("ringwatch_decide_latency_seconds_bucket", le="60.0") == 0
    assert metrics.value("ringwatch_decide_latency_seconds_bucket", le="+Inf") == 3


def test_a_batch_observed_at_once_exposes_what_one_observation_per_value_does():
    """``BatchHistogram.observe_many`` gives the buckets, count and sum that ``observe``
    value by value gives, bucket edges included (a value equal to a bound is in it)."""
    from prometheus_client import CollectorRegistry, Histogram

    from decide.metrics import BatchHistogram

    values = [0.0, 0.005, 0.0051, 0.1, 0.25, 0.3, 2.5, 61.0, 0.004]
    one, batch = CollectorRegistry(), CollectorRegistry()
    bounds = (0.005, 0.1, 2.5, 60.0)
    by_value = Histogram("h", "one by one", buckets=bounds, registry=one)
    for value in values:
        by_value.observe(value)
    BatchHistogram("h", "at once", buckets=bounds, registry=batch).observe_many(values)
    BatchHistogram("e", "nothing", buckets=bounds, registry=batch).observe_many([])
    for le in ("0.005", "0.1", "2.5", "60.0", "+Inf"):
        expected = one.get_sample_value("h_bucket", {"le": le})
        assert batch.get_sample_value("h_bucket", {"le": le}) == expected
    assert batch.get_sample_value("h_count") == len(values)
    assert batch.get_sample_value("h_sum") == pytest.approx(sum(values))
    assert batch.get_sample_value("e_count") == 0
