"""Rings at any speed: the timescale-free detectors as one step of a detection run.

One-off transfers (``detectors.oneoff``) feed three pattern detectors (novelty bursts, two-hop
structures, round trips) and the money trace from known cases. Each finding gets a strength
from the null model of the current graph (``detectors.null``; the trace has its own, from
random seeds), findings below ``min_strength`` go, and ``detectors.groups`` merges, scores
and explains the rest. Groups that repeat a ring already found by the fast-Pix detectors are
left out, so one ring is reported once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from detectors import (
    casefans,
    conservation,
    groups,
    novelty,
    null,
    oneoff,
    round_trips,
    trace,
    twohop,
)
from detectors.config import DetectionConfig


@dataclass
class Found:
    """One structure detector's findings on the one-off graph, unweighed, and its values on
    each null copy of the graph (empty when it found nothing)."""

    found: pd.DataFrame
    chance: list[np.ndarray]


def structures(graph: oneoff.OneOff, cfg: DetectionConfig) -> dict[str, Found]:
    """The structure detectors on the one-off graph, with their null models: novelty bursts
    (``bursts_in``, ``bursts_out``), ``two_hop``, ``round_trips`` and ``conserving``. Nothing
    here depends on the hour-scale detectors, and it is most of the step's work, so a run
    computes it on the second core while the hour-scale detectors run (``pipeline``)."""
    out: dict[str, Found] = {}
    bursts = novelty.detect(graph, cfg)
    for d in ("in", "out"):
        found = bursts[bursts["direction"] == d].reset_index(drop=True)
        out[f"bursts_{d}"] = Found(found, _chance(graph, found, novelty.null_surprises(d), cfg))
    for name, detect, value in (
        ("two_hop", twohop.detect, "middles"),
        ("round_trips", round_trips.detect, "hops"),
        ("conserving", conservation.detect, "n"),
    ):
        found = detect(graph, cfg)
        out[name] = Found(found, _chance(graph, found, _rewired(detect, value), cfg))
    return out


def find(
    transfers: pd.DataFrame,
    seeds: pd.DataFrame,
    known: list[set[str]],
    fraud: pd.Index,
    details: Callable[[list[str]], pd.DataFrame],
    cfg: DetectionConfig,
    outside: pd.DataFrame | None = None,
    pace: pd.DataFrame | None = None,
    companies: pd.Index | None = None,
    relays: pd.Index | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Scored rings (pipeline RING_COLUMNS) not already in ``known``, and counts per detector,
    all in this process; ``pace``: each account's one-off counterparties and active days
    outside the window (``oneoff.PACE_COLUMNS``); ``companies``: accounts held by a company,
    judged against companies (``novelty.activity_class``); the rest as in ``rings_from``."""
    graph = oneoff.one_off(transfers, outside, pace, companies)
    found = structures(graph, cfg)
    return rings_from(graph, found, transfers, seeds, known, fraud, details, cfg, outside, relays)


