"""bench/decide.py's CPU budget arithmetic, its CPU pinning helpers and its sender's
acknowledgement times."""

from __future__ import annotations

import math
import os
import threading
import time
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bench import decide as bench


def test_budget_gives_each_process_per_transfer_and_cores_and_the_demand() -> None:
    """Per process: CPU per transfer sent and cores over the window; the sum against the
    CPUs; what the rest of the machine spent; the demand with the loader and Neo4j charged
    per transfer loaded."""
    used = {"engine": 0.5, "loader": 1.0, "Neo4j": 0.5, "Kafka": 0.25}
    lines = bench.budget(
        used, elapsed=10.0, sent=10_000, rate=2_000, machine=[9.0, 8.0], loaded=5_000
    )
    table = "\n".join(lines)
    assert "| engine | 50 | 0.05 |" in table
    assert "| loader | 100 | 0.10 |" in table
    assert "| **sum of these** | **225** | **0.23 of 2** |" in table
    assert "CPU 0 0.90, CPU 1 0.80) | | 1.70 of 2 |" in table
    assert "| of which not these processes (other sessions) | | 1.48 |" in table
    # engine + Kafka per sent (75 µs) + loader and Neo4j per loaded (300 µs) = 375 µs;
    # at 2,000/s that is 0.75 of a core.
    assert lines[-1].endswith("| 375 | 0.75 of 2 |")
    assert "300 µs per transfer loaded (5,000 loaded)" in lines[-1]


def test_budget_leaves_out_the_demand_when_the_loaded_count_is_unknown() -> None:
    """Without a count of transfers loaded there is no demand row."""
    lines = bench.budget({"engine": 1.0}, 1.0, 100, 100, [1.0, 0.0], None)
    assert not any("demand" in line for line in lines)


class _AckingProducer:
    """A producer whose broker acknowledges every record at once, 7 ms after its Kafka
    timestamp."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, topic: str, value: bytes, key: bytes) -> Any:
        self.sent.append(key)
        stamp = time.time() * 1000 - 7
        return SimpleNamespace(add_callback=lambda cb: cb(SimpleNamespace(timestamp=stamp)))

    def flush(self) -> None:
        pass


def test_send_at_rate_times_the_way_into_the_broker_of_the_timed_transfers_only() -> None:
    """Every timed transfer (to a ring key) gets its time from Kafka timestamp to
    acknowledgement; the others are sent but not timed."""
    producer, acked = _AckingProducer(), {}
    keys = [f"k{i}" for i in range(20)]
    ids, _ = bench.send_at_rate(
        producer,
        "t",
        keys,
        1_000,
        0.05,
        "X",
        datetime(2025, 3, 3, 12),
        ["k0"],
        0.5,
        acked=acked,
    )
    assert len(producer.sent) == 50
    assert ids and len(ids) < 50
    assert set(acked) == set(ids)
    assert all(7 <= ms < 1_000 for ms in acked.values())


def test_p99_leaves_out_the_unknown_values_and_is_nan_without_any() -> None:
    """Transfers whose acknowledgement was not seen do not count; none known gives NaN."""
    assert bench._p99([1.0, math.nan, 1.0]) == 1.0
    assert math.isnan(bench._p99([math.nan]))
    assert math.isnan(bench._p99([]))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two CPUs")
def test_pin_moves_every_thread_and_unpin_restores_the_process_affinity() -> None:
    """``pin`` sets the affinity of every thread of a process, threads started before it
    included, and ``unpin`` gives them all the process's earlier affinity back."""
    started, stop = threading.Event(), threading.Event()

    def idle() -> None:
        started.set()
        stop.wait(10)

    worker = threading.Thread(target=idle)
    worker.start()
    started.wait(5)
    pid = os.getpid()
    original = os.sched_getaffinity(pid)
    try:
        before = bench.pin(pid, {0})
        assert before[pid] == original
        assert worker.native_id is not None
        assert os.sched_getaffinity(worker.native_id) == {0}
        assert os.sched_getaffinity(pid) == {0}
        bench.unpin(pid, before)
        assert os.sched_getaffinity(worker.native_id) == original
        assert os.sched_getaffinity(pid) == original
    finally:
        os.sched_setaffinity(pid, original)
        stop.set()
        worker.join()


def test_each_pinning_places_every_process_and_isolates_what_it_names():
    """``--pin engine`` leaves CPU 1 to the engine alone; ``--pin loading`` leaves CPU 0 to
    the loader and Neo4j alone; both place every process the benchmark starts or uses."""
    for cpus_of in bench.PINNINGS.values():
        assert set(cpus_of) == {"engine", "bench", "loader", "Neo4j", "Kafka"}
    alone_on = {
        name: {cpu: {p for p, cpus in cpus_of.items() if cpu in cpus} for cpu in (0, 1)}
        for name, cpus_of in bench.PINNINGS.items()
    }
    assert alone_on["engine"][1] == {"engine"}
    assert alone_on["loading"][0] == {"loader", "Neo4j"}
