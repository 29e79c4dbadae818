"""The bronze archive on the real Kafka and Neo4j: what `ringwatch stream` consumed is archived
whole (the dead-letter topic included), the graph rebuilt from the archive is the bulk-loaded
one, `until` cuts by Kafka timestamp, and records already archived are never archived twice."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable

from archive import parse_until, rebuild
from archive.archiver import ArchivePolicy, Archiver, open_archive_consumer
from graph.queries import inline
from ingest.produce import open_producer, produce_frames, read_directory
from ingest.stream import BatchPolicy, StreamLoader, open_consumer
from ingest.topics import Topics, delete_topics, ensure_topics
from ringwatch.settings import load_settings
from tests.integration.test_stream_load import WIPE, bulk, fingerprint, write_small_dataset

pytestmark = pytest.mark.integration

BOOTSTRAP = load_settings().kafka_bootstrap_servers


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return write_small_dataset(tmp_path_factory.mktemp("archive") / "data")


@pytest.fixture
def replay(gateway):
    """Replays a dataset into fresh topics (as test_stream_load does) and empties the graph."""
    created: list[Topics] = []

    def run(directory: Path) -> Topics:
        names = Topics(f"test{uuid.uuid4().hex[:8]}")
        created.append(names)
        ensure_topics(BOOTSTRAP, names.all)
        producer = open_producer(BOOTSTRAP)
        try:
            produce_frames(producer, read_directory(directory), names)
        finally:
            producer.close()
        gateway.query(inline(WIPE))
        return names

    yield run
    for names in created:
        delete_topics(BOOTSTRAP, names.all)


def archive_topics(topics: Topics, path: Path, group: str | None = None) -> int:
    """Runs an archiver over every topic of ``topics`` until idle; returns records archived."""
    consumer = open_archive_consumer(BOOTSTRAP, group or f"a-{uuid.uuid4().hex[:8]}", 1000)
    policy = ArchivePolicy(max_messages=1000, max_wait_s=0.2)
    return Archiver(consumer, path, topics.prefix, policy).run(until_idle=3).archived


def archived(path: Path):
    return DeltaTable(str(path)).to_pyarrow_table()


def test_stream_archive_reset_rebuild_gives_the_bulk_loaded_graph(gateway, small, replay, tmp_path):
    """Stream a dataset into Neo4j, archive every topic, empty the graph and rebuild it from
    the archive: same fingerprint as the bulk load, same rejects; the archive holds every
    message of the dataset topics once plus the loader's dead-letter records."""
    expected, rejected = bulk(gateway, small)
    assert rejected > 0
    messages = sum(len(f) for f in read_directory(small).values())
    topics = replay(small)
    consumer = open_consumer(BOOTSTRAP, f"g-{topics.prefix}", topics, max_poll_records=2000)
    producer = open_producer(BOOTSTRAP)
    try:
        StreamLoader(
            gateway, consumer, producer, topics, BatchPolicy(max_messages=2000, max_wait_s=0.1)
        ).run(until_idle=3)
    finally:
        producer.close()
    assert fingerprint(gateway) == expected

    path = tmp_path / "archive"
    assert archive_topics(topics, path) == messages + rejected
    rows = archived(path)
    counts = rows.group_by("topic").aggregate([("offset", "count")])
    per_topic = dict(
        zip(counts["topic"].to_pylist(), counts["offset_count"].to_pylist(), strict=True)
    )
    assert per_topic[topics.dlq] == rejected
    assert sum(per_topic[t] for t in topics.data) == messages
    dead = [
        json.loads(v) for v in rows.filter(pc.field("topic") == topics.dlq)["value"].to_pylist()
    ]
    assert {d["topic"] for d in dead} <= set(topics.data)

    gateway.query(inline(WIPE))
    report = rebuild(gateway, path, topics=topics, progress=False, say=lambda _: None)
    assert fingerprint(gateway) == expected
    assert report.messages == messages
    assert report.rejected == rejected
    assert report.duplicates == 0

    again = rebuild(gateway, path, topics=topics, progress=False, say=lambda _: None)
    assert fingerprint(gateway) == expected  # rebuilding twice changes nothing
    assert again.written == report.written


def test_a_second_archiver_over_the_same_topics_archives_nothing_twice(small, replay, tmp_path):
    """An archiver of another consumer group reads every topic from the start again; every
    record it gets is already in the table, so the table is unchanged (dedup by topic,
    partition and offset, read from the table at start)."""
    topics = replay(small)
    path = tmp_path / "archive"
    first = archive_topics(topics, path)
    version = DeltaTable(str(path)).version()
    assert first == sum(len(f) for f in read_directory(small).values())

    consumer = open_archive_consumer(BOOTSTRAP, f"again-{topics.prefix}", 1000)
    report = Archiver(
        consumer, path, topics.prefix, ArchivePolicy(max_messages=1000, max_wait_s=0.2)
    ).run(until_idle=3)
    assert report.consumed == first
    assert (report.archived, report.skipped) == (0, first)
    assert DeltaTable(str(path)).version() == version
    assert archived(path).num_rows == first


def test_until_rebuilds_only_what_had_arrived_by_then(gateway, tmp_path):
    """Records carry their Kafka timestamp and headers into the archive; a rebuild `until` a
    time between two producer timestamps loads the earlier records only, and the rest on a
    rebuild without `until`."""
    topics = Topics(f"test{uuid.uuid4().hex[:8]}")
    ensure_topics(BOOTSTRAP, topics.all)
    early = int(datetime(2025, 3, 1, 12, tzinfo=UTC).timestamp() * 1000)
    late = int(datetime(2025, 3, 3, 12, tzinfo=UTC).timestamp() * 1000)
    holder = {
        "id_usuario": "U0000001",
        "cpf_cnpj": "52998224725",
        "nome": "Ana",
        "email": "ana@x.com",
        "telefone": "+5511987654321",
        "data_cadastro": "2024-01-03T10:00:00",
        "status": "ativa",
    }
    second = {**holder, "id_usuario": "U0000002", "cpf_cnpj": "11144477735", "email": "b@x.com"}
    producer = open_producer(BOOTSTRAP)
    try:
        for row, stamp in ((holder, early), (second, late)):
            producer.send(
                topics.of("usuarios"),
                value=json.dumps(row).encode(),
                key=row["id_usuario"].encode(),
                headers=[("source", b"test")],
                timestamp_ms=stamp,
            )
        producer.flush()
    finally:
        producer.close()
    path = tmp_path / "archive"
    try:
        assert archive_topics(topics, path) == 2
    finally:
        delete_topics(BOOTSTRAP, topics.all)
    rows = archived(path).sort_by("timestamp").to_pylist()
    assert [r["event_date"].isoformat() for r in rows] == ["2025-03-01", "2025-03-03"]
    assert rows[0]["headers"] == [{"key": "source", "value": b"test"}]
    assert json.loads(rows[0]["value"]) == holder

    gateway.query(inline(WIPE))
    count = "MATCH (a:Account) RETURN count(a) AS n"
    cut = rebuild(gateway, path, parse_until("2025-03-02"), topics=topics, progress=False)
    assert (cut.messages, cut.written) == (1, 1)
    assert gateway.query(inline(count)).rows[0]["n"] == 1
    rebuild(gateway, path, topics=topics, progress=False, say=lambda _: None)
    assert gateway.query(inline(count)).rows[0]["n"] == 2
