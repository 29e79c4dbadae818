"""Neighbourhood features for the hybrid model: what an account's counterparties and
device-sharers look like (mean and max of their features, 1 and 2 hops away) and how many of
them the bank already knows as mules.

Pure functions over contiguous node ids and the typed edges of ``gnn.dataset.build_edges``;
each aggregation is a sparse-matrix product or one scatter, never a loop over accounts. The
same functions serve training, full scoring and incremental scoring of a neighbourhood.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from gnn.dataset import NUM_RELATIONS, REL_DEVICE, REL_PAID_BY, REL_PAID_TO

RELATION_NAMES = {REL_PAID_BY: "sender", REL_PAID_TO: "receiver", REL_DEVICE: "device"}
# Account features whose neighbourhood mean/max feed the hybrid model. A short list on
# purpose: with a few hundred positives, hundreds of aggregated columns over-fit.
AGGREGATED: tuple[str, ...] = (
    "age_days",
    "age_at_first_transfer_days",
    "in_count",
    "out_count",
    "in_amount",
    "out_amount",
    "distinct_senders",
    "distinct_receivers",
    "night_share",
    "night_near_cap_share",
    "pass_through_24h",
    "forward_hours",
    "active_span_days",
    "n_devices",
    "shared_devices",
    "new_device_events",
    "failed_login_share",
    "gds_degree",
    "community_size",
)


def adjacency(
    edge_index: np.ndarray, edge_type: np.ndarray, num_nodes: int, relation: int | None = None
) -> sp.csr_matrix:
    """0/1 matrix A with A[dst, src] = 1 for each edge (of one relation, or of all), so that
    ``A @ x`` sums each node's incoming neighbours' rows."""
    keep = np.ones(edge_type.size, dtype=bool) if relation is None else edge_type == relation
    src, dst = edge_index[0, keep], edge_index[1, keep]
    a = sp.csr_matrix(
        (np.ones(src.size, dtype=np.float64), (dst, src)), shape=(num_nodes, num_nodes)
    )
    a.data[:] = 1.0  # duplicate pairs count once
    return a


def mean_max(a: sp.csr_matrix, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``a``: the mean and the max of its neighbours' rows of ``x`` (0 for a node
    without neighbours, so "no neighbour" and "average neighbour" stay distinguishable through
    the neighbour counts)."""
    deg = np.asarray(a.sum(axis=1)).ravel()
    mean = (a @ x) / np.maximum(deg, 1.0)[:, None]
    return mean, row_max(a, x)


