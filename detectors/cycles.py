"""Cycles (round trips): money that returns to the account it left, through 2..5 others, each
hop within hours and keeping most of the amount.

A cycle may start with the origin's own money (not a relay edge), so the first hop is any
transfer into a relay; the following hops are relay edges, grown as in ``detectors.chains``.
Two-hop back-and-forth (a person and their own company) is not a cycle here: at least three
hops are needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detectors.chains import extend, revisits, start_paths
from detectors.config import DetectionConfig
from detectors.frames import empty_edges

MIN_HOPS = 3


def detect(
    transfers: pd.DataFrame, relay_edges: pd.DataFrame, relaying: pd.Index, cfg: DetectionConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Temporal cycles of 3..``cycle_max_hops`` hops: (cycles, cycle edges).

    ``cycles`` has one row per distinct cycle: ``accounts`` (origin first), ``hops``,
    ``start``, ``end``, ``amount`` (what left the origin).
    """
    cols = ["accounts", "hops", "start", "end", "amount"]
    if relay_edges.empty:
        return pd.DataFrame(columns=cols), empty_edges()
    into = transfers[transfers["dst"].isin(relaying)][["src", "dst", "ts", "amount"]]
    all_edges = pd.concat([into, relay_edges[["src", "dst", "ts", "amount"]]]).drop_duplicates()
    all_edges = all_edges.reset_index(drop=True)
    all_edges["edge"] = np.arange(len(all_edges))
    starts = all_edges.merge(into, on=["src", "dst", "ts", "amount"])
    hops = all_edges.merge(relay_edges[["src", "dst", "ts", "amount"]])
    paths = start_paths(starts)
    paths["start"], paths["first_amount"] = paths["ts"], paths["amount"]
    found: list[pd.DataFrame] = []
    for k in range(1, cfg.cycle_max_hops):
        paths = extend(paths, hops, k, cfg)
        closed = paths[f"n{k + 1}"] == paths["n0"]
        if k + 1 >= MIN_HOPS:
            found.append(paths[closed].assign(hops=k + 1))
        paths = paths[~closed & ~revisits(paths, k + 1)]
        if paths.empty:
            break
    found = [f for f in found if not f.empty]
    if not found:
        return pd.DataFrame(columns=cols), empty_edges()
    rows, edge_ids = [], set()
    for frame in found:
        k = int(frame["hops"].iloc[0])
        for j in range(k):
            edge_ids.update(frame[f"e{j}"].tolist())
        rows.append(
            pd.DataFrame(
                {
                    "accounts": [tuple(r) for r in frame[[f"n{j}" for j in range(k)]].to_numpy()],
                    "hops": k,
                    "start": frame["start"].to_numpy(),
                    "end": frame["ts"].to_numpy(),
                    "amount": frame["first_amount"].to_numpy(),
                }
            )
        )
    cycles = pd.concat(rows, ignore_index=True)
    cycles["key"] = cycles["accounts"].map(lambda a: frozenset(a))
    cycles = cycles.drop_duplicates("key").drop(columns="key").reset_index(drop=True)
    edges = all_edges.loc[sorted(edge_ids), ["src", "dst", "ts", "amount"]].copy()
    edges["evidence"] = "cycle"
    return cycles, edges.reset_index(drop=True)
