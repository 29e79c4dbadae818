"""The sizing benchmark's arithmetic: scaling measured counts, fictive GDS graphs, the loader
plan per tier, GDS memory figures and peak factors."""

from __future__ import annotations

import pandas as pd
import pytest

from bench import sizing


def test_counts_scale_from_the_largest_measured_scale_at_or_below():
    """Scale 200 grows from scale 20 (x10), scale 20 is taken as measured, and a scale
    below every measured one shrinks from the smallest."""
    measured = {
        1.0: {"accounts": 20_000, "pairs": 26_810},
        20.0: {"accounts": 400_000, "pairs": 523_394},
    }
    assert sizing.scaled_counts(measured, 200) == {"accounts": 4_000_000, "pairs": 5_233_940}
    assert sizing.scaled_counts(measured, 20) == {"accounts": 400_000, "pairs": 523_394}
    assert sizing.scaled_counts(measured, 10) == {"accounts": 200_000, "pairs": 268_100}
    assert sizing.scaled_counts(measured, 0.5) == {"accounts": 10_000, "pairs": 13_405}
    with pytest.raises(ValueError):
        sizing.scaled_counts({}, 1)


def test_an_undirected_count_gds_reported_both_ways_is_halved_for_a_fictive_graph():
    """GDS doubles an UNDIRECTED fictive relationshipCount, so a count already holding both
    directions is halved (rounded up); directed counts pass unchanged."""
    assert sizing.fictive_relationships(9_771, "UNDIRECTED", counted_both_ways=True) == 4_886
    assert sizing.fictive_relationships(9_770, "UNDIRECTED", counted_both_ways=False) == 9_770
    assert sizing.fictive_relationships(9_770, "NATURAL", counted_both_ways=True) == 9_770


def test_tier_plan_rounds_loaders_up_and_gives_two_partitions_per_loader():
    """313 M transfers a day at 3x peak and 4.94 records each need 53,688 records/s: 9
    loaders at 6,560 records/s each, and 32 partitions (the power of two at or above 18)."""
    plan = sizing.plan_tier(
        313_000_000, peak_factor=3, records_per_transfer=4.94, loader_records_per_s=6_560
    )
    assert round(plan.average_transfers_per_s) == 3_623
    assert round(plan.peak_records_per_s) == 53_688
    assert (plan.loaders, plan.partitions) == (9, 32)
    small = sizing.plan_tier(
        100_000, peak_factor=3, records_per_transfer=4.94, loader_records_per_s=6_560
    )
    assert (small.loaders, small.partitions) == (1, 4)
    with pytest.raises(ValueError):
        sizing.plan_tier(1, peak_factor=0, records_per_transfer=1, loader_records_per_s=1)


def test_gds_memory_figures_read_as_their_upper_bound():
    """'9424 KiB' and '[21 MiB ... 23 MiB]' read as bytes (the upper end of a range); the
    graph component of a mapView is found by name."""
    assert sizing.memory_bytes("9424 KiB") == 9424 * 1024
    assert sizing.memory_bytes("[21 MiB ... 23 MiB]") == 23 * 1024**2
    assert sizing.memory_bytes("80 Bytes") == 80
    with pytest.raises(ValueError):
        sizing.memory_bytes("a lot")
    view = {
        "name": "Memory Estimation",
        "components": [
            {"name": "graph", "memoryUsage": "[21 MiB ... 21 MiB]"},
            {"name": "algorithm", "memoryUsage": "9424 KiB"},
        ],
    }
    assert sizing.graph_part(view) == 21 * 1024**2
    assert sizing.graph_part({"components": [{"name": "algorithm", "memoryUsage": "1 KiB"}]}) == 0


def test_a_jobs_peak_is_loading_or_holding_plus_its_largest_algorithm():
    """Holding two relationship types (10 + 12) plus the largest algorithm's own part (30)
    beats loading them (25 + 25); with small algorithms, loading is the peak."""
    assert sizing.peak_job_bytes([25, 25], [10, 12], [5, 30]) == 52
    assert sizing.peak_job_bytes([25, 25], [10, 12], [1, 2]) == 50
    assert sizing.peak_job_bytes([25], [10], []) == 25


def test_peak_factors_of_two_hand_built_days():
    """Two days, 13 transfers: midnight and six between 10:00 and 11:00 on the first, six
    spread over the second up to 23:59:59. The 10 o'clock hour holds 6 against a mean of
    13/48 an hour; the first day 7 against 6.5; clock hour 10 holds 6 of 13."""
    first = ["2025-04-01T00:00:00", *(f"2025-04-01T10:{m:02d}:00" for m in range(0, 60, 10))]
    second = [f"2025-04-02T{h:02d}:00:00" for h in (0, 4, 8, 12, 16)] + ["2025-04-02T23:59:59"]
    factors = sizing.peak_factors(pd.Series([*first, *second]))
    assert factors["days"] == pytest.approx(2.0, abs=0.01)
    assert factors["busiest_hour_vs_mean"] == pytest.approx(6 / (13 / 48), rel=0.001)
    assert factors["busiest_day_vs_mean"] == pytest.approx(7 / 6.5, rel=0.001)
    assert factors["busiest_clock_hour_vs_mean"] == pytest.approx(6 / 13 * 24)
