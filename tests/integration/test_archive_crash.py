"""`ringwatch archive` killed with SIGKILL mid-stream, restarted, stopped with SIGTERM and run
to the end on the real Kafka archives every message exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from deltalake import DeltaTable

from ingest.produce import open_producer, produce_frames, read_directory
from ingest.topics import Topics, delete_topics, ensure_topics
from ringwatch.settings import PROJECT_ROOT, load_settings
from tests.integration.test_stream_load import write_small_dataset

pytestmark = pytest.mark.integration

BOOTSTRAP = load_settings().kafka_bootstrap_servers


@pytest.fixture
def topics(tmp_path):
    """About 5,000 messages in fresh topics: enough 200-message batches to kill mid-stream."""
    data = write_small_dataset(tmp_path / "data", 300, 3000)
    names = Topics(f"test{uuid.uuid4().hex[:8]}")
    ensure_topics(BOOTSTRAP, names.all)
    producer = open_producer(BOOTSTRAP)
    try:
        sent = produce_frames(producer, read_directory(data), names).total
    finally:
        producer.close()
    yield names, sent
    delete_topics(BOOTSTRAP, names.all)


def _committed(group: str) -> int:
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
        return sum(o.offset for o in offsets.values() if o.offset > 0)
    finally:
        admin.close()


def _archive(topics: Topics, path: Path, group: str, *extra: str) -> subprocess.Popen[bytes]:
    # `python -m archive.cli` is `ringwatch archive` itself (the same function, run alone).
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive.cli",
            "--path",
            str(path),
            "--topic-prefix",
            topics.prefix,
            "--group",
            group,
            "--instance-id",
            "archiver-1",
            "--batch-size",
            "200",
            "--batch-wait-s",
            "0.2",
            *extra,
        ],  # fmt: skip
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _committed_so_far(group: str) -> int:
    """Offsets committed, or -1 while Kafka cannot say yet (the group's coordinator is still
    being elected on a fresh broker)."""
    from kafka.errors import KafkaError

    try:
        return _committed(group)
    except KafkaError:
        return -1


def _wait_for_commits(process: subprocess.Popen[bytes], group: str, at_least: int) -> None:
    deadline = time.monotonic() + 90
    while _committed_so_far(group) < at_least:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read().decode() if process.stdout else "exited")
        assert time.monotonic() < deadline, f"fewer than {at_least} offsets committed in 90 s"
        time.sleep(0.05)


def test_sigkill_then_restart_archives_every_message_exactly_once(topics, tmp_path):
    """SIGKILL after the first batches, a restart stopped by SIGTERM (clean exit, summary
    line), and a last run to the end leave each (topic, partition, offset) in the table
    exactly once, every partition complete from offset 0."""
    names, sent = topics
    path, group = tmp_path / "archive", f"a-{names.prefix}"
    first = _archive(names, path, group)
    try:
        _wait_for_commits(first, group, 600)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    killed_at = DeltaTable(str(path)).to_pyarrow_table(columns=["offset"]).num_rows
    assert 600 <= killed_at < sent, "the archiver finished before it was killed"

    second = _archive(names, path, group)
    _wait_for_commits(second, group, killed_at + 400)
    second.send_signal(signal.SIGTERM)
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 0, out.decode()
    assert "Archived" in out.decode()

    third = _archive(names, path, group, "--until-idle", "3")
    out, _ = third.communicate(timeout=180)
    assert third.returncode == 0, out.decode()

    rows = DeltaTable(str(path)).to_pyarrow_table(columns=["topic", "partition", "offset"])
    coordinates = list(
        zip(
            rows["topic"].to_pylist(),
            rows["partition"].to_pylist(),
            rows["offset"].to_pylist(),
            strict=True,
        )
    )
    assert len(coordinates) == len(set(coordinates)) == sent
    assert _committed(group) == sent
    per_partition: dict[tuple[str, int], list[int]] = {}
    for topic, partition, offset in coordinates:
        per_partition.setdefault((topic, partition), []).append(offset)
    for offsets in per_partition.values():
        assert sorted(offsets) == list(range(len(offsets)))
