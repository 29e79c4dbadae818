"""Baseline ring detectors that ringwatch is benchmarked against (bench/detect.py).

Pure functions over the transfers frame of ``detectors.frames`` (src, dst, ts, amount); both
ignore time, which is what makes them baselines:

- ``louvain_rings``: plain Louvain communities of the undirected transfer graph (edge weight:
  total R$ between the two accounts), each community of a ring's size taken as a ring. The
  same graph and weights as the GDS Louvain over all windowed transfers that the first
  version of the benchmark used (docs/benchmarks.md).
- ``dense_flow_rings``: Fraudar-style dense blocks of the bipartite sender/receiver graph.
  Each distinct sender -> receiver pair is an edge weighted 1 / log(receiver's distinct
  senders + 5), so a shop paid by thousands counts little. Greedy peeling removes, one at a
  time, the node whose edges weigh least; the densest state seen (edge weight / nodes) is a
  block; its edges are removed and the peeling repeats, ``k`` times.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = [
    "Block",
    "dense_blocks",
    "dense_flow_rings",
    "louvain",
    "louvain_rings",
    "modularity",
]


# Louvain


def _undirected(transfers: pd.DataFrame) -> tuple[pd.Index, sparse.csr_matrix]:
    """Accounts and the symmetric adjacency of total R$ per account pair (no self-loops)."""
    t = transfers.loc[transfers["src"] != transfers["dst"]]
    codes, names = pd.factorize(pd.concat([t["src"], t["dst"]], ignore_index=True), sort=True)
    n_edges = len(t)
    s, d = codes[:n_edges], codes[n_edges:]
    amount = t["amount"].to_numpy(dtype=float)
    n = len(names)
    upper = sparse.coo_matrix((amount, (np.minimum(s, d), np.maximum(s, d))), shape=(n, n))
    adj = (upper + upper.T).tocsr()
    adj.sum_duplicates()
    return pd.Index(names), adj


def _local_moves(adj: sparse.csr_matrix, rng: np.random.Generator, resolution: float) -> list[int]:
    """One Louvain level: move nodes to the neighbouring community that raises modularity
    most until no move helps. Diagonal entries are self-loops (weight inside a node)."""
    n = adj.shape[0]
    indptr, indices, data = adj.indptr.tolist(), adj.indices.tolist(), adj.data.tolist()
    k = np.asarray(adj.sum(axis=1)).ravel().tolist()
    two_m = float(sum(k))
    if two_m == 0:
        return list(range(n))
    comm = list(range(n))
    tot = list(k)
    order = rng.permutation(n).tolist()
    for _ in range(100):  # passes; each move strictly raises modularity, so this is a guard
        moved = False
        for i in order:
            ci, ki = comm[i], k[i]
            links: dict[int, float] = {}
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                if j != i:
                    cj = comm[j]
                    links[cj] = links.get(cj, 0.0) + data[p]
            tot[ci] -= ki
            scale = resolution * ki / two_m
            best, best_gain = ci, links.get(ci, 0.0) - scale * tot[ci]
            for c, w in links.items():
                gain = w - scale * tot[c]
                if gain > best_gain + 1e-12 * two_m:
                    best, best_gain = c, gain
            tot[best] += ki
            if best != ci:
                comm[i] = best
                moved = True
        if not moved:
            break
    return comm


def louvain(transfers: pd.DataFrame, seed: int = 42, resolution: float = 1.0) -> pd.Series:
    """Louvain communities of the undirected transfer graph (weight: total R$ per pair):
    a Series account -> community number, numbered from 0 by first account."""
    names, adj = _undirected(transfers)
    if not len(names):
        return pd.Series(dtype="int64", index=pd.Index([], dtype=object, name="account"))
    rng = np.random.default_rng(seed)
    membership = np.arange(len(names))
    while True:
        comm = _local_moves(adj, rng, resolution)
        _, coarse = np.unique(np.asarray(comm), return_inverse=True)
        if coarse.max() + 1 == adj.shape[0]:  # no node moved: this level is final
            break
        membership = coarse[membership]
        coo = adj.tocoo()
        size = int(coarse.max()) + 1
        adj = sparse.coo_matrix(
            (coo.data, (coarse[coo.row], coarse[coo.col])), shape=(size, size)
        ).tocsr()
        adj.sum_duplicates()
    labels = pd.factorize(membership)[0]  # numbered by first account, for stable output
    return pd.Series(labels, index=pd.Index(names, name="account"), dtype="int64")


def modularity(transfers: pd.DataFrame, communities: pd.Series, resolution: float = 1.0) -> float:
    """Newman modularity of ``communities`` (account -> label) on the undirected transfer
    graph with R$ weights; accounts missing from ``communities`` are singletons."""
    names, adj = _undirected(transfers)
    two_m = adj.sum()
    if two_m == 0:
        return 0.0
    codes = pd.factorize(communities.reindex(names))[0]  # -1 where missing
    missing = codes < 0
    codes[missing] = codes.max() + 1 + np.arange(missing.sum())
    coo = adj.tocoo()
    inside = coo.data[codes[coo.row] == codes[coo.col]].sum()
    k = np.asarray(adj.sum(axis=1)).ravel()
    tot = np.bincount(codes, weights=k)
    return float(inside / two_m - resolution * np.sum(tot**2) / two_m**2)


def louvain_rings(
    transfers: pd.DataFrame, min_size: int = 3, max_size: int = 60, seed: int = 42
) -> list[set[str]]:
    """Louvain communities with ``min_size``..``max_size`` accounts, each taken as a ring."""
    comm = louvain(transfers, seed=seed)
    members = pd.Series(comm.index, index=comm.to_numpy()).groupby(level=0).agg(set)
    return [set(m) for m in members if min_size <= len(m) <= max_size]


# Dense blocks (Fraudar-style greedy peeling)


@dataclass(frozen=True)
class Block:
    """A dense block: its senders and receivers, and its density (edge weight per node)."""

    senders: frozenset[str]
    receivers: frozenset[str]
    density: float

    @property
    def members(self) -> set[str]:
        return set(self.senders | self.receivers)


_FIXED = 1 << 24  # edge weights in fixed point: exact sums, and heap keys that are plain ints


@dataclass
class _Bipartite:
    """The sender/receiver graph as adjacency lists: nodes 0..n_rows-1 are senders, the
    rest receivers; an edge appears once from each end, with the same fixed-point weight."""

    n_rows: int
    indptr: list[int]
    ends: np.ndarray  # node of each adjacency entry, sorted
    nbr: np.ndarray  # the other end
    weight: np.ndarray  # fixed-point weight; 0 once the edge belonged to a block
    acct: np.ndarray  # account code of each node


def _peel(g: _Bipartite, min_size: int, max_size: int) -> tuple[np.ndarray, float] | None:
    """Greedy peeling: repeatedly remove the node whose live edges weigh least. Returns
    the nodes of the densest state seen (edge weight / nodes) whose distinct accounts
    number ``min_size``..``max_size``, with its density, or None if no such state has edges."""
    n = len(g.acct)
    indptr, nbr, wts = g.indptr, g.nbr.tolist(), g.weight.tolist()
    prio_arr = np.bincount(g.ends, weights=g.weight, minlength=n).astype(np.int64)
    prio = prio_arr.tolist()
    acct = g.acct.tolist()
    sides = np.bincount(g.acct).tolist()  # how many of an account's two sides remain
    members = len(sides)
    alive = [True] * n
    heap = (prio_arr * n + np.arange(n)).tolist()  # key = priority * n + node: ties by node
    heapq.heapify(heap)
    f, remaining = int(prio_arr.sum()) // 2, n
    best_g, best_at = 0.0, -1
    removed: list[int] = []
    if f > 0 and min_size <= members <= max_size:
        best_g, best_at = f / remaining, 0
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        p, v = divmod(pop(heap), n)
        if p != prio[v] or not alive[v]:
            continue  # a stale entry: the node's priority fell since it was pushed
        alive[v] = False
        removed.append(v)
        f -= p
        remaining -= 1
        a = acct[v]
        sides[a] -= 1
        if sides[a] == 0:
            members -= 1
        lo, hi = indptr[v], indptr[v + 1]
        for u, w in zip(nbr[lo:hi], wts[lo:hi], strict=True):
            if w and alive[u]:
                q = prio[u] - w
                prio[u] = q
                push(heap, q * n + u)
        if remaining and min_size <= members <= max_size and f / remaining > best_g:
            best_g, best_at = f / remaining, len(removed)
    if best_at < 0:
        return None
    return np.asarray(removed[best_at:], dtype=np.int64), best_g / _FIXED


def dense_blocks(
    transfers: pd.DataFrame, k: int = 20, min_size: int = 3, max_size: int = 60
) -> list[Block]:
    """Up to ``k`` dense blocks of the sender/receiver graph, densest first; each block's
    distinct accounts number ``min_size``..``max_size``."""
    pairs = transfers.loc[transfers["src"] != transfers["dst"], ["src", "dst"]].drop_duplicates()
    if pairs.empty:
        return []
    # sorted codes: the peeling order (ties by node) does not depend on the row order
    both = pd.concat([pairs["src"], pairs["dst"]], ignore_index=True)
    codes, accounts = pd.factorize(both, sort=True)
    src, dst = codes[: len(pairs)], codes[len(pairs) :]
    row_of, senders = pd.factorize(src, sort=True)
    col_of, receivers = pd.factorize(dst, sort=True)
    n_rows = len(senders)
    in_degree = np.bincount(col_of)
    fixed = np.rint(_FIXED / np.log(in_degree[col_of] + 5.0)).astype(np.int64)
    ends = np.concatenate([row_of, col_of + n_rows])
    order = np.argsort(ends, kind="stable")
    g = _Bipartite(
        n_rows=n_rows,
        indptr=np.searchsorted(ends[order], np.arange(n_rows + len(receivers) + 1)).tolist(),
        ends=ends[order],
        nbr=np.concatenate([col_of + n_rows, row_of])[order],
        weight=np.concatenate([fixed, fixed])[order],
        acct=np.concatenate([senders, receivers]),
    )
    names = np.asarray(accounts, dtype=object)
    blocks: list[Block] = []
    for _ in range(k):
        found = _peel(g, min_size, max_size)
        if found is None:
            break
        nodes, density = found
        blocks.append(
            Block(
                frozenset(str(a) for a in names[g.acct[nodes[nodes < n_rows]]]),
                frozenset(str(a) for a in names[g.acct[nodes[nodes >= n_rows]]]),
                density,
            )
        )
        inside = np.zeros(len(g.acct), dtype=bool)
        inside[nodes] = True
        g.weight[inside[g.ends] & inside[g.nbr]] = 0  # the block's edges are used up
    return blocks


def dense_flow_rings(
    transfers: pd.DataFrame, k: int = 20, min_size: int = 3, max_size: int = 60
) -> list[set[str]]:
    """The members (senders and receivers) of up to ``k`` dense blocks, each taken as a ring."""
    return [b.members for b in dense_blocks(transfers, k, min_size, max_size)]
