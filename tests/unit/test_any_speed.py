"""The timescale-free detectors on small hand-built worlds: one-off edges, novelty bursts,
two-hop structures, round trips, the money trace, and the step that merges and scores them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from detectors import (
    any_speed,
    conservation,
    groups,
    novelty,
    oneoff,
    round_trips,
    trace,
    twohop,
)
from detectors.config import DetectionConfig
from detectors.frames import transfers_frame

START = pd.Timestamp("2025-04-01")
SPEEDS = {"minutes": pd.Timedelta(minutes=4), "days": pd.Timedelta(days=1),
          "weeks": pd.Timedelta(days=5)}  # fmt: skip
CFG = DetectionConfig()
NO_SEEDS = pd.DataFrame(columns=["src", "dst", "ts"])


def no_details(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=["account", "gnn_score"])


def population(n: int = 300, one_off_per_account: float = 0.0, seed: int = 1) -> pd.DataFrame:
    """Ordinary accounts P000..: each pays two regular counterparties every 15 days (pairs
    that repeat), plus on average ``one_off_per_account`` one-off payments to random people."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        for k in (1, 2):
            j = (i + k * 7) % n
            amount = float(rng.uniform(50, 500))
            for step in range(6):
                ts = START + pd.Timedelta(days=15 * step + i % 10, hours=int(rng.integers(8, 20)))
                rows.append((f"P{i:03d}", f"P{j:03d}", ts, amount * rng.uniform(0.9, 1.1)))
    for _ in range(int(n * one_off_per_account)):
        a, b = rng.choice(n, 2, replace=False)
        ts = START + pd.Timedelta(days=float(rng.uniform(0, 89)))
        rows.append((f"P{a:03d}", f"P{b:03d}", ts, float(rng.uniform(20, 900))))
    return pd.DataFrame(rows, columns=["src", "dst", "ts", "amount"])


def with_rows(base: pd.DataFrame, rows: list[tuple[str, str, pd.Timestamp, float]]):
    extra = pd.DataFrame(rows, columns=["src", "dst", "ts", "amount"])
    frame = pd.concat([base, extra], ignore_index=True)
    return frame.sort_values("ts", kind="stable").reset_index(drop=True)


def fan_in(hub: str, senders: list[str], gap: pd.Timedelta, at: pd.Timestamp):
    return [(s, hub, at + i * gap, 300.0 + 7 * i) for i, s in enumerate(senders)]


def test_one_off_keeps_only_pairs_that_deal_once():
    """A pair paying each other twice (either direction) is not one-off; a single payment is."""
    tr = transfers_frame([("A", "B", "2025-04-01 10:00", 10), ("B", "A", "2025-04-02 10:00", 5),
                          ("A", "C", "2025-04-03 10:00", 7)])  # fmt: skip
    graph = oneoff.one_off(tr)
    assert graph.frame()[["src", "dst"]].values.tolist() == [["A", "C"]]
    assert dict(zip(graph.names, graph.degree, strict=True)) == {"A": 2, "B": 1, "C": 1}


def test_an_account_is_active_longer_than_between_its_first_and_last_transfer():
    """Transfers on days 30, 45 and 60 of a window from day 0 to 88: the account was active for
    about 60 days from day 15 (one mean gap either side), not just the 30 between; an account
    with one transfer has no period, and no period reaches outside the window."""
    account = np.array([0, 0, 0, 1, 2, 2, 3])
    day = np.array([30.0, 45.0, 60.0, 50.0, 2.0, 88.0, 0.0])
    start, length = oneoff.active_period(account, day, 4)
    assert (start[0], length[0]) == (15.0, 60.0)
    assert length[1] == 0.0
    assert start[2] == 0.0 and start[2] + length[2] == 88.0
    assert start[3] == 0.0 and length[3] == 0.0


@pytest.mark.parametrize("speed", SPEEDS)
def test_novelty_finds_the_same_fan_in_at_three_speeds(speed):
    """Six one-off senders into one quiet account, minutes, days or weeks apart, are a burst
    whose members are the hub and the senders."""
    senders = [f"P{100 + i:03d}" for i in range(6)]
    tr = with_rows(
        population(), fan_in("P000", senders, SPEEDS[speed], START + pd.Timedelta(days=40))
    )
    bursts = novelty.detect(oneoff.one_off(tr), CFG)
    hit = bursts[bursts["hub"] == "P000"]
    assert len(hit) == 1
    assert set(hit.iloc[0]["members"]) == {"P000", *senders}


