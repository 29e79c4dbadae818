"""Graph Data Science projections, done one way by every caller (the detectors and the GNN
features).

- Every in-memory graph gets a unique name (``unique_name``), so runs side by side never
  collide and nothing is overwritten.
- Every projection is opened in a ``with`` block that drops it on exit, also when an
  algorithm fails: ``cypher_projection`` for a stored Cypher projection
  (``cypher/<name>.cypher``, ending in ``RETURN gds.graph.project($graph_name, ...)``),
  ``native_projection`` for a label/relationship-type projection.
- Algorithms run through graphdatascience client calls on the yielded graph
  (``gds.page_rank.stream(G, ...)``), and the GDS node ids they stream go back to account
  ids with ``account_ids``. A stream over every account (the GNN's PageRank, degree and
  communities) runs instead as a stored query on the graph's name that collects the scores
  with the account ids as columns (``cypher/gnn/gds_*.cypher``): one record, no row per
  node and no second look-up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from graph import queries
from graph.gateway import Graph

if TYPE_CHECKING:
    from graphdatascience import GraphDataScience
    from graphdatascience.graph.graph_api import Graph as GdsGraph

log = logging.getLogger(__name__)

ACCOUNT_BATCH = 50_000  # node ids per account-id lookup


def unique_name(kind: str) -> str:
    """A unique in-memory graph name, so concurrent runs never collide."""
    return f"ringwatch-{kind}-{uuid.uuid4().hex[:8]}"


@contextmanager
def cypher_projection(
    gds: GraphDataScience, query: str, **params: Any
) -> Iterator[GdsGraph | None]:
    """Project the stored Cypher projection ``query`` (e.g. ``detectors/project_flows``)
    under a unique name and yield the graph, dropped on exit.

    Yields None when the projection's MATCH found nothing: GDS then builds no graph (its
    ``gds.graph.project`` aggregation returns null over zero rows), and an empty graph is
    the one case callers handle themselves. Any other failure raises."""
    statement = queries.load(query).statements()[0]
    name = unique_name(query.rsplit("/", 1)[-1])
    result = gds.run_cypher(statement, {"graph_name": name, **params}, mode="READ")
    summary = result.iat[0, 0] if result.shape == (1, 1) else "not one value"
    if summary is None:
        log.debug("projection %s: no rows, no graph", query)
        yield None
        return
    if not isinstance(summary, dict):
        gds.graph.drop(name, fail_if_missing=False)
        raise ValueError(
            f"cypher/{query}.cypher must end with one RETURN gds.graph.project(...) "
            f"and returned {summary!r}."
        )
    log.debug(
        "projection %s: %s nodes, %s relationships",
        query,
        summary.get("nodeCount"),
        summary.get("relationshipCount"),
    )
    try:
        graph = gds.graph.get(name)
        yield graph
    finally:
        gds.graph.drop(name, fail_if_missing=False)


@contextmanager
def native_projection(
    gds: GraphDataScience,
    kind: str,
    nodes: str | list[str] | dict[str, Any],
    relationships: str | list[str] | dict[str, Any],
) -> Iterator[GdsGraph]:
    """A native projection of ``nodes`` and ``relationships`` (GDS projection maps) under a
    unique name; yields the graph, dropped on exit."""
    projected = gds.graph.project.native(
        unique_name(kind), nodes, relationships, log_progress=False
    )
    log.debug(
        "projection %s: %s nodes, %s relationships",
        kind,
        projected.result.node_count,
        projected.result.relationship_count,
    )
    with projected as graph:
        yield graph


def account_ids(
    gateway: Graph, node_ids: Sequence[int] | pd.Series, batch: int = ACCOUNT_BATCH
) -> pd.Series:
    """GDS node id -> account id (``id_usuario``), for the account nodes among ``node_ids``
    (other nodes are left out)."""
    ids = [int(n) for n in pd.unique(pd.Series(node_ids, dtype="int64"))]
    pairs: dict[int, str] = {}
    for start in range(0, len(ids), batch):
        chunk = {"node_ids": ids[start : start + batch]}
        cols = gateway.query("gds/node_accounts", chunk, mode="read").columns()
        for nodes, accounts in zip(cols["node_id"], cols["account"], strict=True):
            pairs.update(zip(nodes, accounts, strict=True))
    return pd.Series(pairs, dtype=object)
