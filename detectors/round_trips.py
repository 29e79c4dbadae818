"""Time-ordered directed cycles over one-off edges: money that comes back to where it left.

Each hop leaves an account no earlier than the money arrived there (same day allowed, as
exports are often day-level), the whole trip lasts at most ``trace_max_days``, every hop
is a one-off transfer between accounts that otherwise never deal with each other, and every
hop passes on most of what the previous one brought (``conservation_min_ratio`` ..
``conservation_max_ratio`` of it, as for money in and money out: a fee is kept, nothing is
added). No hour limit, so the same round trip is found at any speed. Four strangers who each
happen to pay the next one some unrelated amount within a month do not make money go round.
Accounts with many counterparties (``twohop_max_middle_degree``) are not walked through.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.oneoff import OneOff

CYCLE_COLUMNS = ["members", "hops", "rows", "first_day", "last_day"]
# Partial paths allowed per step. A one-off graph so dense that more time-ordered paths exist
# is one where round trips happen by chance everywhere: the detector then reports none.
MIN_HOPS = 3


def detect(graph: OneOff, cfg: DetectionConfig) -> pd.DataFrame:
    """Distinct cycles of 3..``round_trip_max_hops`` hops (CYCLE_COLUMNS)."""
    if len(graph) == 0:
        return pd.DataFrame(columns=CYCLE_COLUMNS)
    quiet = graph.degree <= cfg.twohop_max_middle_degree
    keep = quiet[graph.src] & quiet[graph.dst]
    hops = pd.DataFrame(
        {
            "at": graph.src[keep],
            "next": graph.dst[keep],
            "day_next": graph.day[keep],
            "amount_next": graph.amount[keep],
            "edge_next": np.flatnonzero(keep),
        }
    )
    paths = pd.DataFrame(
        {
            "n0": hops["at"],
            "at": hops["next"],
            "start": hops["day_next"],
            "day": hops["day_next"],
            "amount": hops["amount_next"],
            "e0": hops["edge_next"],
        }
    )
    lo, hi = cfg.conservation_min_ratio, cfg.conservation_max_ratio
    found = []
    for k in range(1, cfg.round_trip_max_hops):
        joined = paths.merge(hops, on="at")
        joined = joined[
            (joined["day_next"] >= joined["day"])
            & (joined["day_next"] - joined["start"] <= cfg.trace_max_days)
            & (joined["amount_next"] >= lo * joined["amount"])
            & (joined["amount_next"] <= hi * joined["amount"])
        ]
        visited = np.zeros(len(joined), dtype=bool)
        nxt = joined["next"].to_numpy()
        for j in range(1, k + 1):
            col = "at" if j == k else f"n{j}"
            visited |= joined[col].to_numpy() == nxt
        joined = joined[~visited]
        grown = joined.rename(columns={"at": f"n{k}", "next": "at", "edge_next": f"e{k}"})
        grown = grown.drop(columns=["day", "amount"])
        grown = grown.rename(columns={"day_next": "day", "amount_next": "amount"})
        closed = grown["at"] == grown["n0"]
        if k + 1 >= MIN_HOPS and closed.any():
            found.append(_cycles(graph, grown[closed], k + 1))
        paths = grown[~closed].reset_index(drop=True)
        if len(paths) > cfg.round_trip_max_paths:
            return pd.DataFrame(columns=CYCLE_COLUMNS)
        if paths.empty:
            break
    if not found:
        return pd.DataFrame(columns=CYCLE_COLUMNS)
    cycles = pd.concat(found, ignore_index=True)
    cycles["key"] = cycles["members"].map(tuple)
    return cycles.drop_duplicates("key").drop(columns="key").reset_index(drop=True)


def _cycles(graph: OneOff, closed: pd.DataFrame, hops: int) -> pd.DataFrame:
    nodes = closed[[f"n{j}" for j in range(hops)]].to_numpy()
    edges = closed[[f"e{j}" for j in range(hops)]].to_numpy()
    return pd.DataFrame(
        {
            "members": [sorted(graph.names[row]) for row in nodes],
            "hops": hops,
            "rows": list(edges),
            "first_day": closed["start"].to_numpy(),
            "last_day": closed["day"].to_numpy(),
        }
    )
