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


def test_a_case_fan_in_of_an_account_that_relays_within_hours_is_its_victims():
    """The same fan-in on a case, when the hour-scale detectors saw P000 pass money on within
    hours: its senders are the victims of a collection, so no any-speed ring holds them."""
    tr, at = slow_fan_in()
    seeds = case("P101", "P000", at)

    def holds_senders(relays: pd.Index | None) -> bool:
        rings, _ = any_speed.find(tr, seeds, [], pd.Index([]), no_details, CFG, relays=relays)
        return any(set(SENDERS) <= set(m) for m in rings["members"])

    assert holds_senders(None)
    assert not holds_senders(pd.Index(["P000"]))


def test_a_shop_with_one_off_customers_all_along_is_no_case_fan():
    """P000 receives one payment from a different stranger every 3 days for the whole 89 days
    (a shop's customers): as unusual for its class as the fan above, but its pace near the
    case, early in the history, is its pace in the 40 days after, so a case on one of those
    payments makes no case fan strong enough to keep. (A case in the middle of a 90-day
    history leaves no days away from it: then the class alone decides.)"""
    customers = [f"P{i:03d}" for i in range(101, 131)]
    tr = with_rows(population(), fan_in("P000", customers, pd.Timedelta(days=3), START))
    at = START + pd.Timedelta(days=3)
    found = casefans.detect(oneoff.one_off(tr), tr, case("P102", "P000", at), CFG)
    shop = found.query("hub == 'P000' and direction == 'in'")
    assert len(shop) == 1 and shop.iloc[0]["n"] >= 10
    assert shop.iloc[0]["strength"] < CFG.min_strength


def test_own_pace_p_value_falls_when_the_account_was_quiet_away_from_the_case():
    """The same 6 one-off counterparties near the case: likely for an account that had 20 more
    elsewhere, unlikely for one that had none, over the same days."""
    tr, at = slow_fan_in()
    graph = oneoff.one_off(tr)
    code = np.array([graph.names.get_loc("P000")] * 2)
    count = np.zeros(len(graph.names), dtype=np.int64)
    count[code[0]] = 26
    t0 = np.full(2, (at - tr["ts"].min()) / pd.Timedelta(days=1))
    busy = casefans.own_p_values(graph, count, np.array([6.0, 6.0]), code, t0, CFG)[0]
    count[code[0]] = 6
    quiet = casefans.own_p_values(graph, count, np.array([6.0, 6.0]), code, t0, CFG)[0]
    assert quiet < 0.01 < busy
