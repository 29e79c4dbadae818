"""Replaying a dataset into Kafka: event-time merge order, message encoding, keys, pacing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from data import schema
from ingest.produce import Pacer, encode_rows, event_order, message_keys, produce_frames
from ingest.topics import Topics
from ringwatch.errors import RingwatchError

USERS = pd.DataFrame(
    {
        "id_usuario": ["U1", "U2"],
        "cpf_cnpj": ["52998224725", "11144477735"],
        "data_cadastro": ["2024-01-02T10:00:00", "2025-03-01T09:00:00"],
    }
)
KEYS = pd.DataFrame({"chave_pix": ["k@x.com"], "data_cadastro": ["2025-03-01T09:00:00"]})
TXS = pd.DataFrame(
    {
        "id_transacao": ["T2", "T1", "T3"],
        "timestamp": ["2025-03-01T09:05:00", "2025-03-01T08:00:00", "not a time"],
        "valor": ["1.00", "2.00", "3.00"],
    }
)
FRAUDS = pd.DataFrame({"id_fraude": ["F1"], "data_deteccao": ["2025-03-09T10:00:00"]})


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []
        self.flushed = False

    def send(self, topic: str, value: bytes | None = None, key: bytes | None = None) -> None:
        self.sent.append((topic, value, key))

    def flush(self, timeout: float | None = None) -> None:
        self.flushed = True


def test_event_order_merges_files_by_event_time():
    """Rows of all files interleave by event time; ties follow load order; bad times go last."""
    frames = {
        schema.TRANSACOES: TXS,
        schema.USUARIOS: USERS,
        schema.CHAVES: KEYS,
        schema.FRAUDES: FRAUDS,
    }
    order = event_order(frames)
    labels = [frames[d].iloc[r, 0] for d, r in zip(order["dataset"], order["row"], strict=True)]
    # U2 and the key share 09:00:00: holders (usuarios) come before keys (chaves_pix).
    assert labels == ["U1", "T1", "U2", "k@x.com", "T2", "F1", "T3"]


def test_event_order_of_nothing_is_empty():
    """No frames give an empty order rather than an error."""
    assert event_order({}).empty


def test_rows_become_json_objects_keyed_by_entity_id():
    """Each row is one JSON object with the file's column names; the key is its entity id."""
    payloads = encode_rows(TXS)
    assert [json.loads(p) for p in payloads] == TXS.to_dict("records")
    assert message_keys(schema.TRANSACOES, TXS) == [b"T2", b"T1", b"T3"]
    assert message_keys(schema.LIMITES, pd.DataFrame({"x": ["1"]})) == [None]


def test_non_ascii_names_survive_encoding():
    """Accented names are sent as UTF-8 text, not mangled."""
    frame = pd.DataFrame({"nome": ["João Conceição"]})
    assert json.loads(encode_rows(frame)[0].decode("utf-8")) == {"nome": "João Conceição"}


def test_produce_frames_sends_every_row_in_event_order_to_its_topic():
    """Each row goes to its dataset's topic in replay order, and the producer is flushed."""
    producer = RecordingProducer()
    report = produce_frames(producer, {schema.TRANSACOES: TXS, schema.USUARIOS: USERS}, Topics("x"))
    assert [(t, k) for t, _, k in producer.sent] == [
        ("x.usuarios", b"U1"),
        ("x.transacoes", b"T1"),
        ("x.usuarios", b"U2"),
        ("x.transacoes", b"T2"),
        ("x.transacoes", b"T3"),
    ]
    assert producer.flushed
    assert report.sent == {"x.transacoes": 3, "x.usuarios": 2}


def test_pacer_holds_the_rate():
    """At 100 msg/s the pacer sleeps until each message is due, and never at rate 0."""
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(100, clock=lambda: now[0], sleep=sleep)
    for sent in range(4):
        pacer.wait(sent)
    assert slept == [0.01, 0.01, 0.01]
    free = Pacer(0, clock=lambda: 0.0, sleep=lambda s: pytest.fail("slept"))
    free.wait(10**6)
    with pytest.raises(RingwatchError):
        Pacer(-1)


def test_topic_names_follow_the_prefix():
    """Topics are PREFIX.<suffix>; the DLQ is PREFIX.dlq; unknown topics map to no dataset."""
    topics = Topics()
    assert topics.of(schema.LOGS) == "pix.autenticacoes"
    assert topics.of(schema.LIMITES) == "pix.limites"
    assert topics.dlq == "pix.dlq"
    assert len(topics.all) == 8
    assert topics.dataset_of("pix.chaves") == schema.CHAVES
    assert topics.dataset_of("other.chaves") is None
    with pytest.raises(RingwatchError):
        Topics("bad prefix!")