def test_paying_six_shops_in_a_day_is_shopping_not_a_fan_out():
    """P000 pays six shops once each within a day; each shop has 45 one-off customers, more
    counterparties than the trace walks through (``trace_max_degree``), so they do not count
    as strangers met; the same six payments to quiet accounts are a fan-out burst."""
    at = START + pd.Timedelta(days=40)
    customers = [(f"P{(7 * k + s) % 300:03d}", f"SHOP{s}", START + pd.Timedelta(days=k * 2), 30.0)
                 for s in range(6) for k in range(1, 46)]  # fmt: skip
    shops = [("P000", f"SHOP{s}", at + pd.Timedelta(hours=s), 80.0) for s in range(6)]
    people = [("P000", f"P{100 + s:03d}", at + pd.Timedelta(hours=s), 80.0) for s in range(6)]
    shopping = novelty.detect(oneoff.one_off(with_rows(population(), customers + shops)), CFG)
    paying = novelty.detect(oneoff.one_off(with_rows(population(), customers + people)), CFG)
    assert shopping[(shopping["hub"] == "P000") & (shopping["direction"] == "out")].empty
    assert len(paying[(paying["hub"] == "P000") & (paying["direction"] == "out")]) == 1


def test_accounts_seen_for_a_day_do_not_set_the_population_pace():
    """100 accounts met 1 stranger in 90 days and 20 accounts, seen for one day, met 1 that
    day: the population's expected pace is the pooled one (120 strangers in 9,020 account
    days), not the mean of per-account rates, which the one-day accounts (1 a day on paper)
    would push 13 times higher."""
    total = np.ones(120)
    exposure = np.r_[np.full(100, 90.0), np.ones(20)]
    shape, rate = novelty.gamma_prior(total, exposure)
    assert shape / rate == pytest.approx(120 / 9020)
    assert (total / exposure).mean() > 13 * shape / rate


def test_novelty_judges_a_shop_by_its_own_baseline():
    """An account that meets new customers all the time is not bursting when it meets a few
    more, while a quiet account meeting as many for the first time is."""
    base = population()
    shop = [(f"P{(i * 13) % 300:03d}", "P050", START + pd.Timedelta(days=i * 0.5), 40.0)
            for i in range(1, 170)]  # fmt: skip
    burst = fan_in("P000", [f"P{200 + i:03d}" for i in range(5)], pd.Timedelta(days=1),
                   START + pd.Timedelta(days=30))  # fmt: skip
    bursts = novelty.detect(oneoff.one_off(with_rows(base, shop + burst)), CFG)
    assert "P000" in set(bursts["hub"])
    assert "P050" not in set(bursts["hub"])


@pytest.mark.parametrize("one_offs", [0.0, 3.0])
def test_the_null_model_adapts_to_a_busy_or_quiet_population(one_offs):
    """The same four fan-ins are reported in a quiet population and in one where everybody
    makes many one-off payments, and in neither are ordinary accounts reported besides them."""
    planted, rows = [], []
    for k in range(4):
        hub, senders = f"P{k:03d}", [f"P{100 + 8 * k + i:03d}" for i in range(8)]
        planted.append({hub, *senders})
        rows += fan_in(hub, senders, pd.Timedelta(hours=6), START + pd.Timedelta(days=20 * k))
    tr = with_rows(population(one_off_per_account=one_offs), rows)
    rings, _ = any_speed.find(tr, NO_SEEDS, [], pd.Index([]), no_details, CFG)
    found = [set(m) for m in rings["members"]]
    assert len(found) == len(planted)
    for ring in planted:  # reported whole, give or take one member who is also a chance payer
        assert any(len(ring - f) <= 1 and len(f - ring) <= 2 for f in found)


def test_bursts_that_chance_gives_as_often_are_weak():
    """In a busy population, bursts as surprising as chance alone produces get a low strength
    from the null model and are not reported."""
    tr = population(one_off_per_account=3.0, seed=3)
    bursts = novelty.detect(oneoff.one_off(tr), CFG)
    rings, counts = any_speed.find(tr, NO_SEEDS, [], pd.Index([]), no_details, CFG)
    assert len(bursts) > 0
    assert counts["novelty_bursts"] < len(bursts)
    assert rings.empty


