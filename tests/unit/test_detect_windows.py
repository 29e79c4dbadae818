"""A detection run covers the whole loaded history in overlapping windows, and a ring found in
two windows is reported once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from detectors import export, pipeline
from detectors.config import DetectionConfig
from detectors.frames import RING_COLUMNS
from ringwatch.errors import RingwatchError

LAST = datetime(2025, 12, 31, 18, 30)


def spans(windows: list[tuple[str, str]]) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in windows]


def test_a_short_history_is_one_window_as_before():
    """90 days of history and 120-day windows: one window, the last 120 days."""
    cfg = DetectionConfig()
    (since, until), *rest = spans(export.tiles(LAST - timedelta(days=90), LAST, cfg))
    assert rest == []
    assert until == LAST + timedelta(seconds=1)
    assert until - since == timedelta(days=120)


def test_a_long_history_is_covered_by_overlapping_windows():
    """300 days of history: 120-day windows, oldest first, each overlapping the next by
    trace_max_days (45), the oldest reaching back past the first transfer."""
    cfg = DetectionConfig()
    first = LAST - timedelta(days=300)
    found = spans(export.tiles(first, LAST, cfg))
    assert len(found) == 4
    assert found[-1][1] == LAST + timedelta(seconds=1)
    assert found[0][0] <= first < found[1][0]
    for (since, until), (next_since, next_until) in zip(found, found[1:], strict=False):
        assert until - since == timedelta(days=120)
        assert until - next_since == timedelta(days=45)
        assert next_until > until


def test_history_days_limits_how_far_back_a_run_goes():
    """history_days 100 on 300 days of data: only the newest window; window_days 0: all the
    history in one window."""
    first = LAST - timedelta(days=300)
    assert len(export.tiles(first, LAST, DetectionConfig(history_days=100))) == 1
    ((since, _),) = spans(export.tiles(first, LAST, DetectionConfig(window_days=0)))
    assert since == first


def test_windows_must_be_longer_than_their_overlap():
    """A window no longer than trace_max_days could not overlap its neighbour: refused with
    the names of both settings."""
    with pytest.raises(RingwatchError, match="window_days.*trace_max_days"):
        DetectionConfig(window_days=30)


def ring(members: list[str], score: float, kind: str = "ring") -> dict[str, object]:
    return {
        "kind": kind,
        "members": members,
        "size": len(members),
        "score": score,
        "reasons": [f"score {score}"],
        "typology_guess": "fan_in",
        "first_seen": pd.Timestamp("2025-01-01"),
        "last_seen": pd.Timestamp("2025-01-02"),
        "total_amount": 100.0,
    }


def result(rows: list[dict[str, object]], window: tuple[str, str]) -> pipeline.DetectionResult:
    return pipeline.DetectionResult(
        rings=pd.DataFrame(rows, columns=RING_COLUMNS),
        counts={"transfers": 10, "rings": sum(r["kind"] == "ring" for r in rows)},
        window=window,
        timings={"export": 1.0, "patterns": 2.0},
    )


def test_a_ring_found_in_two_windows_is_reported_once_at_its_best():
    """The same ring (Jaccard 0.8) in two overlapping windows is kept once, as scored in the
    window where it scored higher; other rings and a linked cluster found in both windows
    stay once each; counts and timings add up over the windows."""
    old = result(
        [
            ring(["A", "B", "C", "D"], 0.70),
            ring(["P", "Q", "R", "S"], 0.60),
            ring(["X", "Y"], 0.5, "linked_accounts"),
        ],
        ("2025-01-01T00:00:00", "2025-05-01T00:00:00"),
    )
    new = result(
        [
            ring(["A", "B", "C", "D", "E"], 0.80),
            ring(["K", "L", "M", "N"], 0.55),
            ring(["X", "Y"], 0.5, "linked_accounts"),
        ],
        ("2025-03-17T00:00:00", "2025-07-15T00:00:00"),
    )
    both = pipeline.combine([old, new], DetectionConfig())
    rings = both.rings[both.rings["kind"] == "ring"]
    assert sorted(map(sorted, rings["members"])) == [
        ["A", "B", "C", "D", "E"],
        ["K", "L", "M", "N"],
        ["P", "Q", "R", "S"],
    ]
    assert rings["score"].max() == 0.80
    assert (both.rings["kind"] == "linked_accounts").sum() == 1
    assert both.counts["windows"] == 2 and both.counts["rings"] == 3
    assert both.counts["transfers"] == 20
    assert both.timings == {"export": 2.0, "patterns": 4.0}
    assert both.window == ("2025-01-01T00:00:00", "2025-07-15T00:00:00")


def test_one_window_is_passed_through_unchanged():
    """With one window the result is the window's own."""
    only = result([ring(["A", "B", "C", "D"], 0.7)], ("a", "b"))
    assert pipeline.combine([only], DetectionConfig()) is only
