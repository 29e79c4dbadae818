"""Malformed messages land in the dead-letter topic with their payload and a reason, and
every valid message still reaches the graph."""

from __future__ import annotations

import json
import time
import uuid

import pandas as pd
import pytest

from graph.queries import inline
from ingest.produce import open_producer, produce_frames
from ingest.stream import BatchPolicy, StreamLoader, open_consumer
from ingest.topics import Topics, delete_topics, ensure_topics
from ringwatch.settings import load_settings
from tests.integration.test_bulk_load import FILES

pytestmark = pytest.mark.integration

BOOTSTRAP = load_settings().kafka_bootstrap_servers
TX = {
    "id_transacao": "T00000009",
    "timestamp": "2025-03-01T10:00:00",
    "valor": "10.00",
    "chave_pix_origem": "52998224725",
    "chave_pix_destino": "bia@x.com",
    "tipo_transacao": "transferencia",
    "status": "concluida",
}
USER = {
    "id_usuario": "U0000009",
    "cpf_cnpj": "52998224724",  # wrong second check digit
    "nome": "Zé",
    "email": "ze@x.com",
    "telefone": "+5511987654329",
    "data_cadastro": "2024-01-02T10:00:00",
    "status": "ativa",
}


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


# key -> (dataset suffix, raw payload, expected reason prefix)
MALFORMED: dict[str, tuple[str, bytes, str]] = {
    "bad-json": ("transacoes", b'{"id_transacao": "T00000010", ', "invalid JSON: "),
    "not-object": ("transacoes", b'["T00000011", 10.0]', "not a JSON object: got list"),
    "missing-field": (
        "transacoes",
        _json({k: v for k, v in TX.items() if k != "valor"} | {"id_transacao": "T00000012"}),
        "",  # "valor: missing value", or "missing column(s) ['valor']" if alone in its batch
    ),
    "bad-cpf": ("usuarios", _json(USER), "cpf_cnpj: invalid CPF/CNPJ check digits"),
    "negative": (
        "transacoes",
        _json({**TX, "id_transacao": "T00000013", "valor": "-10.00"}),
        "valor: amount must be > 0",
    ),
    "unknown-enum": (
        "transacoes",
        _json({**TX, "id_transacao": "T00000014", "tipo_transacao": "boleto"}),
        "tipo_transacao: unknown value (allowed: ",
    ),
    "one-megabyte": (
        "transacoes",
        _json({**TX, "id_transacao": "T00000015", "chave_pix_destino": "x" * 1_000_000}),
        "oversize: ",
    ),
    "bool-amount": (
        "transacoes",
        _json({**TX, "id_transacao": "T00000016", "valor": True}),
        "valor: wrong type",
    ),
    "numeric-id": ("transacoes", _json({**TX, "id_transacao": 17}), "id_transacao: wrong type"),
    "list-status": (
        "transacoes",
        _json({**TX, "id_transacao": "T00000018", "status": ["concluida"]}),
        "status: wrong type",
    ),
}


@pytest.fixture
def topics(gateway):
    names = Topics(f"dlq{uuid.uuid4().hex[:8]}")
    ensure_topics(BOOTSTRAP, names.all)
    gateway.query(inline("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS"))
    yield names
    delete_topics(BOOTSTRAP, names.all)


def _read_all(topic_names: Topics, expected: int) -> list[dict]:
    consumer = open_consumer(BOOTSTRAP, f"reader-{uuid.uuid4().hex}", topic_names)
    consumer.subscribe([topic_names.dlq])
    out: list[dict] = []
    deadline = time.monotonic() + 30
    try:
        while len(out) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                out.extend(json.loads(r.value) for r in records)
    finally:
        consumer.close(autocommit=False)
    return out


def test_malformed_messages_land_in_the_dlq_with_reasons(gateway, topics):
    """Invalid JSON, non-objects, missing fields, bad CPF, negative amount, unknown enum,
    a 1 MB message and wrong types are dead-lettered with payload and reason; valid rows load."""
    producer = open_producer(BOOTSTRAP)
    try:
        frames = {
            name: pd.DataFrame(rows, columns=header.split(","))
            for name, (rows, header) in FILES.items()
        }
        produce_frames(producer, frames, topics)
        for key, (suffix, payload, _) in MALFORMED.items():
            producer.send(f"{topics.prefix}.{suffix}", value=payload, key=key.encode())
        producer.flush()
        consumer = open_consumer(BOOTSTRAP, f"g-{topics.prefix}", topics)
        loader = StreamLoader(gateway, consumer, producer, topics, BatchPolicy(max_wait_s=0.2))
        report = loader.run(until_idle=3)
    finally:
        producer.close()

    records = _read_all(topics, report.rejected)
    by_key = {r["key"]: r for r in records}
    assert report.rejected == len(MALFORMED) + 2 == len(records)  # + 2 bad rows in FILES
    for key, (suffix, payload, reason) in MALFORMED.items():
        record = by_key[key]
        assert record["reason"].startswith(reason), (key, record["reason"])
        assert record["topic"] == f"{topics.prefix}.{suffix}"
        assert record["offset"] >= 0 and record["partition"] >= 0
        assert record["payload"].encode() == payload and not record["payload_truncated"]
    assert "valor" in by_key["missing-field"]["reason"]
    assert by_key["T00000003"]["reason"] == "valor: amount must be > 0"
    assert by_key["52998224724"]["reason"] == "chave_pix: not a valid key of its tipo_chave"

    counts = {r["item"]: r["value"] for r in gateway.query("admin/graph_fingerprint").rows}
    assert counts["nodes:Account"] == 3 and counts["rels:PIX"] == 2
    assert counts["nodes:Transaction"] == 2 and counts["sum:pix_valor"] == pytest.approx(195.5)
    rejected = loader.metrics.value
    tx_topic = f"{topics.prefix}.transacoes"
    assert rejected("ringwatch_stream_messages_rejected_total", topic=tx_topic, cause="oversize")
    assert rejected("ringwatch_stream_messages_rejected_total", topic=tx_topic, cause="not_object")