@pytest.mark.parametrize("speed", SPEEDS)
def test_round_trip_found_at_three_speeds(speed):
    """A -> B -> C -> D -> A over one-off transfers, each hop after the previous one, is a
    cycle at any pace; its members are the four accounts."""
    gap, at = SPEEDS[speed], START + pd.Timedelta(days=30)
    ring = ["P010", "P120", "P230", "P040"]
    rows = [(ring[i], ring[(i + 1) % 4], at + i * gap, 900.0 - 20 * i) for i in range(4)]
    cycles = round_trips.detect(oneoff.one_off(with_rows(population(), rows)), CFG)
    assert [sorted(ring)] == [list(m) for m in cycles["members"]]


def test_round_trip_respects_time():
    """Money cannot go round when a hop leaves before the money arrived."""
    at = START + pd.Timedelta(days=30)
    rows = [("P010", "P120", at, 500.0), ("P120", "P230", at + pd.Timedelta(days=2), 490.0),
            ("P230", "P010", at + pd.Timedelta(days=1), 480.0)]  # fmt: skip
    assert round_trips.detect(oneoff.one_off(with_rows(population(), rows)), CFG).empty


def test_a_round_trip_carries_the_money_on():
    """The same loop of four one-off transfers is a round trip when each hop passes on most of
    what the previous one brought (a fee kept), and is not when the amounts are unrelated
    (four strangers paying 424, 70, 390 and 3,988), nor when a hop adds money."""
    at, ring = START + pd.Timedelta(days=30), ["P010", "P120", "P230", "P040"]

    def loop(amounts: list[float]) -> pd.DataFrame:
        rows = [(ring[i], ring[(i + 1) % 4], at + pd.Timedelta(days=3 * i), amounts[i])
                for i in range(4)]  # fmt: skip
        return round_trips.detect(oneoff.one_off(with_rows(population(), rows)), CFG)

    assert len(loop([1000.0, 960.0, 925.0, 900.0])) == 1
    assert loop([424.0, 70.0, 390.0, 3988.0]).empty
    assert loop([1000.0, 960.0, 1100.0, 1050.0]).empty


@pytest.mark.parametrize("speed", SPEEDS)
def test_two_hop_scatter_gather_at_three_speeds(speed):
    """An origin paying three middles that each pay one beneficiary later is one structure
    with three middles."""
    gap, at = SPEEDS[speed], START + pd.Timedelta(days=10)
    mids = ["P101", "P151", "P201"]
    rows = [("P001", m, at + i * gap, 400.0) for i, m in enumerate(mids)]
    rows += [(m, "P251", at + (3 + i) * gap, 380.0) for i, m in enumerate(mids)]
    found = twohop.detect(oneoff.one_off(with_rows(population(), rows)), CFG)
    assert len(found) == 1
    assert found.iloc[0]["middles"] == 3
    assert set(found.iloc[0]["members"]) == {"P001", "P251", *mids}


def gather_scatter(hub: str, gap: pd.Timedelta, at: pd.Timestamp, share: float = 0.95):
    """Three new senders pay ``hub``; afterwards it pays ``share`` of the total on to three
    new receivers, one transfer per ``gap``."""
    ins = [(s, hub, at + i * gap, a) for i, (s, a) in enumerate([("P101", 300.0),
           ("P131", 450.0), ("P161", 250.0)])]  # fmt: skip
    outs = [(hub, r, at + (3 + i) * gap, 1000.0 * share / 3) for i, r in
            enumerate(["P201", "P231", "P261"])]  # fmt: skip
    return ins + outs


@pytest.mark.parametrize("speed", SPEEDS)
def test_conservation_finds_money_in_money_out_at_three_speeds(speed):
    """A hub that collects from new senders and later sends most of it on to new receivers is
    one conserving episode at any pace, with all seven accounts and its ratio."""
    rows = gather_scatter("P001", SPEEDS[speed], START + pd.Timedelta(days=20))
    found = conservation.detect(oneoff.one_off(with_rows(population(), rows)), CFG)
    assert found["hub"].tolist() == ["P001"]
    row = found.iloc[0]
    assert row["n"] == 6 and abs(row["ratio"] - 0.95) < 1e-9
    assert set(row["members"]) == {"P001", "P101", "P131", "P161", "P201", "P231", "P261"}