def row_max(a: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    """Per row of ``a``: the max of its neighbours' rows of ``x`` (0 without neighbours).
    One column at a time over the CSR rows (already grouped by row), so the working memory
    is one value per edge, not one row of ``x`` per edge."""
    mx = np.zeros_like(x)
    rows = np.flatnonzero(np.diff(a.indptr))
    if rows.size == 0:
        return mx
    starts = a.indptr[rows]
    for j in range(x.shape[1]):
        mx[rows, j] = np.maximum.reduceat(x[a.indices, j], starts)
    return mx


def two_hop_sum(a: sp.csr_matrix, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Over every 2-step walk i -> j -> k of the symmetric 0/1 matrix ``a`` with k != i: the
    sum of x[k] per i and the number of such walks. Walks are counted, not distinct nodes,
    so nothing of size (2-hop pairs) is ever built (a shop with thousands of customers would
    make that quadratic); walks back to i itself (deg(i) of them) are subtracted, so an
    account never sees its own values."""
    deg = np.asarray(a.sum(axis=1)).ravel()
    total = a @ (a @ x) - deg[:, None] * x
    walks = a @ deg - deg
    return total, walks


def aggregate_names(names: Sequence[str], columns: Sequence[str] = AGGREGATED) -> list[str]:
    """The column names of ``aggregate_features`` of a matrix with columns ``names``."""
    columns = [c for c in columns if c in names]
    out: list[str] = []
    for r in range(NUM_RELATIONS):
        rel = RELATION_NAMES[r]
        out += [f"{rel}_mean_{c}" for c in columns] + [f"{rel}_max_{c}" for c in columns]
    return out + [f"hop2_mean_{c}" for c in columns] + ["hop2_walks"]


def aggregate_features(
    x: np.ndarray,
    names: Sequence[str],
    edge_index: np.ndarray,
    edge_type: np.ndarray,
    columns: Sequence[str] = AGGREGATED,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Mean and max of the ``columns`` of ``x`` (those present in ``names``) over each
    relation's neighbours (senders, receivers, device-sharers) and the mean over 2-step walks
    of the undirected account graph; returns the float32 matrix and its column names.

    Computed in float64 one block at a time and written into ``out`` (float32, one row per
    node, one column per name; allocated when not given), so that at 4 M accounts the
    working memory is a few blocks, not every block twice over."""
    n = x.shape[0]
    out_names = aggregate_names(names, columns)
    columns = [c for c in columns if c in names]
    pick = [list(names).index(c) for c in columns]
    sub = np.asarray(x[:, pick], dtype=np.float64)
    if out is None:
        out = np.empty((n, len(out_names)), dtype=np.float32)
    width = len(columns)
    at = 0
    for r in range(NUM_RELATIONS):
        a = adjacency(edge_index, edge_type, n, r)
        deg = np.asarray(a.sum(axis=1)).ravel()
        out[:, at : at + width] = (a @ sub) / np.maximum(deg, 1.0)[:, None]
        out[:, at + width : at + 2 * width] = row_max(a, sub)
        at += 2 * width
    total, walks = two_hop_sum(adjacency(edge_index, edge_type, n), sub)
    total /= np.maximum(walks, 1.0)[:, None]
    out[:, at : at + width] = total
    out[:, at + width] = walks
    return out, out_names


def known_mule_features(
    known: np.ndarray, edge_index: np.ndarray, edge_type: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Guilt by association: per account, how many of its senders, receivers and
    device-sharers, and on its 2-step walks, the bank already knows as mules (``known``:
    0/1 per node), and the share among its direct neighbours. An account's own label never
    counts for itself."""
    n = known.size
    k = np.asarray(known, dtype=np.float64)[:, None]
    cols: list[np.ndarray] = []
    names: list[str] = []
    for r in range(NUM_RELATIONS):
        cols.append(adjacency(edge_index, edge_type, n, r) @ k)
        names.append(f"known_mule_{RELATION_NAMES[r]}s")
    a = adjacency(edge_index, edge_type, n)
    direct = a @ k
    deg = np.asarray(a.sum(axis=1))
    hop2, _ = two_hop_sum(a, k)
    cols += [direct / np.maximum(deg, 1.0), hop2]
    names += ["known_mule_share", "known_mule_hop2"]
    return np.hstack(cols).astype(np.float32), names


def score_features(
    scores: np.ndarray, edge_index: np.ndarray, edge_type: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Mean and max of the neighbours' mule scores (as log-odds) per relation, and the mean
    over 2-step walks: how mule-like an account's counterparties look."""
    n = scores.size
    p = np.clip(np.asarray(scores, dtype=np.float64), 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p))[:, None]
    floor = float(np.log(1e-6 / (1 - 1e-6)))
    cols: list[np.ndarray] = []
    names: list[str] = []
    for r in range(NUM_RELATIONS):
        a = adjacency(edge_index, edge_type, n, r)
        deg = np.asarray(a.sum(axis=1))
        mean, mx = mean_max(a, logit)
        none = deg == 0
        cols += [np.where(none, floor, mean), np.where(none, floor, mx)]
        rel = RELATION_NAMES[r]
        names += [f"{rel}_mean_score", f"{rel}_max_score"]
    total, walks = two_hop_sum(adjacency(edge_index, edge_type, n), logit)
    cols.append(np.where(walks[:, None] > 0, total / np.maximum(walks, 1.0)[:, None], floor))
    names.append("hop2_mean_score")
    return np.hstack(cols).astype(np.float32), names


def counterparty_scores(scores: pd.Series, transfers: pd.DataFrame) -> pd.DataFrame:
    """For detection: each account's own mule score (``Account.gnn_score``) beside the
    highest and mean score of the accounts that paid it and that it paid (``transfers``:
    src, dst, optionally status; rejected transfers ignored). Accounts without a score
    count as 0; indexed by id_usuario, one row per scored account."""
    t = transfers
    if "status" in t:
        t = t[t["status"] != "rejeitada"]
    pairs = t[["src", "dst"]].drop_duplicates()
    pairs = pairs[pairs["src"] != pairs["dst"]]
    own = scores.astype(float)
    out = pd.DataFrame({"gnn_score": own})
    for side, other, name in (("dst", "src", "sender"), ("src", "dst", "receiver")):
        s = own.reindex(pairs[other]).fillna(0.0).to_numpy()
        g = pd.Series(s, index=pairs[side].to_numpy()).groupby(level=0)
        out[f"max_{name}_score"] = g.max().reindex(out.index).fillna(0.0)
        out[f"mean_{name}_score"] = g.mean().reindex(out.index).fillna(0.0)
    out.index.name = "id_usuario"
    return out
