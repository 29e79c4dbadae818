"""Seeded tracing: from a known case to the ring around it, as an investigator works a MED claim.

A seed is a transfer the bank confirmed as fraud (or an account an investigator confirmed).
From it the money is followed the way MED 2.0 does:

- forward from the receiver, up to ``trace_hops`` transfers, each leaving an account no
  earlier than the money arrived there and within ``trace_max_days`` of the seed;
- backward from the sender the same way (where the money came from);
- sideways to the receiver's other senders and the sender's other receivers within the same
  period (the co-senders of a collector, the co-receivers of a distributor).

Only transfers of account pairs that deal at most ``trace_max_pair_transfers`` times are
followed (rent and salaries are not where stolen money goes), and accounts with more than
``trace_max_degree`` counterparties (shops, employers) are reached but not walked through.
The ring is then cut out of the traced accounts by flow: a personalized
PageRank from the seed over the traced transfers, each weighted by how unusual its account
pair is (1 / transfers of the pair squared: a one-off transfer counts 1, a pair that pays each
other every week almost nothing), and a sweep that keeps the prefix of accounts, ranked by
PageRank per unit of weighted degree, whose conductance is lowest.

A tight cut means little on its own in a graph of quiet accounts, so the same trace is run
from ``trace_null_seeds`` random transfers (deterministic, of pairs that deal at most
``trace_max_pair_transfers`` times): a case's ring counts only as much as its conductance is
lower than theirs (``strength`` = 1 - the empirical p-value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from detectors.config import DetectionConfig
from detectors.oneoff import coded_pairs, days_since_start

TRACE_COLUMNS = ["seed", "members", "conductance", "traced", "strength"]


@dataclass
class FlowIndex:
    """All transfers as integer arrays sorted two ways (by sender, by receiver), plus the
    undirected weighted adjacency used for PageRank and conductance."""

    names: pd.Index
    out_ptr: np.ndarray
    out_dst: np.ndarray
    out_day: np.ndarray
    out_pair: np.ndarray  # transfers of the account pair, for each transfer
    in_ptr: np.ndarray
    in_src: np.ndarray
    in_day: np.ndarray
    in_pair: np.ndarray
    degree: np.ndarray  # distinct counterparties
    adjacency: csr_matrix  # symmetric, weights 1/count^2 summed per pair
    volume: np.ndarray  # weighted degree

    @classmethod
    def build(cls, transfers: pd.DataFrame, outside: pd.DataFrame | None = None) -> FlowIndex:
        names, s, d, _, pair = coded_pairs(transfers, outside)
        n = len(names)
        day = days_since_start(transfers["ts"])
        weight = 1.0 / pair.astype(float) ** 2
        loop = s == d
        adj = csr_matrix(
            (
                np.r_[weight, weight][~np.r_[loop, loop]],
                (np.r_[s, d][~np.r_[loop, loop]], np.r_[d, s][~np.r_[loop, loop]]),
            ),
            shape=(n, n),
        )
        adj.sum_duplicates()
        by_src = np.lexsort((day, s))
        by_dst = np.lexsort((day, d))
        binary = adj.copy()
        binary.data[:] = 1.0
        return cls(
            names=names,
            out_ptr=np.searchsorted(s[by_src], np.arange(n + 1)),
            out_dst=d[by_src],
            out_day=day[by_src],
            out_pair=pair[by_src],
            in_ptr=np.searchsorted(d[by_dst], np.arange(n + 1)),
            in_src=s[by_dst],
            in_day=day[by_dst],
            in_pair=pair[by_dst],
            degree=np.diff(binary.indptr),
            adjacency=adj,
            volume=np.asarray(adj.sum(axis=1)).ravel(),
        )

    def day_of(self, ts: pd.Series, transfers: pd.DataFrame) -> np.ndarray:
        """Timestamps on the same day scale as the index (days since the first transfer)."""
        first = transfers["ts"].min()
        days: np.ndarray = ((ts - first) / pd.Timedelta(days=1)).to_numpy(dtype=float)
        return days


def _walk(
    ptr: np.ndarray,
    other: np.ndarray,
    day: np.ndarray,
    pair: np.ndarray,
    start: int,
    t0: float,
    forward: bool,
    cfg: DetectionConfig,
    hubs: np.ndarray,
) -> dict[int, float]:
    """Time-respecting reach from ``start``: account -> earliest arrival (forward) or latest
    departure (backward), at most ``trace_hops`` hops, within ``trace_max_days`` of ``t0``,
    over transfers of pairs that deal at most ``trace_max_pair_transfers`` times."""
    reached = {start: t0}
    frontier = {start: t0}
    for _ in range(cfg.trace_hops):
        nxt: dict[int, float] = {}
        for node, t in frontier.items():
            if node != start and hubs[node]:
                continue
            lo, hi = ptr[node], ptr[node + 1]
            days, peers = day[lo:hi], other[lo:hi]
            if forward:
                ok = (days >= t) & (days <= t0 + cfg.trace_max_days)
            else:
                ok = (days <= t) & (days >= t0 - cfg.trace_max_days)
            ok &= pair[lo:hi] <= cfg.trace_max_pair_transfers
            for p, dp in zip(peers[ok], days[ok], strict=True):
                better = p not in reached or (dp < reached[p] if forward else dp > reached[p])
                if better:
                    reached[p] = float(dp)
                    nxt[int(p)] = float(dp)
        frontier = nxt
        if not frontier:
            break
    return reached


def _siblings(
    ptr: np.ndarray,
    other: np.ndarray,
    day: np.ndarray,
    pair: np.ndarray,
    node: int,
    t0: float,
    cfg: DetectionConfig,
) -> set[int]:
    lo, hi = ptr[node], ptr[node + 1]
    ok = (np.abs(day[lo:hi] - t0) <= cfg.trace_max_days) & (
        pair[lo:hi] <= cfg.trace_max_pair_transfers
    )
    return set(other[lo:hi][ok].tolist())


def traced_accounts(
    index: FlowIndex, src: int, dst: int, t0: float, cfg: DetectionConfig
) -> np.ndarray:
    """Codes of every account the trace of one seed transfer reaches."""
    hubs = index.degree > cfg.trace_max_degree
    ins = (index.in_ptr, index.in_src, index.in_day, index.in_pair)
    outs = (index.out_ptr, index.out_dst, index.out_day, index.out_pair)
    fwd = _walk(*outs, dst, t0, True, cfg, hubs)
    back = _walk(*ins, src, t0, False, cfg, hubs)
    side: set[int] = set()
    if not hubs[dst]:
        side |= _siblings(*ins, dst, t0, cfg)
    if not hubs[src]:
        side |= _siblings(*outs, src, t0, cfg)
    return np.array(sorted(set(fwd) | set(back) | side | {src, dst}), dtype=np.int64)


def sweep(
    index: FlowIndex, nodes: np.ndarray, seeds: np.ndarray, cfg: DetectionConfig
) -> tuple[np.ndarray, float]:
    """Personalized PageRank from ``seeds`` on the subgraph of ``nodes``, then the prefix of
    lowest conductance (in the whole graph) with min..max ring size members."""
    sub = index.adjacency[nodes][:, nodes]
    out = np.asarray(sub.sum(axis=1)).ravel()
    walk = csr_matrix(sub.multiply(1.0 / np.where(out > 0, out, 1.0)[:, None]))
    back = walk.T.tocsr()  # transposed once, not once per step
    start = np.isin(nodes, seeds).astype(float)
    start /= start.sum()
    rank = start.copy()
    for _ in range(50):
        rank = (1 - cfg.trace_alpha) * (back @ rank) + cfg.trace_alpha * start
    vol = index.volume[nodes]
    order = np.argsort(-(rank / np.where(vol > 0, vol, 1.0)), kind="stable")
    order = order[rank[order] > 0]
    total = float(index.volume.sum())
    best, best_phi = np.array([], dtype=np.int64), np.inf
    inside = np.zeros(len(nodes), dtype=bool)
    internal, volume = 0.0, 0.0
    sub = csr_matrix(sub)
    for k, i in enumerate(order[: cfg.max_ring_size], start=1):
        lo, hi = sub.indptr[i], sub.indptr[i + 1]
        internal += 2 * sub.data[lo:hi][inside[sub.indices[lo:hi]]].sum()
        inside[i] = True
        volume += vol[i]
        if k < cfg.min_ring_size:
            continue
        phi = (volume - internal) / max(min(volume, total - volume), 1e-12)
        if phi < best_phi:
            best, best_phi = nodes[order[:k]], phi
    return best, float(best_phi)


def _cut(
    index: FlowIndex, src: int, dst: int, t0: float, cfg: DetectionConfig
) -> tuple[np.ndarray, float, int]:
    nodes = traced_accounts(index, src, dst, t0, cfg)
    members, phi = sweep(index, nodes, np.array([src, dst]), cfg)
    if len(members) < cfg.min_ring_size:
        return members, 1.0, len(nodes)
    return members, phi, len(nodes)


def null_conductance(index: FlowIndex, cfg: DetectionConfig, skip: set[str]) -> np.ndarray:
    """Conductance of the cut traced from random unusual transfers (1.0 when no cut)."""
    src = np.repeat(np.arange(len(index.names)), np.diff(index.out_ptr))
    skipped = np.zeros(len(index.names), dtype=bool)
    codes = index.names.get_indexer(list(skip))
    skipped[codes[codes >= 0]] = True
    usable = (
        (index.out_pair <= cfg.trace_max_pair_transfers) & ~skipped[src] & ~skipped[index.out_dst]
    )
    picks = np.flatnonzero(usable)
    if picks.size == 0:
        return np.ones(0)
    rng = np.random.default_rng(cfg.random_seed)
    chosen = rng.choice(picks, size=min(cfg.trace_null_seeds, picks.size), replace=False)
    return np.array(
        [
            _cut(index, int(src[e]), int(index.out_dst[e]), float(index.out_day[e]), cfg)[1]
            for e in chosen
        ]
    )


def detect(
    transfers: pd.DataFrame,
    seeds: pd.DataFrame,
    cfg: DetectionConfig,
    skip: set[str],
    outside: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rings cut out of the trace of each seed transfer (``src``, ``dst``, ``ts``), except
    seeds that touch ``skip`` (members of rings found already: the case is explained);
    ``outside``: the pairs' transfers outside the window (``oneoff.coded_pairs``)."""
    if transfers.empty or seeds.empty:
        return pd.DataFrame(columns=TRACE_COLUMNS)
    index = FlowIndex.build(transfers, outside)
    known = (index.names.get_indexer(seeds["src"]) >= 0) & (
        index.names.get_indexer(seeds["dst"]) >= 0
    )
    explained = seeds["src"].map(lambda a: a in skip) | seeds["dst"].map(lambda a: a in skip)
    seeds = seeds[known & ~explained.to_numpy(dtype=bool)]
    seeds = seeds.drop_duplicates(["src", "dst"])
    if seeds.empty:
        return pd.DataFrame(columns=TRACE_COLUMNS)
    days = index.day_of(seeds["ts"], transfers)
    null = np.sort(null_conductance(index, cfg, skip))
    rows, done = [], set(skip)
    for (s, d), t0 in zip(zip(seeds["src"], seeds["dst"], strict=True), days, strict=True):
        if s in done or d in done:
            continue
        src, dst = index.names.get_loc(s), index.names.get_loc(d)
        members, phi, traced = _cut(index, src, dst, float(t0), cfg)
        if len(members) < cfg.min_ring_size or phi > cfg.trace_max_conductance:
            continue
        p = (1 + np.searchsorted(null, phi, side="right")) / (1 + len(null))
        names = sorted(index.names[members])
        done.update(names)
        rows.append(
            {
                "seed": f"{s}->{d}",
                "members": names,
                "conductance": phi,
                "traced": traced,
                "strength": float(1 - p),
            }
        )
    return pd.DataFrame(rows, columns=TRACE_COLUMNS)