def test_conservation_wants_the_episode_busier_than_the_accounts_own_pace():
    """The same money in, money out at a shop whose small one-off customers pay every day of
    the quarter is no episode: the shop meets strangers at that pace all along. A collector
    that meets its strangers only in the episode keeps it."""
    cfg = CFG
    rows = gather_scatter("P001", SPEEDS["days"], START + pd.Timedelta(days=20))
    customers = [(f"C{d:03d}", "P001", START + pd.Timedelta(days=d, hours=12), 1.0)
                 for d in range(90)]  # fmt: skip
    shop = conservation.detect(oneoff.one_off(with_rows(population(), rows + customers)), cfg)
    assert shop["hub"].tolist() == ["P001"]  # its totals still match
    assert conservation.unexplained(shop, cfg).empty
    collector = conservation.detect(oneoff.one_off(with_rows(population(), rows)), cfg)
    assert conservation.unexplained(collector, cfg)["hub"].tolist() == ["P001"]
    assert collector["own_p"].iloc[0] <= CFG.conservation_max_own_p


def test_conservation_needs_the_money_to_leave_after_it_came_and_most_of_it():
    """Sending before receiving is no episode, nor is passing on only a small share."""
    at = START + pd.Timedelta(days=20)
    gap = pd.Timedelta(days=2)
    rows = gather_scatter("P001", gap, at)
    backwards = [(a, b, at + 6 * gap - (ts - at), x) for a, b, ts, x in rows]
    small = gather_scatter("P001", gap, at, share=0.3)
    for rows in (backwards, small):
        graph = oneoff.one_off(with_rows(population(), rows))
        assert conservation.detect(graph, CFG).empty


def test_trace_only_follows_money_forward_in_time():
    """From a seed transfer S -> D at day 10, D's payment at day 15 is followed and its
    payment at day 5 is not: money cannot leave before it arrived."""
    tr = transfers_frame([("S", "D", "2025-04-11 00:00", 100), ("D", "Y", "2025-04-06 00:00", 90),
                          ("D", "Z", "2025-04-16 00:00", 90), ("Z", "W", "2025-04-17 00:00", 80),
                          ("A", "B", "2025-04-01 00:00", 1)])  # fmt: skip
    index = trace.FlowIndex.build(tr)
    code = {n: i for i, n in enumerate(index.names)}
    day = index.day_of(pd.Series([pd.Timestamp("2025-04-11")]), tr)[0]
    reached = {index.names[i] for i in trace.traced_accounts(index, code["S"], code["D"], day, CFG)}
    assert {"S", "D", "Z", "W"} <= reached
    assert "Y" not in reached


def test_trace_cuts_the_ring_out_of_its_surroundings():
    """A case on one leg of a fan-in leads to the hub and its other one-off senders, and not to
    the members' ordinary counterparties."""
    senders = ["P101", "P131", "P161", "P191", "P221"]
    at = START + pd.Timedelta(days=40)
    tr = with_rows(population(), fan_in("P000", senders, pd.Timedelta(days=2), at))
    seeds = pd.DataFrame({"src": ["P101"], "dst": ["P000"], "ts": [at], "origin": ["case"]})
    found = trace.detect(tr, seeds, CFG, skip=set())
    assert len(found) == 1
    members = set(found.iloc[0]["members"])
    assert members <= {"P000", *senders} | {f"P{(int(s[1:]) + k) % 300:03d}"
                                           for s in senders for k in (7, 14)}  # fmt: skip
    assert len(members & {"P000", *senders}) >= 5


def test_findings_of_one_hub_merge_into_one_gather_scatter_ring():
    """A hub that collects from new senders and pays new receivers is one ring, named
    gather-scatter, with reasons in words and a score."""
    at = START + pd.Timedelta(days=30)
    ins = fan_in("P000", ["P100", "P110", "P120", "P130"], pd.Timedelta(days=1), at)
    outs = [("P000", r, at + pd.Timedelta(days=5 + i), 250.0)
            for i, r in enumerate(["P200", "P210", "P220", "P230"])]  # fmt: skip
    tr = with_rows(population(), ins + outs)
    rings, counts = any_speed.find(tr, NO_SEEDS, [],
                                   pd.Index([]), no_details, CFG)  # fmt: skip
    assert counts["novelty_bursts"] == 2
    assert len(rings) == 1
    ring = rings.iloc[0]
    assert ring["typology_guess"] == "gather_scatter"
    assert ring["size"] == 9
    assert any("never dealt with" in r for r in ring["reasons"])


