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
    """Scored rings (pipeline RING_COLUMNS) not already in ``known``, and counts per detector;
    ``outside``: each pair's transfers outside this window (``oneoff.coded_pairs``);
    ``pace``: each account's one-off counterparties and active days outside it
    (``oneoff.PACE_COLUMNS``); ``companies``: accounts held by a company, judged against
    companies (``novelty.activity_class``); ``relays``: accounts the hour-scale detectors saw
    pass money on within hours (their collections are not bursts of accomplices)."""
    graph = oneoff.one_off(transfers, outside, pace, companies)
    found = _not_victims(novelty.detect(graph, cfg), relays)
    bursts = pd.concat(
        [
            _weigh(
                graph,
                found[found["direction"] == d].reset_index(drop=True),
                "surprise",
                novelty.null_surprises(d),
                cfg,
            )
            for d in ("in", "out")
        ],
        ignore_index=True,
    )
    twohops = _weigh(
        graph, twohop.detect(graph, cfg), "middles", _rewired(twohop.detect, "middles"), cfg
    )
    cycles = _weigh(
        graph, round_trips.detect(graph, cfg), "hops", _rewired(round_trips.detect, "hops"), cfg
    )
    conserving = conservation.unexplained(
        _weigh(
            graph, conservation.detect(graph, cfg), "n", _rewired(conservation.detect, "n"), cfg
        ),
        cfg,
    )
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


def _weigh(
    graph: oneoff.OneOff,
    found: pd.DataFrame,
    value: str,
    measure: Callable[[oneoff.OneOff, DetectionConfig, np.random.Generator], np.ndarray],
    cfg: DetectionConfig,
) -> pd.DataFrame:
    """Findings with their strength against the null model, the weak ones dropped."""
    if found.empty:
        return found.assign(strength=pd.Series(dtype=float))
    rng = np.random.default_rng(cfg.random_seed)
    chance = [measure(graph, cfg, rng) for _ in range(cfg.null_rewirings)]
    found = found.assign(strength=null.strength(null.column(found, value), chance))
    return found[found["strength"] >= cfg.min_strength].reset_index(drop=True)


def _known(group: list[groups.Finding], known: list[set[str]]) -> bool:
    """Half or more of the group's accounts sit in one ring found already, or the hub of a
    burst does (the burst is then that ring's collection or payout, its counterparts mostly
    victims or cash-out accounts, and the ring already says so)."""
    members = {a for f in group for a in f.members}
    hubs = {f.hub for f in group if f.hub}
    return any(len(members & ring) >= 0.5 * len(members) or hubs & ring for ring in known)
