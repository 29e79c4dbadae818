"""The one GDS style (``graph/projections.py``) on a real Neo4j + GDS: every projection gets
a unique name and is gone after its ``with`` block, also when the code inside it fails; a
projection that matches nothing is an explicit None (and empty detector features), and any
other failure surfaces instead of being read as an empty graph.

The graph: P1 pays P2 twice and P2 pays P3, inside the window; P4 pays P1 once, after it;
P5 has no transfers. Test data is written with the GDS client's ``run_cypher``.
"""

from __future__ import annotations

import pytest
from neo4j.exceptions import Neo4jError

from detectors import gds_algos
from gnn import features as F
from graph.projections import account_ids, cypher_projection

pytestmark = pytest.mark.integration

WINDOW = ("2025-04-01T00:00:00", "2025-05-01T00:00:00")
NEIGHBOURHOOD = "detectors/project_neighbourhood"
TRANSFERS = [  # id, from, to, valor, time
    ("Q1", "P1", "P2", 100.0, "2025-04-10T10:00:00"),
    ("Q2", "P1", "P2", 50.0, "2025-04-11T10:00:00"),
    ("Q3", "P2", "P3", 140.0, "2025-04-11T12:00:00"),
    ("Q4", "P4", "P1", 30.0, "2025-05-02T12:00:00"),
]


@pytest.fixture(scope="module")
def flows(gateway, gds):
    gds.run_cypher("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS", auto_commit=True)
    gds.run_cypher(
        "UNWIND $ids AS id CREATE (:Account {id_usuario: id})",
        {"ids": ["P1", "P2", "P3", "P4", "P5"]},
    )
    gds.run_cypher(
        "UNWIND $rows AS r MATCH (s:Account {id_usuario: r[1]}), (d:Account {id_usuario: r[2]}) "
        "CREATE (s)-[:PIX {id_transacao: r[0], valor: r[3], status: 'concluida', "
        "timestamp: localdatetime(r[4])}]->(d)",
        {"rows": [list(t) for t in TRANSFERS]},
    )
    return gds


def _ringwatch_graphs(gds, prefix: str) -> list[str]:
    return [g.graph_name for g in gds.graph.list() if g.graph_name.startswith(prefix)]


def test_projection_has_a_unique_name_and_is_dropped_after_its_block(flows):
    """Two projections of the same stored query get different names, hold the projected
    accounts, and neither is in the catalog after its block."""
    gds = flows
    params = {"ids": ["P1"], "fraud": [], "since": WINDOW[0], "until": WINDOW[1]}
    with cypher_projection(gds, NEIGHBOURHOOD, **params) as G:
        with cypher_projection(gds, NEIGHBOURHOOD, **params) as H:
            assert G is not None and H is not None
            names = [G.name(), H.name()]
            assert names[0] != names[1]
            assert all(n.startswith("ringwatch-project_neighbourhood-") for n in names)
            assert G.node_count() == 2  # P1 and P2: P4's transfer is after the window
        assert not gds.graph.exists(names[1])
        assert gds.graph.exists(names[0])
    assert not gds.graph.exists(names[0])


def test_projection_is_dropped_when_its_block_fails(flows):
    """An error inside the block propagates and the graph is dropped all the same."""
    gds = flows
    names: list[str] = []
    with (
        pytest.raises(RuntimeError, match="algorithm failed"),
        cypher_projection(
            gds, NEIGHBOURHOOD, ids=["P2"], fraud=[], since=WINDOW[0], until=WINDOW[1]
        ) as G,
    ):
        assert G is not None
        names.append(G.name())
        raise RuntimeError("algorithm failed")
    assert names and not gds.graph.exists(names[0])


def test_projection_that_matches_nothing_is_none(gateway, flows):
    """Accounts without transfers in the window give no graph (None), and the detectors'
    neighbourhood features of such candidates are an empty frame with their columns."""
    gds = flows
    with cypher_projection(
        gds, NEIGHBOURHOOD, ids=["P5"], fraud=[], since=WINDOW[0], until=WINDOW[1]
    ) as G:
        assert G is None
    assert not _ringwatch_graphs(gds, "ringwatch-project_neighbourhood-")
    got = gds_algos.neighbourhood_features(gateway, gds, ["P5"], [], WINDOW)
    assert got.empty and list(got.columns) == ["degree", "pagerank", "fraud_similarity"]


def test_query_that_is_not_a_projection_raises(flows):
    """A stored query that does not end in gds.graph.project is an error naming the file,
    not an empty graph, and leaves nothing in the catalog."""
    gds = flows
    with (
        pytest.raises(ValueError, match="cypher/admin/gds_version.cypher"),
        cypher_projection(gds, "admin/gds_version"),
    ):
        pass
    assert not _ringwatch_graphs(gds, "ringwatch-gds_version-")


def test_neighbourhood_feature_errors_surface(gateway, flows):
    """A window Neo4j cannot read is an error, not a neighbourhood without features."""
    with pytest.raises(Neo4jError):
        gds_algos.neighbourhood_features(gateway, flows, ["P1"], [], ("not a date", WINDOW[1]))


def test_neighbourhood_features_of_candidates(gateway, flows):
    """Degree counts distinct counterparties in the window: P2 was paid by P1 and paid P3."""
    got = gds_algos.neighbourhood_features(gateway, flows, ["P1", "P2"], [], WINDOW)
    assert got["degree"].to_dict() == {"P1": 1.0, "P2": 2.0}


def test_gnn_gds_features_map_node_ids_back_and_leave_no_graph(gateway, flows):
    """The GNN's GDS features come back per account id (P5, with no transfer, included) and
    their projection is gone afterwards; node ids map to account ids."""
    got = F.gds_features(gateway, concurrency=1).set_index("id_usuario")
    assert sorted(got.index) == ["P1", "P2", "P3", "P4", "P5"]
    assert got.loc["P1", "gds_degree"] == 2 and got.loc["P5", "gds_degree"] == 0
    assert not _ringwatch_graphs(flows, "ringwatch-gnn-features-")
    node_ids = flows.run_cypher("MATCH (a:Account) RETURN id(a) AS n")["n"]
    assert sorted(account_ids(gateway, node_ids, batch=2)) == ["P1", "P2", "P3", "P4", "P5"]
