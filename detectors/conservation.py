"""Money in, money out: an account that collects from new counterparties and passes the money
on to other new counterparties, at any speed.

A collector in a gather-scatter scheme receives one-off transfers from several accounts and,
afterwards, sends roughly the same total (less a fee) in one-off transfers to several others.
Whether that takes an hour or five weeks, two things hold: the money goes out *after* it came
in, and what goes out is most of what came in (flow conservation). For each account and each
day on which it sends a one-off transfer, the transfers it received in the
``trace_max_days`` before and sent in the ``trace_max_days`` after are compared; the episode
counts when at least ``conservation_min_transfers`` came in and as many went out and the
outflow is ``conservation_min_ratio`` .. ``conservation_max_ratio`` of the inflow. The
account's largest such episode is its finding; how often chance gives episodes that large is
measured on rewired copies of the one-off graph (``detectors.null``).

Ordinary accounts also receive and send one-off payments, but their totals rarely match: a
salary is spent over weeks on many repeat payees, a shop's takings leave as repeat supplier
payments. Some do match, though, by chance: an account with many one-off customers and a few
one-off payments out has, somewhere in its history, a stretch whose totals agree. So the
episode must also be busier with one-off transfers than the account's own pace elsewhere
predicts (``casefans.own_p_values`` over the episode's days, the yardstick of the novelty
bursts and case fans): a p-value above ``conservation_max_own_p`` is no episode
(``unexplained``). A collector
meets its strangers in the episode; a shop meets them all year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors.casefans import own_p_values
from detectors.config import DetectionConfig
from detectors.oneoff import OneOff

CONSERVATION_COLUMNS = [
    "hub",
    "received",
    "sent",
    "ratio",
    "n",
    "members",
    "rows",
    "first_day",
    "last_day",
    "own_p",
]


def _by_account(
    accounts: np.ndarray, day: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge order sorted by (account, day) and each code's slice [start, end) in it."""
    order = np.lexsort((day, accounts))
    start = np.searchsorted(accounts[order], codes, side="left")
    end = np.searchsorted(accounts[order], codes, side="right")
    return order, start, end


def detect(graph: OneOff, cfg: DetectionConfig) -> pd.DataFrame:
    """Each account's largest conserving episode (CONSERVATION_COLUMNS); ``n`` is the number
    of one-off transfers in it, in and out, ``own_p`` the chance of that many in its days at
    the account's own pace (``unexplained`` keeps the episodes that pace does not explain)."""
    need = cfg.conservation_min_transfers
    received = np.bincount(graph.dst, minlength=len(graph.names))
    sent = np.bincount(graph.src, minlength=len(graph.names))
    hubs = np.flatnonzero((received >= need) & (sent >= need))
    if hubs.size == 0:
        return pd.DataFrame(columns=CONSERVATION_COLUMNS)
    in_order, in_start, in_end = _by_account(graph.dst, graph.day, hubs)
    out_order, out_start, out_end = _by_account(graph.src, graph.day, hubs)
    width = cfg.trace_max_days
    found = []
    for hub, a, b, c, d in zip(hubs, in_start, in_end, out_start, out_end, strict=True):
        ins, outs = in_order[a:b], out_order[c:d]
        best = _best_episode(graph, ins, outs, width, cfg)
        if best is not None:
            found.append(_row(graph, int(hub), *best))
    if not found:
        return pd.DataFrame(columns=CONSERVATION_COLUMNS)
    episodes = pd.DataFrame(found, columns=CONSERVATION_COLUMNS)
    first = episodes["first_day"].to_numpy(dtype=float)
    last = episodes["last_day"].to_numpy(dtype=float)
    episodes["own_p"] = own_p_values(
        graph,
        received + sent + graph.away_in + graph.away_out,
        episodes["n"].to_numpy(dtype=float),
        graph.names.get_indexer(episodes["hub"]),
        (first + last) / 2,
        cfg,
        half_width=(last - first) / 2,
    )
    return episodes


def unexplained(episodes: pd.DataFrame, cfg: DetectionConfig) -> pd.DataFrame:
    """The episodes the account's own pace does not explain (``own_p`` at most
    ``conservation_max_own_p``). Applied after the episodes are weighed against the null
    model, so that the test only removes findings and leaves the others' strength as it
    was."""
    if episodes.empty:
        return episodes
    return episodes[episodes["own_p"] <= cfg.conservation_max_own_p].reset_index(drop=True)


def _best_episode(
    graph: OneOff, ins: np.ndarray, outs: np.ndarray, width: float, cfg: DetectionConfig
) -> tuple[np.ndarray, np.ndarray] | None:
    """The (ins, outs) edge sets of the largest conserving episode of one account, if any."""
    need = cfg.conservation_min_transfers
    in_day, out_day = graph.day[ins], graph.day[outs]
    best: tuple[np.ndarray, np.ndarray] | None = None
    for start in np.unique(out_day):
        came = ins[(in_day <= start) & (in_day >= start - width)]
        went = outs[(out_day >= start) & (out_day <= start + width)]
        if len(came) < need or len(went) < need:
            continue
        ratio = graph.amount[went].sum() / graph.amount[came].sum()
        if not cfg.conservation_min_ratio <= ratio <= cfg.conservation_max_ratio:
            continue
        if best is None or len(came) + len(went) > len(best[0]) + len(best[1]):
            best = (came, went)
    return best


def _row(graph: OneOff, hub: int, came: np.ndarray, went: np.ndarray) -> dict[str, object]:
    rows = np.r_[came, went]
    into, out = float(graph.amount[came].sum()), float(graph.amount[went].sum())
    others = np.r_[graph.src[came], graph.dst[went]]
    return {
        "hub": graph.names[hub],
        "received": into,
        "sent": out,
        "ratio": out / into,
        "n": len(rows),
        "members": sorted({graph.names[hub], *graph.names[np.unique(others)]}),
        "rows": rows,
        "first_day": float(graph.day[rows].min()),
        "last_day": float(graph.day[rows].max()),
        "own_p": 1.0,
    }
