"""The detection scheduler: intervals, no overlapping runs, failures do not stop it."""

from __future__ import annotations

import threading
import time

import pytest

from detectors import schedule
from detectors.config import DetectionConfig
from ringwatch.errors import RingwatchError


class FakeClock:
    """A clock that only moves when a run 'takes time' or the loop waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeStop(threading.Event):
    """A stop event whose wait() advances the fake clock instead of sleeping."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        self.clock.now += timeout or 0
        return self.is_set()


def test_parse_every_reads_units():
    """15m, 90s, 1h and 2d become seconds; nonsense is a clear error."""
    assert [schedule.parse_every(t) for t in ("15m", "90s", "1h", "2d", "30")] == [
        900, 90, 3600, 172800, 30
    ]  # fmt: skip
    with pytest.raises(RingwatchError):
        schedule.parse_every("soon")


def test_runs_start_on_the_interval():
    """Short runs start every interval: at 0, 900 and 1800 s."""
    clock = FakeClock()

    def run() -> None:
        clock.now += 10

    report = schedule.loop(run, 900, stop=FakeStop(clock), max_runs=3, clock=clock)
    assert report.starts == [0, 900, 1800]


def test_a_long_run_delays_the_next_and_never_overlaps():
    """A run lasting 2.5 intervals makes the next start after it ends, on the next tick."""
    clock = FakeClock()

    def run() -> None:
        clock.now += 2250

    report = schedule.loop(run, 900, stop=FakeStop(clock), max_runs=3, clock=clock)
    assert report.starts == [0, 2700, 5400]
    assert all(s >= e for s, e in zip(report.starts[1:], report.ends, strict=False))


def test_real_threads_never_run_two_detections_at_once():
    """With real time and a run slower than the interval, at most one run is active."""
    active, peak = 0, 0
    lock = threading.Lock()

    def run() -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1

    report = schedule.loop(run, 0.01, max_runs=4)
    assert report.runs == 4 and peak == 1


def test_failed_run_is_logged_and_the_schedule_goes_on(caplog):
    """The second of three runs fails; the third still happens and the failure is logged."""
    clock = FakeClock()
    calls = []

    def run() -> None:
        calls.append(clock.now)
        clock.now += 1
        if len(calls) == 2:
            raise RuntimeError("Neo4j went away")

    report = schedule.loop(run, 60, stop=FakeStop(clock), max_runs=3, clock=clock)
    assert (report.runs, report.failed) == (3, 1)
    assert "Neo4j went away" in caplog.text


def test_busy_lock_counts_as_skipped_not_failed():
    """When another run holds the lock, the attempt is skipped and the loop continues."""
    clock = FakeClock()

    class Busy(RingwatchError):
        pass

    def run() -> None:
        clock.now += 1
        raise Busy("another run holds the lock")

    report = schedule.loop(
        run, 60, stop=FakeStop(clock), max_runs=2, clock=clock,
        is_busy=lambda exc: isinstance(exc, Busy),
    )  # fmt: skip
    assert (report.skipped, report.failed) == (2, 0)


def test_config_overrides_keep_types_and_reject_unknown_names():
    """--set min_score=0.6 gives a float; an unknown name is a clear error."""
    assert DetectionConfig.from_pairs(["min_score=0.6", "ip_cap=12"]).ip_cap == 12
    with pytest.raises(RingwatchError):
        DetectionConfig.from_pairs(["min_scor=0.6"])


def test_config_overrides_read_text_with_the_shared_rules():
    """--set values are read by ringwatch.textvalues, as query parameters are: lists of
    numbers, and a clear message naming the setting when the text is not a whole number."""
    cfg = DetectionConfig.from_pairs(["novelty_windows_days=1,7", "fraud_hops= 3"])
    assert cfg.novelty_windows_days == (1.0, 7.0) and cfg.fraud_hops == 3
    with pytest.raises(RingwatchError, match="fraud_hops.*whole number"):
        DetectionConfig.from_pairs(["fraud_hops=2.5"])
