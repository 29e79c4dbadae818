"""Fans around a known case: does an account on a confirmed fraud transfer deal with unusually
many one-off counterparties for an account of its kind?

A collector of a fan-in or a distributor of a fan-out may meet its counterparties at a steady
pace over weeks, so no burst gives it away, and in a scan of the whole graph a count of
one-off counterparties is no evidence either: among tens of thousands of accounts, some have
many by chance. But an account on a confirmed fraud transfer was not picked by the scan. For
it the question is narrower: how many accounts of its activity class
(``novelty.activity_class``) have at least as many one-off counterparties in that direction?
That share is a p-value of the account alone.

A count over the whole history cannot tell a collector from a shop: a shop whose customers each
pay it once has many one-off counterparties too, but at the same pace all along. So the account
must also be busier with one-off counterparties around the case than its own pace elsewhere
predicts: its one-off counterparties outside ``trace_max_days`` of the case, over the days it was
active there, update its class's gamma prior (``novelty.priors``) into a negative-binomial count
for the days around the case (``own_p_values``). The larger of the two p-values counts (both
must be small). Both accounts of each seed are tested in both directions, and a finding's
strength is one minus its false-discovery rate over all those tests (Benjamini-Hochberg), so
that many cases do not make many chance findings.

The finding is the account and its one-off counterparties in that direction within
``trace_max_days`` of the case. Accounts with more than ``trace_max_degree`` counterparties
(shops, employers) are not tested, as the trace does not walk through them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import nbinom

from detectors.config import DetectionConfig
from detectors.novelty import activity_class, priors
from detectors.oneoff import OneOff

CASE_FAN_COLUMNS = ["hub", "direction", "seed", "n", "p", "members", "rows", "strength"]


def class_p_values(count: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per account, the share of accounts of its class (``group``) whose ``count`` is at
    least its own (1.0 for accounts without a class)."""
    p = np.ones(len(count))
    for g in np.unique(group[group >= 0]):
        members = group == g
        ranked = np.sort(count[members])
        at_least = ranked.size - np.searchsorted(ranked, count[members], side="left")
        p[members] = at_least / ranked.size
    return p


def own_p_values(
    graph: OneOff,
    count: np.ndarray,
    near: np.ndarray,
    hub: np.ndarray,
    t0: np.ndarray,
    cfg: DetectionConfig,
    half_width: np.ndarray | float | None = None,
) -> np.ndarray:
    """Per test, the chance that ``hub`` has at least ``near`` one-off counterparties within
    ``half_width`` days (default ``trace_max_days``) of ``t0`` at its own pace: its ``count``
    of them in all, minus those near ``t0``, over the days it was active away from there
    update its class's gamma prior (``novelty.priors``), which gives a negative-binomial count
    for the days near it. ``count`` includes the one-off counterparties outside the window,
    and the days away include the days the account was active outside it
    (``OneOff.away``)."""
    exposure = np.maximum(graph.span_days - graph.first_day, 1.0) + graph.away_days
    shape, rate = priors(graph, count, exposure, cfg.novelty_prior_bins)
    lo, hi = graph.first_day[hub], graph.first_day[hub] + graph.active_days[hub]
    w = cfg.trace_max_days if half_width is None else half_width
    around = np.clip(np.minimum(hi, t0 + w) - np.maximum(lo, t0 - w), 0.0, None)
    away = np.maximum(graph.active_days[hub] - around, 0.0) + graph.away_days[hub]
    a, b = shape[hub] + (count[hub] - near), rate[hub] + away
    width = np.maximum(around, 1.0)
    p: np.ndarray = nbinom.sf(near - 1, a, b / (b + width))
    return p


def fdr_strength(p: np.ndarray, tests: int) -> np.ndarray:
    """One minus the Benjamini-Hochberg q-value of each p-value among ``tests`` tests (the
    p-values not given are taken as larger than these)."""
    if p.size == 0:
        return p
    order = np.argsort(p, kind="stable")
    q = np.empty(p.size)
    q[order] = p[order] * tests / np.arange(1, p.size + 1)
    q[order] = np.minimum.accumulate(q[order][::-1])[::-1]
    return 1.0 - np.minimum(q, 1.0)


def detect(
    graph: OneOff, transfers: pd.DataFrame, seeds: pd.DataFrame, cfg: DetectionConfig
) -> pd.DataFrame:
    """Case fans (CASE_FAN_COLUMNS) of the seed transfers (``src``, ``dst``, ``ts``) with at
    least ``min_group_size`` accounts; ``transfers`` is the frame ``graph`` was built from."""
    if seeds.empty or len(graph) == 0:
        return pd.DataFrame(columns=CASE_FAN_COLUMNS)
    group = activity_class(graph, cfg.novelty_prior_bins)
    first = transfers["ts"].min()
    seed_day = ((seeds["ts"] - first) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    tests: dict[tuple[int, str], tuple[str, float]] = {}
    for s, d, t0 in zip(seeds["src"], seeds["dst"], seed_day, strict=True):
        for account in (s, d):
            code = graph.names.get_indexer([account])[0]
            if code < 0 or graph.degree[code] > cfg.trace_max_degree:
                continue
            for direction in ("in", "out"):
                tests.setdefault((int(code), direction), (f"{s}->{d}", float(t0)))
    if not tests:
        return pd.DataFrame(columns=CASE_FAN_COLUMNS)
    count = {
        d: np.bincount(graph.dst if d == "in" else graph.src, minlength=len(graph.names))
        for d in ("in", "out")
    }
    p_of = {d: class_p_values(count[d], group) for d in ("in", "out")}
    by_hub: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for direction in ("in", "out"):
        hub = graph.dst if direction == "in" else graph.src
        order = np.argsort(hub, kind="stable")
        by_hub[direction] = (order, np.searchsorted(hub[order], np.arange(len(graph.names) + 1)))
    rows = []
    for (code, direction), (seed, t0) in tests.items():
        other = graph.src if direction == "in" else graph.dst
        order, ptr = by_hub[direction]
        edges = order[ptr[code] : ptr[code + 1]]
        near = edges[np.abs(graph.day[edges] - t0) <= cfg.trace_max_days]
        rows.append(
            {
                "hub": graph.names[code],
                "direction": direction,
                "seed": seed,
                "n": len(near),
                "p": float(p_of[direction][code]),
                "t0": t0,
                "code": code,
                "members": sorted({graph.names[code], *graph.names[other[near]]}),
                "rows": near,
            }
        )
    found = pd.DataFrame(rows)
    for d in ("in", "out"):
        mine = (found["direction"] == d).to_numpy()
        if mine.any():
            own = own_p_values(
                graph,
                count[d] + graph.away(d),
                found.loc[mine, "n"].to_numpy(dtype=float),
                found.loc[mine, "code"].to_numpy(dtype=np.int64),
                found.loc[mine, "t0"].to_numpy(dtype=float),
                cfg,
            )
            found.loc[mine, "p"] = np.maximum(found.loc[mine, "p"].to_numpy(dtype=float), own)
    found["strength"] = fdr_strength(found["p"].to_numpy(dtype=float), len(found))
    found = found[found["members"].map(len) >= cfg.min_group_size]
    return found[CASE_FAN_COLUMNS].reset_index(drop=True)
