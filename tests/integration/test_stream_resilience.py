"""Stream loaders ride through a Kafka broker killed and restarted mid-stream, and two loaders
sharing one consumer group (one of them SIGKILLed) build exactly the bulk-loaded graph."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.produce import read_directory
from ringwatch.settings import PROJECT_ROOT, load_settings
from stack.manager import Stack
from tests.integration.test_stream_load import (  # noqa: F401  (replay is a fixture)
    BOOTSTRAP,
    _committed,
    bulk,
    fingerprint,
    replay,
    write_small_dataset,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """About 5,000 messages: enough 50-message batches to break things in the middle."""
    return write_small_dataset(tmp_path_factory.mktemp("resilience") / "data", 300, 3000)


def loader(topics, group: str, instance: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ringwatch.cli",
            "stream",
            "--topic-prefix",
            topics.prefix,
            "--group",
            group,
            "--instance-id",
            instance,
            "--batch-size",
            "50",
            "--batch-wait-ms",
            "50",
            "--metrics-port",
            "0",
            *extra,
        ],  # fmt: skip
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, what: str, timeout: float, *processes: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for process in processes:
            if process.poll() is not None:
                out = process.stdout.read().decode() if process.stdout else ""
                raise AssertionError(f"a loader exited before {what}:\n{out}")
        assert time.monotonic() < deadline, f"not {what} within {timeout:.0f} s"
        time.sleep(0.1)


def committed(group: str) -> int:
    """Offsets the group has committed, or -1 while Kafka cannot say (no coordinator yet)."""
    from kafka.errors import KafkaError

    try:
        return _committed(group)
    except KafkaError:
        return -1


def consumed(output: str) -> int:
    match = re.search(r"Consumed ([\d,]+) messages", output)
    assert match, output
    return int(match[1].replace(",", ""))


def test_kafka_killed_and_restarted_mid_stream(gateway, dataset, replay):  # noqa: F811
    """The broker is SIGKILLed while the loader streams and started again seconds later: the
    loader logs at most one line when Kafka goes and one when it is back (no traceback),
    exits by itself once idle, every offset is committed and the graph is the bulk-loaded
    one."""
    settings = load_settings()
    if settings.external_neo4j:
        pytest.skip("kills Kafka: needs the local stack (`ringwatch stack up`)")
    kafka = Stack(settings).kafka
    expected, _ = bulk(gateway, dataset)
    messages = sum(len(f) for f in read_directory(dataset).values())
    topics = replay(dataset)
    group = f"g-{topics.prefix}"
    process = loader(topics, group, "loader-1", "--until-idle", "5")
    try:
        wait_for(lambda: committed(group) >= 500, "500 offsets committed", 90, process)
        pid = kafka.pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: kafka.pid() is None, "Kafka gone", 30)
        time.sleep(5)
    finally:
        kafka.start()
        kafka.wait_ready(BOOTSTRAP, 180)
    out, _ = process.communicate(timeout=300)
    text = out.decode()
    assert process.returncode == 0, text
    # No traceback from ringwatch's own code; kafka-python may log one of its socket errors
    # when the broker dies under it (seen once on a fresh clone), which the loader survives.
    assert not re.search(r'File "[^"]*/(ingest|ringwatch|graph)/', text), text
    # One line per outage, not one per retry. Whether the loader meets the outage at all
    # depends on timing: a loader idle in a poll while the broker is down sees no error (the
    # client reconnects by itself), so the retry path itself is covered by unit tests.
    outages = text.count("Kafka unavailable")
    assert outages <= 3, text
    assert outages == 0 or "Kafka available again" in text, text
    assert _committed(group) == messages
    assert fingerprint(gateway) == expected


def test_two_loaders_in_one_group_one_killed_give_the_bulk_graph(gateway, dataset, replay):  # noqa: F811
    """Two loaders share a consumer group; one is SIGKILLed mid-stream and restarted with its
    instance id (it takes its partitions back at once): both load their share, every offset
    is committed, both stop cleanly on SIGTERM, and the graph is the bulk-loaded one."""
    expected, _ = bulk(gateway, dataset)
    messages = sum(len(f) for f in read_directory(dataset).values())
    topics = replay(dataset)
    group = f"g-{topics.prefix}"
    first, second = loader(topics, group, "loader-a"), loader(topics, group, "loader-b")
    try:
        wait_for(lambda: committed(group) >= 800, "800 offsets committed", 90, first, second)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert _committed(group) < messages, "the loaders finished before one was killed"
    restarted = loader(topics, group, "loader-a")
    outputs = []
    try:
        wait_for(lambda: committed(group) == messages, "every offset committed", 240, second)
    finally:
        for process in (second, restarted):
            process.send_signal(signal.SIGTERM)
            out, _ = process.communicate(timeout=60)
            outputs.append(out.decode())
            assert process.returncode == 0, outputs[-1]
    assert all(consumed(out) > 0 for out in outputs)  # both shared the work after the kill
    assert fingerprint(gateway) == expected