def test_groups_already_found_are_not_reported_twice():
    """A group whose accounts mostly sit in a ring found by the fast detectors is skipped."""
    at = START + pd.Timedelta(days=30)
    senders = ["P100", "P110", "P120", "P130", "P140"]
    tr = with_rows(population(), fan_in("P000", senders, pd.Timedelta(days=1), at))
    known = [{"P000", *senders[:3]}]
    rings, _ = any_speed.find(tr, NO_SEEDS, known,
                              pd.Index([]), no_details, CFG)  # fmt: skip
    assert rings.empty


def test_merge_never_builds_a_group_above_the_size_cap():
    """Findings that chain into a group larger than max_ring_size stay separate."""
    cfg = DetectionConfig(max_ring_size=5)
    parts = [
        groups.Finding("twohop", [f"A{i}", f"A{i + 1}", f"A{i + 2}"], 1.0, "") for i in range(5)
    ]
    merged = groups.merge(parts, cfg)
    assert all(len({a for f in g for a in f.members}) <= 5 for g in merged)
    assert sum(len(g) for g in merged) == 5


def test_an_account_the_gnn_scores_high_joins_the_ring_it_pays():
    """A neighbour with a one-off transfer into a reported ring joins it, with a reason, when
    its GNN score reaches gnn_join_score; a low-scored neighbour does not."""
    rows = []
    for k in range(4):
        senders = [f"P{100 + 8 * k + i:03d}" for i in range(8)]
        rows += fan_in(
            f"P{k:03d}", senders, pd.Timedelta(hours=6), START + pd.Timedelta(days=20 * k)
        )
    at = START + pd.Timedelta(days=70)
    rows += [("P000", "P290", at, 500.0), ("P000", "P291", at, 400.0)]
    tr = with_rows(population(), rows)

    def details(ids: list[str]) -> pd.DataFrame:
        score = {"P290": 0.995, "P291": 0.2}
        return pd.DataFrame({"account": ids, "gnn_score": [score.get(a, 0.1) for a in ids]})

    rings, counts = any_speed.find(tr, NO_SEEDS, [], pd.Index([]), details, CFG)
    ring = rings[rings["members"].map(lambda m: "P000" in m)].iloc[0]
    assert counts["gnn_joined"] == 1
    assert "P290" in ring["members"] and "P291" not in ring["members"]
    assert any("P290 (GNN risk score 0.99" in r for r in ring["reasons"])


