"""Distance to confirmed fraud: how many transfers separate an account from one that received
a payment the bank confirmed as fraud (``Fraud {status: 'confirmada'}`` reporting it).

Breadth-first over the undirected transfer graph, at most ``fraud_hops`` steps, never walking
*through* a hub (an account with more than ``max_hub_degree`` counterparties, the setting
``fraud_hub_degree``: a shop or a payroll payer is near everybody and says nothing about them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix


def fraud_distance(
    transfers: pd.DataFrame, fraud_accounts: pd.Index, max_hops: int, max_hub_degree: int
) -> pd.Series:
    """Hops from each account to the nearest confirmed-fraud account (only those <= max_hops)."""
    if len(fraud_accounts) == 0:
        return pd.Series(dtype=int)
    pairs = transfers[["src", "dst"]].drop_duplicates()
    names = pd.Index(pd.unique(pd.concat([pairs["src"], pairs["dst"], pd.Series(fraud_accounts)])))
    s, d = names.get_indexer(pairs["src"]), names.get_indexer(pairs["dst"])
    n = len(names)
    adj = coo_matrix((np.ones(2 * len(s)), (np.r_[s, d], np.r_[d, s])), shape=(n, n)).tocsr()
    adj.data[:] = 1.0
    degree = np.diff(adj.indptr)
    dist = np.full(n, -1, dtype=np.int64)
    frontier = np.zeros(n, dtype=bool)
    frontier[names.get_indexer(fraud_accounts)] = True
    dist[frontier] = 0
    for hop in range(1, max_hops + 1):
        walkable = frontier & (degree <= max_hub_degree)
        reached = adj.T @ walkable.astype(float) > 0
        new = reached & (dist < 0)
        if not new.any():
            break
        dist[new] = hop
        frontier = new
    found = dist >= 0
    return pd.Series(dist[found], index=names[found])
