"""Two-hop structures over one-off edges: origin -> several middles -> one beneficiary.

Scatter-gather splits money over intermediaries who each pass their part to the same
beneficiary. Counted without weighting by amount (which hides these groups among larger
ordinary flows): the shape itself is rare among innocent payments when each middle is used
once on both legs, the second leg comes after the first, and the middle passes on most of
what it received (flow conservation: ``flow_min_ratio`` .. ``flow_max_ratio`` of it, a
band wide enough for any fee, that holds at any speed). An employee paid by a company who
later pays a shop passes on a small, unrelated share. A middle with many
counterparties overall (a shop, an employer) is not counted: it links everyone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors.config import DetectionConfig
from detectors.oneoff import OneOff

TWOHOP_COLUMNS = ["origin", "beneficiary", "middles", "members", "rows", "first_day", "last_day"]


def detect(graph: OneOff, cfg: DetectionConfig) -> pd.DataFrame:
    """Origin/beneficiary pairs joined by >= ``twohop_min_middles`` distinct middles."""
    if len(graph) == 0:
        return pd.DataFrame(columns=TWOHOP_COLUMNS)
    edges = pd.DataFrame(
        {
            "src": graph.src,
            "dst": graph.dst,
            "day": graph.day,
            "amount": graph.amount,
            "edge": np.arange(len(graph)),
        }
    )
    quiet = graph.degree <= cfg.twohop_max_middle_degree
    first, second = edges[quiet[graph.dst]], edges[quiet[graph.src]]
    legs = first.merge(second, left_on="dst", right_on="src", suffixes=("_1", "_2"))
    legs = legs[
        (legs["src_1"] != legs["dst_2"])
        & (legs["day_2"] >= legs["day_1"])
        & (legs["day_2"] - legs["day_1"] <= cfg.trace_max_days)
        & (legs["amount_2"] / legs["amount_1"]).between(cfg.flow_min_ratio, cfg.flow_max_ratio)
    ]
    if legs.empty:
        return pd.DataFrame(columns=TWOHOP_COLUMNS)
    middles = legs.groupby(["src_1", "dst_2"])["dst_1"].nunique()
    hot = middles[middles >= cfg.twohop_min_middles].index
    legs = legs.set_index(["src_1", "dst_2"]).loc[hot].reset_index()
    out = []
    for (o, b), g in legs.groupby(["src_1", "dst_2"]):
        mids = sorted(set(g["dst_1"]))
        out.append(
            {
                "origin": graph.names[o],
                "beneficiary": graph.names[b],
                "middles": len(mids),
                "members": sorted({graph.names[o], graph.names[b], *graph.names[mids]}),
                "rows": np.unique(np.r_[g["edge_1"].to_numpy(), g["edge_2"].to_numpy()]),
                "first_day": float(g["day_1"].min()),
                "last_day": float(g["day_2"].max()),
            }
        )
    return pd.DataFrame(out, columns=TWOHOP_COLUMNS)