def test_an_account_joined_on_gnn_score_does_not_make_a_group_big_enough():
    """A three-account round trip stays unreported (min_group_size 4) even when a fourth
    account with a top GNN score joins it: joining adds a member, not eligibility."""
    at = START + pd.Timedelta(days=10)
    legs = [("P000", "P010", at, 900.0), ("P010", "P020", at + pd.Timedelta(days=2), 880.0),
            ("P020", "P000", at + pd.Timedelta(days=4), 860.0)]  # fmt: skip
    tr = with_rows(population(), [*legs, ("P290", "P010", at, 300.0)])

    def details(ids: list[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {"account": ids, "gnn_score": [0.999 if a == "P290" else 0.1 for a in ids]}
        )

    cfg = DetectionConfig(min_strength=0.0, min_group_evidence=0.0)
    rings, counts = any_speed.find(tr, NO_SEEDS, [], pd.Index([]), details, cfg)
    assert counts["round_trips"] >= 1 and counts["gnn_joined"] >= 1
    assert not any({"P000", "P010", "P020"} <= set(m) for m in rings["members"])


def test_the_trace_null_never_starts_from_accounts_already_explained():
    """Random null seeds avoid transfers touching skipped accounts (rings found already);
    with every account skipped there is nothing to draw from."""
    tr = population(n=60, one_off_per_account=1.0)
    index = trace.FlowIndex.build(tr)
    assert len(trace.null_conductance(index, CFG, set())) > 0
    assert len(trace.null_conductance(index, CFG, set(index.names))) == 0


def test_a_burst_is_judged_against_accounts_as_busy_as_its_hub():
    """Where busy accounts (many ordinary counterparties) meet new ones all the time and
    quiet accounts never do, the same burst at a quiet account is more surprising when each
    account's expected pace comes from its own activity class than from one population."""
    rng = np.random.default_rng(3)
    busy = []
    for b in range(40):
        hub = f"B{b:02d}"
        for k in range(12):  # 12 ordinary counterparties, paid every 15 days
            payee = f"P{(b * 12 + k) % 300:03d}"
            busy += [(hub, payee, START + pd.Timedelta(days=15 * s + k), 100.0) for s in range(6)]
        for _ in range(15):  # and 15 one-off payers spread over the quarter
            payer = f"P{int(rng.integers(0, 300)):03d}"
            busy.append((payer, hub, START + pd.Timedelta(days=float(rng.uniform(0, 89))), 50.0))
    burst = fan_in("P000", [f"P{200 + i:03d}" for i in range(4)], pd.Timedelta(days=1),
                   START + pd.Timedelta(days=40))  # fmt: skip
    graph = oneoff.one_off(with_rows(population(), busy + burst))

    def surprise(bins: int) -> float:
        cfg = DetectionConfig(novelty_prior_bins=bins, novelty_min_surprise=0.0)
        found = novelty.detect(graph, cfg)
        return float(found.loc[found["hub"] == "P000", "surprise"].iloc[0])

    assert surprise(4) > surprise(1) + 1.0


def test_a_trace_alone_is_no_ring_but_strengthens_a_pattern():
    """A case's trace may close on a lone fraud: without a pattern finding it reports nothing;
    with a weak burst over the same accounts it makes the ring."""
    tr = population()
    graph = oneoff.one_off(tr)
    members = ["P000", "P001", "P002", "P003", "P004"]
    traced = groups.Finding("trace", members, 0.95, "traced")
    burst = groups.Finding("novelty_in", members, 0.6, "burst", hub="P000")
    empty = pd.DataFrame(columns=["account", "gnn_score"])
    alone = groups.score_groups([[traced]], tr, graph, pd.Index([]), empty, CFG)
    both = groups.score_groups([[traced, burst]], tr, graph, pd.Index([]), empty, CFG)
    assert alone.empty
    assert len(both) == 1 and set(both.iloc[0]["members"]) == set(members)


def test_pairs_that_deal_outside_the_window_are_not_one_off():
    """A window holds one payment from each of six accounts into P000; each of those pairs
    also paid twice outside the window (a relationship a longer history shows). Told so,
    the one-off graph has none of those payments and the burst is gone; not told, it is a
    burst of strangers."""
    senders = [f"P{100 + i:03d}" for i in range(6)]
    tr = with_rows(
        population(), fan_in("P000", senders, SPEEDS["days"], START + pd.Timedelta(days=40))
    )
    outside = pd.DataFrame({"src": senders, "dst": ["P000"] * 6, "transfers": [2] * 6})
    blind, told = oneoff.one_off(tr), oneoff.one_off(tr, outside)
    assert len(blind) - len(told) == 6
    assert not set(told.frame()["src"]) & set(senders)
    assert "P000" in set(novelty.detect(blind, CFG)["hub"])
    assert "P000" not in set(novelty.detect(told, CFG)["hub"])


def test_outside_counts_are_per_unordered_pair_and_ignore_unknown_accounts():
    """Outside rows in either order count for the pair once (not twice); rows naming an
    account the window does not hold change nothing."""
    tr = transfers_frame([("A", "B", "2025-04-01 10:00", 10), ("A", "C", "2025-04-02 10:00", 7)])
    outside = pd.DataFrame({"src": ["A", "B", "Z"], "dst": ["B", "A", "C"], "transfers": [3, 3, 5]})
    names, _, _, _, pair = oneoff.coded_pairs(tr, outside)
    assert pair.tolist() == [4, 1]


def test_a_burst_is_measured_against_the_accounts_pace_outside_the_window():
    """Five one-off senders into P000 in the window. Told that P000 met 150 strangers in 270
    days outside the window (a shop-like pace), the five are no burst; told that it met none
    in those 270 days, they surprise more than the window alone says."""
    senders = [f"P{200 + i:03d}" for i in range(5)]
    tr = with_rows(
        population(), fan_in("P000", senders, SPEEDS["days"], START + pd.Timedelta(days=30))
    )

    def pace(one_offs: int) -> pd.DataFrame:
        return pd.DataFrame(
            {"account": ["P000"], "one_off_in": [one_offs], "one_off_out": [0], "days": [270.0]}
        )

    def surprise(graph: oneoff.OneOff) -> float:
        hit = novelty.detect(graph, CFG)
        hit = hit[(hit["hub"] == "P000") & (hit["direction"] == "in")]
        return float(hit["surprise"].max()) if len(hit) else 0.0

    blind = surprise(oneoff.one_off(tr))
    assert blind > 0
    assert surprise(oneoff.one_off(tr, pace=pace(150))) == 0.0
    assert surprise(oneoff.one_off(tr, pace=pace(0))) > blind


def test_pace_rows_of_accounts_the_window_does_not_hold_change_nothing():
    """Pace is read by account id: a row for an account without transfers in the window is
    ignored, and accounts without a row have no days or counterparties outside it."""
    tr = transfers_frame([("A", "B", "2025-04-01 10:00", 10), ("A", "C", "2025-04-02 10:00", 7)])
    pace = pd.DataFrame(
        {"account": ["Z", "B"], "one_off_in": [9, 2], "one_off_out": [9, 1], "days": [50.0, 30.0]}
    )
    graph = oneoff.one_off(tr, pace=pace)
    away = zip(graph.away("in"), graph.away("out"), graph.away_days, strict=True)
    got = dict(zip(graph.names, away, strict=True))
    assert got == {"A": (0, 0, 0), "B": (2, 1, 30.0), "C": (0, 0, 0)}


def test_a_person_is_judged_against_people_and_a_company_against_companies():
    """Forty companies each take 15 one-off payments from new customers over the quarter.
    Told which accounts are companies, a person's burst of five strangers is measured against
    people, who rarely meet strangers, and surprises more than when the shops set the pace;
    companies get their own activity classes."""
    cfg = replace(CFG, novelty_prior_bins=1)
    shops = [(f"Q{c:02d}{k:02d}", f"C{c:02d}", START + pd.Timedelta(days=6 * k + c % 5), 60.0)
             for c in range(40) for k in range(15)]  # fmt: skip
    burst = fan_in("P000", [f"P{200 + i:03d}" for i in range(5)], SPEEDS["days"],
                   START + pd.Timedelta(days=30))  # fmt: skip
    tr = with_rows(population(), shops + burst)
    companies = pd.Index([f"C{c:02d}" for c in range(40)])

    def surprise(graph: oneoff.OneOff) -> float:
        hit = novelty.detect(graph, cfg)
        return float(hit[(hit["hub"] == "P000") & (hit["direction"] == "in")]["surprise"].max())

    blind, told = oneoff.one_off(tr), oneoff.one_off(tr, companies=companies)
    assert surprise(told) > surprise(blind)
    group = novelty.activity_class(told, 1)
    assert set(group[told.names.isin(companies)]) == {1}
    assert set(group[~told.names.isin(companies)]) == {0}


def test_strangers_paying_an_account_that_passes_money_on_within_hours_are_victims():
    """Four accounts each get eight strangers' payments within a day: four fan-in rings.
    When the hour-scale detectors saw two of the hubs pass money on within hours, those two
    bursts are collections from victims, not accomplices, and only the other two are
    reported."""
    planted, rows = {}, []
    for k in range(4):
        hub, senders = f"P{k:03d}", [f"P{100 + 8 * k + i:03d}" for i in range(8)]
        planted[hub] = {hub, *senders}
        rows += fan_in(hub, senders, pd.Timedelta(hours=2), START + pd.Timedelta(days=20 * k))
    tr = with_rows(population(), rows)

    def reported(relays: pd.Index | None) -> set[str]:
        rings, _ = any_speed.find(tr, NO_SEEDS, [], pd.Index([]), no_details, CFG, relays=relays)
        return {h for h, ring in planted.items() if any(ring <= set(m) for m in rings["members"])}

    assert reported(None) == set(planted)
    assert reported(pd.Index(["P000", "P001"])) == {"P002", "P003"}
