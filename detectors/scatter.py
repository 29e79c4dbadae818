"""Scatter-gather: one source pays several middles, and each middle passes the money to the
same sink within ``scatter_window_hours`` — the source and the sink are two ends of one
operation with a layer of mules in between.

Both legs are relay edges (the source and the middles pass money on), which keeps the join
small even on large graphs.
"""

from __future__ import annotations

import pandas as pd

from detectors.config import DetectionConfig
from detectors.frames import empty_edges, hours


def detect(relay_edges: pd.DataFrame, cfg: DetectionConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scatter-gather patterns: (patterns, edges); one pattern row per (source, sink) with
    ``middles`` (tuple), ``start``, ``end``, ``amount`` (scattered)."""
    cols = ["source", "sink", "middles", "start", "end", "amount"]
    if relay_edges.empty:
        return pd.DataFrame(columns=cols), empty_edges()
    legs = relay_edges[["src", "dst", "ts", "amount"]]
    first = legs.rename(columns={"src": "source", "dst": "middle", "ts": "t1", "amount": "a1"})
    second = legs.rename(columns={"src": "middle", "dst": "sink", "ts": "t2", "amount": "a2"})
    pairs = first.merge(second, on="middle")
    wait = pairs["t2"] - pairs["t1"]
    pairs = pairs[
        (wait > pd.Timedelta(0))
        & (wait <= hours(cfg.scatter_window_hours))
        & (pairs["sink"] != pairs["source"])
        & (pairs["sink"] != pairs["middle"])
    ]
    if pairs.empty:
        return pd.DataFrame(columns=cols), empty_edges()
    grouped = pairs.groupby(["source", "sink"])
    summary = grouped.agg(
        n=("middle", "nunique"), start=("t1", "min"), end=("t2", "max"), amount=("a1", "sum")
    )
    summary["middles"] = grouped["middle"].agg(lambda s: tuple(sorted(set(s))))
    summary = summary[summary["n"] >= cfg.scatter_min_middles].reset_index()
    if summary.empty:
        return pd.DataFrame(columns=cols), empty_edges()
    hit = pairs.merge(summary[["source", "sink"]])
    edges = pd.concat(
        [
            hit[["source", "middle", "t1", "a1"]].set_axis(["src", "dst", "ts", "amount"], axis=1),
            hit[["middle", "sink", "t2", "a2"]].set_axis(["src", "dst", "ts", "amount"], axis=1),
        ]
    ).drop_duplicates()
    edges["evidence"] = "scatter_gather"
    return summary[cols], edges.reset_index(drop=True)
