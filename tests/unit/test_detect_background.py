"""The any-speed structures computed in a forked process on the second core: same results as
in one process, and a child's failure or death is an error that names it."""

from __future__ import annotations

import os
import signal
from dataclasses import replace

import pandas as pd
import pytest

from detectors import pipeline
from detectors.background import Background, can_fork
from detectors.config import DetectionConfig
from detectors.frames import Inputs
from ringwatch.errors import RingwatchError
from tests.unit.test_any_speed import START, fan_in, population, with_rows

needs_fork = pytest.mark.skipif(not can_fork(), reason="this system cannot fork")


def _square(x: int) -> int:
    return x * x


def _fail() -> None:
    raise ValueError("bad input row 7")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@needs_fork
def test_a_forked_function_returns_what_it_returns_in_process():
    """The child's result comes back through the pipe; in process, the same value."""
    with Background(_square, 12) as job:
        assert job.forked
        assert job.result() == 144
    assert Background(_square, 12, forked=False).result() == 144


@needs_fork
def test_a_childs_exception_comes_back_with_its_traceback():
    """An exception in the child is raised in the parent, naming the worker and the cause."""
    with Background(_fail) as job, pytest.raises(RingwatchError, match="bad input row 7"):
        job.result()


@needs_fork
def test_a_killed_child_is_an_error_with_its_exit_code():
    """A child killed before it answers (the OOM killer's SIGKILL) gives an error with -9."""
    with Background(_die) as job, pytest.raises(RingwatchError, match="exit code -9"):
        job.result()


@needs_fork
def test_detection_finds_the_same_rings_with_and_without_the_second_core():
    """find_rings with the one-off structures forked (threshold 0) returns exactly the rings,
    scores, reasons and counts of the same run in one process."""
    rows = []
    for k in range(4):
        hub, senders = f"P{k:03d}", [f"P{100 + 8 * k + i:03d}" for i in range(8)]
        rows += fan_in(hub, senders, pd.Timedelta(hours=6), START + pd.Timedelta(days=20 * k))
    inputs = Inputs(transfers=with_rows(population(one_off_per_account=1.0), rows))
    cfg = DetectionConfig()
    forked = pipeline.find_rings(inputs, replace(cfg, background_min_one_offs=0))
    alone = pipeline.find_rings(inputs, replace(cfg, background_min_one_offs=10**9))
    assert (forked.rings["kind"] == "ring").sum() >= 4
    pd.testing.assert_frame_equal(forked.rings, alone.rings)
    assert forked.counts == alone.counts
