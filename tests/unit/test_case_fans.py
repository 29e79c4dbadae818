"""Fans around a known case (detectors.casefans): an account on a confirmed fraud transfer that
deals once each with unusually many accounts for its activity class is a ring hub, even when
its counterparties come at a steady pace that no burst detector would notice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detectors import any_speed, casefans, oneoff
from detectors.config import DetectionConfig
from tests.unit.test_any_speed import SPEEDS, START, fan_in, no_details, population, with_rows

CFG = DetectionConfig()
SENDERS = ["P101", "P131", "P161", "P191", "P221", "P251"]


STEADY = pd.Timedelta(days=6)


def slow_fan_in(gap: pd.Timedelta = STEADY) -> tuple[pd.DataFrame, pd.Timestamp]:
    """P000 receives one payment from each of six strangers, one every ``gap`` (by default
    six days: a steady pace over a month)."""
    at = START + pd.Timedelta(days=20)
    return with_rows(population(), fan_in("P000", SENDERS, gap, at)), at


def case(src: str, dst: str, ts: pd.Timestamp) -> pd.DataFrame:
    return pd.DataFrame({"src": [src], "dst": [dst], "ts": [ts], "origin": ["case"]})


def test_class_p_value_is_the_share_of_the_class_with_at_least_as_many():
    count = np.array([0, 1, 1, 5, 0, 9])
    group = np.array([0, 0, 0, 0, 1, 1])
    assert casefans.class_p_values(count, group).tolist() == [1.0, 0.75, 0.75, 0.25, 1.0, 0.5]


def test_the_same_p_value_is_weaker_among_more_tests():
    """Benjamini-Hochberg: one small p-value among 4 tests is stronger than among 400."""
    p = np.array([0.001])
    assert casefans.fdr_strength(p, 4)[0] > 0.99
    assert casefans.fdr_strength(p, 400)[0] < 0.7


@pytest.mark.parametrize("speed", list(SPEEDS))
def test_a_fan_in_on_a_case_is_found_with_its_senders_at_three_speeds(speed):
    tr, at = slow_fan_in(SPEEDS[speed])
    graph = oneoff.one_off(tr)
    found = casefans.detect(graph, tr, case("P101", "P000", at), CFG)
    hub = found[(found["hub"] == "P000") & (found["direction"] == "in")]
    assert len(hub) == 1
    assert set(hub.iloc[0]["members"]) == {"P000", *SENDERS}
    assert hub.iloc[0]["strength"] >= CFG.min_group_evidence


def test_an_account_no_busier_than_its_class_is_no_case_fan():
    """A case on an ordinary payment between two accounts with one one-off each gives nothing."""
    tr, at = slow_fan_in()
    tr = with_rows(tr, [("P050", "P080", at, 120.0)])
    found = casefans.detect(oneoff.one_off(tr), tr, case("P050", "P080", at), CFG)
    assert found.empty


def test_accounts_with_more_counterparties_than_the_trace_walks_are_not_tested():
    tr, at = slow_fan_in()
    cfg = DetectionConfig(trace_max_degree=5)  # P000 has 2 regular payees and 6 senders
    assert (
        casefans.detect(oneoff.one_off(tr), tr, case("P101", "P000", at), cfg)
        .query("hub == 'P000'")
        .empty
    )


def test_the_fan_becomes_a_fan_in_ring_with_the_case_in_its_reasons():
    tr, at = slow_fan_in()
    rings, counts = any_speed.find(tr, case("P101", "P000", at), [], pd.Index([]), no_details, CFG)
    assert counts["case_fans"] >= 1
    ring = rings[rings["members"].map(lambda m: "P000" in m)].iloc[0]
    assert {"P000", *SENDERS} <= set(ring["members"])
    assert ring["typology_guess"] == "fan_in"
    assert any("confirmed case P101->P000" in r for r in ring["reasons"])
