"""The detectors' Graph Data Science calls, in the one GDS style of ``graph/projections.py``.

Every projection is a Cypher projection stored in ``cypher/detectors/project_*.cypher``,
opened under a unique name in a ``with`` block, so it is dropped even when an algorithm
fails; algorithms are graphdatascience client calls, and GDS node ids are turned back into
account ids with ``graph.projections.account_ids``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from detectors import linked
from detectors.assemble import Splitter
from detectors.config import DetectionConfig
from graph.gateway import Gateway
from graph.projections import account_ids, cypher_projection
from ringwatch.errors import RingwatchError


def leiden_splitter(
    gateway: Gateway,
    gds: Any,
    window: tuple[str, str],
    identifiers: pd.DataFrame,
    cfg: DetectionConfig,
) -> Splitter:
    """A splitter for oversized candidate rings: Leiden over their windowed, aggregated
    transfers plus shared-identifier links, projected from the database."""

    def split(edges: pd.DataFrame) -> pd.Series:
        ids = sorted(pd.unique(pd.concat([edges["src"], edges["dst"]])).tolist(), key=str)
        links = linked.link_edges(identifiers, pd.Index(ids), cfg)
        pairs = links[["src", "dst"]].astype(str).values.tolist()
        with cypher_projection(
            gds, "detectors/project_flows", ids=ids, links=pairs, since=window[0], until=window[1]
        ) as G:
            if G is None:
                raise RingwatchError(
                    f"None of the {len(ids)} accounts of an oversized ring has a transfer or "
                    f"a shared identifier in {window[0]}..{window[1]} any more: the graph "
                    "changed during detection; run it again."
                )
            result = gds.leiden.stream(
                G,
                relationship_weight_property="weight",
                gamma=cfg.leiden_gamma,
                random_seed=cfg.random_seed,
                concurrency=1,
            )
        names = account_ids(gateway, result["nodeId"])
        return pd.Series(result["communityId"].to_numpy(), index=result["nodeId"].map(names))

    return split


def neighbourhood_features(
    gateway: Gateway,
    gds: Any,
    members: list[str],
    fraud: list[str],
    window: tuple[str, str],
) -> pd.DataFrame:
    """Degree (distinct counterparties), weighted PageRank and the highest Jaccard similarity
    of counterparties to a confirmed-fraud account, per candidate member."""
    cols = ["degree", "pagerank", "fraud_similarity"]
    if not members:
        return pd.DataFrame(columns=cols)
    with cypher_projection(
        gds,
        "detectors/project_neighbourhood",
        ids=members,
        fraud=fraud,
        since=window[0],
        until=window[1],
    ) as G:
        if G is None:  # no completed transfer into or out of them in the window
            return pd.DataFrame(columns=cols)
        degree = gds.degree.stream(G, orientation="UNDIRECTED")
        rank = gds.page_rank.stream(G, relationship_weight_property="amount")
        similar = pd.DataFrame(columns=["node1", "node2", "similarity"])
        labels = set(G.node_labels())
        if fraud and {"Candidate", "Fraud"} <= labels:
            similar = gds.node_similarity.filtered.stream(
                G, source_node_filter="Candidate", target_node_filter="Fraud", top_k=1
            )
    out = pd.DataFrame(
        {
            "degree": degree.set_index("nodeId")["score"],
            "pagerank": rank.set_index("nodeId")["score"],
        }
    )
    best = similar.groupby("node1")["similarity"].max() if len(similar) else pd.Series(dtype=float)
    out["fraud_similarity"] = best.reindex(out.index).fillna(0.0)
    names = account_ids(gateway, out.index.to_series())
    out.index = out.index.map(names)
    out = out[out.index.notna() & out.index.isin(members)]
    out.index.name = "account"
    return out
