"""The detectors' Graph Data Science calls, through the graphdatascience client.

Every projection is a Cypher projection stored in ``cypher/detectors/project_*.cypher`` and is
opened in a ``with`` block, so it is dropped even when an algorithm fails. GDS node ids are
turned back into account ids with ``detectors/node_accounts``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd

from detectors import linked
from detectors.assemble import Splitter
from detectors.config import DetectionConfig
from graph import queries
from graph.gateway import Gateway


def _name(kind: str) -> str:
    """A unique in-memory graph name, so concurrent previews never collide."""
    return f"ringwatch-{kind}-{uuid.uuid4().hex[:8]}"


# (nodes, relationships) of the latest projection of each kind, for memory estimates
SIZES: dict[str, tuple[int, int]] = {}


def _project(gds: Any, query: str, **params: Any) -> Any:
    """Open a stored Cypher projection (a context manager that drops the graph on exit)."""
    statement = queries.load(f"detectors/{query}").statements()[0]
    projection = gds.graph.project.cypher(statement, graph_name=_name(query), **params)
    SIZES[query] = (projection.result.node_count, projection.result.relationship_count)
    return projection


def _accounts(gateway: Gateway, node_ids: pd.Series) -> pd.Series:
    """GDS node id -> account id, for the account nodes among ``node_ids``."""
    ids = [int(n) for n in pd.unique(node_ids)]
    rows = gateway.run("detectors/node_accounts", node_ids=ids) if ids else []
    return pd.Series({r["node_id"]: r["account"] for r in rows}, dtype=object)


def linked_components(
    gateway: Gateway, gds: Any, identifiers: pd.DataFrame, cfg: DetectionConfig
) -> pd.DataFrame:
    """Linked-account clusters by GDS WCC over the shared identifiers: account, cluster."""
    ids = linked.usable(identifiers, cfg)
    pairs = {
        kind: ids.loc[ids["kind"] == kind, ["account", "identifier"]].astype(str).values.tolist()
        for kind in ("device", "ip", "phone", "email")
    }
    if not any(pairs.values()):  # nothing shared at all
        return pd.DataFrame(columns=["account", "cluster"])
    with _project(
        gds, "project_identifiers", devices=pairs["device"], ips=pairs["ip"],
        phones=pairs["phone"], emails=pairs["email"],
    ) as G:  # fmt: skip
        wcc = gds.wcc.stream(G, min_component_size=2)
    names = _accounts(gateway, wcc["nodeId"])
    frame = pd.DataFrame(
        {"account": wcc["nodeId"].map(names), "component": wcc["componentId"]}
    ).dropna()
    return linked.label_clusters(frame)


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
        with _project(
            gds, "project_flows", ids=ids, links=pairs, since=window[0], until=window[1]
        ) as G:
            result = gds.leiden.stream(
                G,
                relationship_weight_property="weight",
                gamma=cfg.leiden_gamma,
                random_seed=cfg.random_seed,
                concurrency=1,
            )
        names = _accounts(gateway, result["nodeId"])
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
    try:
        projection = _project(
            gds, "project_neighbourhood", ids=members, fraud=fraud, since=window[0],
            until=window[1],
        )  # fmt: skip
    except ValueError:
        return pd.DataFrame(columns=cols)
    with projection as G:
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
    names = _accounts(gateway, pd.Series(out.index))
    out.index = out.index.map(names)
    out = out[out.index.notna() & out.index.isin(members)]
    out.index.name = "account"
    return out


def baseline_louvain(gateway: Gateway, gds: Any, window: tuple[str, str]) -> pd.DataFrame:
    """Plain Louvain over all windowed transfers (the benchmark's baseline): account,
    community."""
    with _project(gds, "project_all_flows", since=window[0], until=window[1]) as G:
        result = gds.louvain.stream(G, relationship_weight_property="weight")
    names = _accounts(gateway, result["nodeId"])
    return pd.DataFrame(
        {"account": result["nodeId"].map(names), "community": result["communityId"]}
    ).dropna()