def rings_from(
    graph: oneoff.OneOff,
    found_structures: dict[str, Found],
    transfers: pd.DataFrame,
    seeds: pd.DataFrame,
    known: list[set[str]],
    fraud: pd.Index,
    details: Callable[[list[str]], pd.DataFrame],
    cfg: DetectionConfig,
    outside: pd.DataFrame | None = None,
    relays: pd.Index | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Scored rings (pipeline RING_COLUMNS) not already in ``known``, and counts per detector,
    from the one-off ``graph`` (``oneoff.one_off`` of ``transfers``) and its
    ``found_structures`` (``structures``); ``outside``: each pair's transfers outside this
    window (``oneoff.coded_pairs``); ``relays``: accounts the hour-scale detectors saw pass
    money on within hours (their collections are not bursts of accomplices)."""
    bursts = pd.concat(
        [
            _strong(
                _not_victims(found_structures[f"bursts_{d}"].found, relays).reset_index(drop=True),
                "surprise",
                found_structures[f"bursts_{d}"].chance,
                cfg,
            )
            for d in ("in", "out")
        ],
        ignore_index=True,
    )
    twohops, cycles, conserving = (
        _strong(found_structures[name].found, value, found_structures[name].chance, cfg)
        for name, value in (("two_hop", "middles"), ("round_trips", "hops"), ("conserving", "n"))
    )
    conserving = conservation.unexplained(conserving, cfg)
    skip = {a for ring in known for a in ring}
    traces = trace.detect(transfers, seeds, cfg, skip, outside)
    traces = traces[traces["strength"] >= cfg.min_strength]
    if len(seeds):  # cases explained by a ring found already need no fan of their own
        seeds = seeds[~(seeds["src"].isin(skip) | seeds["dst"].isin(skip))]
    fans = _not_victims(casefans.detect(graph, transfers, seeds, cfg), relays)
    fans = fans[fans["strength"] >= cfg.min_strength]
    found = groups.findings(graph, bursts, twohops, cycles, traces, conserving, fans)
    merged = [g for g in groups.merge(found, cfg) if not _known(g, known)]
    near = _one_off_neighbours(graph, merged)
    ids = sorted({a for g in merged for f in g for a in f.members} | set(near["account"]), key=str)
    accounts = details(ids) if ids else pd.DataFrame(columns=["account", "gnn_score"])
    joined = _join_scored(merged, near, accounts, cfg)
    rings = groups.score_groups(merged, transfers, graph, fraud, accounts, cfg)
    counts = {
        "one_off_transfers": len(graph),
        "novelty_bursts": len(bursts),
        "two_hop": len(twohops),
        "round_trips": len(cycles),
        "conserving": len(conserving),
        "traced": len(traces),
        "case_fans": len(fans),
        "any_speed_rings": len(rings),
        "gnn_joined": joined,
    }
    return rings, counts


def _not_victims(found: pd.DataFrame, relays: pd.Index | None) -> pd.DataFrame:
    """Findings without the fan-ins (bursts or fans around a case) of ``relays``: strangers
    paying into an account that passes the money on within hours are the victims of a
    collection, not its accomplices; the account is the hour-scale detectors' to judge, with
    where the money went."""
    if relays is None or found.empty:
        return found
    return found[~((found["direction"] == "in") & found["hub"].isin(relays))]


def _one_off_neighbours(graph: oneoff.OneOff, merged: list[list[groups.Finding]]) -> pd.DataFrame:
    """Accounts outside each group with a one-off transfer to or from a member: group,
    account, member."""
    rows = [(i, a) for i, g in enumerate(merged) for a in {m for f in g for m in f.members}]
    if not rows or len(graph) == 0:
        return pd.DataFrame(columns=["group", "account", "member"])
    owners = pd.DataFrame(rows, columns=["group", "member"])
    edges = graph.frame()[["src", "dst"]]
    pairs = pd.concat(
        [
            edges.rename(columns={"src": "member", "dst": "account"}),
            edges.rename(columns={"dst": "member", "src": "account"}),
        ]
    )
    near = owners.merge(pairs, on="member")
    inside = owners.assign(inside=True).rename(columns={"member": "account"})
    near = near.merge(inside, on=["group", "account"], how="left")
    return near[near["inside"].isna()][["group", "account", "member"]].reset_index(drop=True)


def _join_scored(
    merged: list[list[groups.Finding]],
    near: pd.DataFrame,
    accounts: pd.DataFrame,
    cfg: DetectionConfig,
) -> int:
    """Neighbours whose GNN score is at least ``gnn_join_score`` join the group they are
    linked to by one-off transfers (a finding of strength 0: it adds members and a reason, not
    evidence). Returns how many joined."""
    if near.empty or accounts.empty or "gnn_score" not in accounts:
        return 0
    score = pd.to_numeric(accounts.set_index("account")["gnn_score"], errors="coerce")
    near = near.assign(score=near["account"].map(score))
    near = near[near["score"] >= cfg.gnn_join_score]
    joined = 0
    for (i, account), links in near.groupby(["group", "account"]):
        group = merged[int(i)]
        size = len({m for f in group for m in f.members})
        if size >= cfg.max_ring_size:
            continue
        linked = sorted(set(links["member"]))
        group.append(
            groups.Finding(
                "gnn_link",
                [str(account), *linked],
                0.0,
                f"{account} (GNN risk score {links['score'].iloc[0]:.3f}) made one-off transfers "
                f"with {len(linked)} member(s) and joins the ring.",
            )
        )
        joined += 1
    return joined


Measure = Callable[[oneoff.OneOff, DetectionConfig, np.random.Generator], np.ndarray]


def _rewired(
    detect: Callable[[oneoff.OneOff, DetectionConfig], pd.DataFrame], value: str
) -> Measure:
    """The null measure of a structure detector: its values on a rewired copy."""

    def measure(graph: oneoff.OneOff, cfg: DetectionConfig, rng: np.random.Generator) -> np.ndarray:
        return null.column(detect(null.rewire(graph, rng), cfg), value)

    return measure


def _chance(
    graph: oneoff.OneOff, found: pd.DataFrame, measure: Measure, cfg: DetectionConfig
) -> list[np.ndarray]:
    """The null measure on ``null_rewirings`` copies of the graph (none when nothing was
    found: there is nothing to weigh)."""
    if found.empty:
        return []
    rng = np.random.default_rng(cfg.random_seed)
    return [measure(graph, cfg, rng) for _ in range(cfg.null_rewirings)]


def _strong(
    found: pd.DataFrame, value: str, chance: list[np.ndarray], cfg: DetectionConfig
) -> pd.DataFrame:
    """Findings with their strength against the null model's values, the weak ones dropped."""
    if found.empty:
        return found.assign(strength=pd.Series(dtype=float))
    found = found.assign(strength=null.strength(null.column(found, value), chance))
    return found[found["strength"] >= cfg.min_strength].reset_index(drop=True)


def _known(group: list[groups.Finding], known: list[set[str]]) -> bool:
    """Half or more of the group's accounts sit in one ring found already, or the hub of a
    burst does (the burst is then that ring's collection or payout, its counterparts mostly
    victims or cash-out accounts, and the ring already says so)."""
    members = {a for f in group for a in f.members}
    hubs = {f.hub for f in group if f.hub}
    return any(len(members & ring) >= 0.5 * len(members) or hubs & ring for ring in known)
