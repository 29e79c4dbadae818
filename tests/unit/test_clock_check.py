"""The clock check: the hour-scale detectors run only when the time of day carries information;
a day-level export with made-up clock times is read as day-level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors import clock, frames, pipeline
from detectors.config import DetectionConfig

CFG = DetectionConfig()
START = pd.Timestamp("2025-04-01")


def world(seed: int = 1) -> pd.DataFrame:
    """300 people who each pay two regular payees five times at random hours over 60 days,
    and 20 mules who pass each payment they receive on to a cash-out account within ten
    minutes."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(300):
        for b in ((a + 7) % 300, (a + 31) % 300):
            for _ in range(5):
                day, hour = int(rng.integers(0, 60)), float(rng.uniform(7, 22))
                at = START + pd.Timedelta(days=day, hours=hour)
                rows.append((f"P{a:03d}", f"P{b:03d}", at, float(rng.uniform(20, 900))))
    for m in range(20):
        for _ in range(6):
            payer = f"P{int(rng.integers(0, 300)):03d}"
            day, hour = int(rng.integers(0, 60)), float(rng.uniform(7, 21))
            at = START + pd.Timedelta(days=day, hours=hour)
            amount = float(rng.uniform(300, 2000))
            rows.append((payer, f"M{m:02d}", at, amount))
            rows.append((f"M{m:02d}", f"C{m % 4}", at + pd.Timedelta(minutes=10), amount * 0.97))
    frame = pd.DataFrame(rows, columns=["src", "dst", "ts", "amount"])
    return frame.sort_values("ts", kind="stable").reset_index(drop=True)


def noisy_clock(transfers: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """The same transfers, each on its own day but at a random time of day (a day-level export
    whose times were made up)."""
    out = clock.redraw_times(transfers, np.random.default_rng(seed))
    return out.sort_values("ts", kind="stable").reset_index(drop=True)


def test_real_clock_times_are_informative():
    """Mules passing money on within minutes give far more pass-through episodes than the
    same transfers at random times of day."""
    checked = clock.check(world(), CFG)
    assert checked.informative
    assert checked.real > 2 * checked.chance


def test_made_up_clock_times_are_noise():
    """With every time of day drawn at random, the data has no more pass-through episodes
    than chance gives."""
    checked = clock.check(noisy_clock(world()), CFG)
    assert not checked.informative
    assert "noise" in checked.sentence()


def test_noisy_clock_data_is_read_as_day_level():
    """A run on data with made-up clock times finds exactly what it finds on the same data
    without clock times, confirmed cases included: the hour-scale detectors stay off, and a
    case's made-up time does not put same-day transfers before it."""
    noisy = noisy_clock(world())
    cases = noisy[noisy["dst"].str.startswith("M")].iloc[::10][["src", "dst", "ts"]]
    seeds = cases.assign(origin="case").reset_index(drop=True)
    on_noise = pipeline.find_rings(frames.Inputs(transfers=noisy, seeds=seeds), CFG)
    exported = world().assign(ts=world()["ts"].dt.normalize())  # a day-level export
    exported = exported.sort_values(["ts", "src", "dst"], kind="stable").reset_index(drop=True)
    on_days = pipeline.find_rings(
        frames.Inputs(transfers=exported, seeds=clock.day_level(seeds)), CFG
    )
    assert on_noise.counts["clock_times"] == 0
    assert on_noise.counts["relays"] == 0
    assert on_noise.counts["clock_chance_episodes"] > 0
    assert [sorted(m) for m in on_noise.rings["members"]] == [
        sorted(m) for m in on_days.rings["members"]
    ]


def test_real_clock_data_runs_the_hour_scale_detectors():
    """With informative clock times the relay detector runs and finds the mules."""
    found = pipeline.find_rings(frames.Inputs(transfers=world()), CFG)
    assert found.counts["clock_times"] == 1
    assert found.counts["relays"] >= 15


def test_one_posting_hour_is_no_clock_time():
    """Timestamps that all share one time of day (a batch posting hour) carry no clock time;
    any two different times of day do."""
    ts = pd.Series(pd.to_datetime(["2025-04-01 12:00", "2025-04-03 12:00", "2025-04-09 12:00"]))
    posted = pd.DataFrame({"ts": ts})
    assert not frames.has_clock_times(posted)
    assert frames.has_clock_times(posted.assign(ts=ts + pd.to_timedelta([0, 0, 60], unit="s")))


def test_a_sample_of_days_gives_the_same_verdict():
    """On a large export the check counts episodes on a random sample of days: the verdicts
    on real and on made-up clock times stay the same."""
    real = clock.check(world(), CFG, max_transfers=2000)
    noise = clock.check(noisy_clock(world()), CFG, max_transfers=2000)
    assert real.informative and not noise.informative
    assert real.real < clock.check(world(), CFG).real  # counted on fewer days


def test_cases_are_read_at_day_level_with_the_transfers(monkeypatch):
    """When the clock is noise, the confirmed cases the trace starts from lose their made-up
    times too: a case at 15:00 must not put the same day's transfers (now at midnight) before
    it."""
    noisy = noisy_clock(world())
    case = noisy[noisy["dst"].str.startswith("M")].head(1)[["src", "dst", "ts"]]
    seen = {}
    real_find = pipeline.any_speed.rings_from

    def spy(graph, structures, transfers, seeds, *args):
        seen["transfers"], seen["seeds"] = transfers, seeds
        return real_find(graph, structures, transfers, seeds, *args)

    monkeypatch.setattr(pipeline.any_speed, "rings_from", spy)
    pipeline.find_rings(frames.Inputs(transfers=noisy, seeds=case.assign(origin="case")), CFG)
    assert (seen["transfers"]["ts"] == seen["transfers"]["ts"].dt.normalize()).all()
    assert seen["seeds"]["ts"].tolist() == case["ts"].dt.normalize().tolist()
