"""Ring assembly: from the detectors' suspicious transfers to candidate rings.

The edges found by the detectors (relay hops between relays and sinks, fan-out bursts,
chains, cycles, scatter-gather legs, drains) and the shared identifiers between the accounts
they touch form the *ring graph*. Its connected components are candidate rings; a component
larger than ``max_ring_size`` is split into communities (Leiden in GDS, see
``detectors.gds_algos.leiden_splitter``), and pieces smaller than ``min_ring_size`` go.
Accounts that are not in a candidate but share a device or IP with at least two of its members
join it (the idle mules of a farm).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from detectors import linked
from detectors.config import DetectionConfig

# split(edges with src, dst, weight) -> Series mapping account -> community label
Splitter = Callable[[pd.DataFrame], pd.Series]


@dataclass
class Candidates:
    members: pd.DataFrame  # candidate (int), account
    edges: pd.DataFrame  # the ring graph: src, dst, ts, amount, evidence


def components(pairs: pd.DataFrame) -> pd.Series:
    """Connected components of an undirected edge list (src, dst): account -> label."""
    if pairs.empty:
        return pd.Series(dtype=int)
    code, names = pd.factorize(pd.concat([pairs["src"], pairs["dst"]], ignore_index=True))
    n, m = len(names), len(pairs)
    graph = coo_matrix((np.ones(m), (code[:m], code[m:])), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=False)
    return pd.Series(label, index=names)


def louvain_splitter(seed: int) -> Splitter:
    """A pure networkx Louvain splitter (tests and runs without GDS)."""

    def split(edges: pd.DataFrame) -> pd.Series:
        import networkx as nx

        graph = nx.Graph()
        for s, d, w in zip(edges["src"], edges["dst"], edges["weight"], strict=True):
            prev = graph.get_edge_data(s, d, {"weight": 0.0})["weight"]
            graph.add_edge(s, d, weight=prev + w)
        parts = nx.community.louvain_communities(graph, weight="weight", seed=seed)
        return pd.Series({a: i for i, part in enumerate(parts) for a in part})

    return split


def assemble(
    ring_edges: pd.DataFrame,
    identifiers: pd.DataFrame,
    cfg: DetectionConfig,
    split: Splitter | None = None,
) -> Candidates:
    """Candidate rings from the detectors' edges and the shared identifiers."""
    ring_edges = ring_edges[ring_edges["src"] != ring_edges["dst"]]
    touched = pd.Index(pd.unique(pd.concat([ring_edges["src"], ring_edges["dst"]])))
    links = linked.link_edges(identifiers, touched, cfg) if not identifiers.empty else None
    pairs = ring_edges[["src", "dst"]]
    if links is not None and not links.empty:
        pairs = pd.concat([pairs, links[["src", "dst"]]], ignore_index=True)
    label = components(pairs)
    sizes = label.value_counts()
    big = sizes[sizes > cfg.max_ring_size].index
    if len(big) and split is not None:
        label = _split_big(label, big, ring_edges, links, split)
    members = pd.DataFrame({"account": label.index, "candidate": label.to_numpy()})
    members = _add_idle(members, identifiers, cfg)
    sizes = members.groupby("candidate")["account"].transform("size")
    members = members[sizes >= cfg.min_ring_size]
    members = _renumber(members)
    in_ring = ring_edges["src"].isin(members["account"]) & ring_edges["dst"].isin(
        members["account"]
    )
    return Candidates(members=members, edges=ring_edges[in_ring].reset_index(drop=True))


def _split_big(
    label: pd.Series,
    big: pd.Index,
    ring_edges: pd.DataFrame,
    links: pd.DataFrame | None,
    split: Splitter,
) -> pd.Series:
    """Replace the labels of oversized components by their communities."""
    inside = label.index[label.isin(big)]
    flows = ring_edges[ring_edges["src"].isin(inside)][["src", "dst", "amount"]]
    weighted = flows.assign(weight=np.log1p(flows["amount"]))[["src", "dst", "weight"]]
    if links is not None and not links.empty:
        shared = links[links["src"].isin(inside)][["src", "dst"]].assign(weight=2.0)
        weighted = pd.concat([weighted, shared], ignore_index=True)
    community = split(weighted)
    label = label.astype(np.int64)
    offset = int(label.max()) + 1
    codes, _ = pd.factorize(community.reindex(inside).fillna(-1).astype(int))
    label.loc[inside] = codes + offset
    return label


def _add_idle(
    members: pd.DataFrame, identifiers: pd.DataFrame, cfg: DetectionConfig
) -> pd.DataFrame:
    """Accounts outside every candidate sharing a device or IP with >= 2 members of one."""
    if identifiers.empty or members.empty:
        return members
    ids = linked.usable(identifiers[identifiers["kind"].isin(["device", "ip"])], cfg)
    holders = ids.merge(members, on="account")[["kind", "identifier", "candidate", "account"]]
    reach = ids.merge(holders.drop(columns="account"), on=["kind", "identifier"])
    reach = reach[~reach["account"].isin(members["account"])]
    links = holders.merge(reach, on=["kind", "identifier", "candidate"], suffixes=("_m", ""))
    counts = links.groupby(["account", "candidate"])["account_m"].nunique().reset_index()
    idle = counts[counts["account_m"] >= 2].sort_values("account_m", ascending=False)
    idle = idle.drop_duplicates("account")[["account", "candidate"]]
    return pd.concat([members, idle], ignore_index=True)


def _renumber(members: pd.DataFrame) -> pd.DataFrame:
    """Number candidates 0.. by their smallest member (deterministic)."""
    if members.empty:
        return members.reset_index(drop=True)
    first = members.groupby("candidate")["account"].transform("min").astype(str)
    members = members.assign(candidate=first.rank(method="dense").astype(int) - 1)
    return members.sort_values(["candidate", "account"]).reset_index(drop=True)
