"""The assembled Neo4j + open-source GDS answers every algorithm family ringwatch uses,
driven from Python by the graphdatascience client over Bolt.

The toy graph: a triangle a-b-c with a tail c-d, and a separate triangle x-y-z; every node
has two numeric features for the embedding algorithms.
"""

from __future__ import annotations

import pytest

from graph.queries import inline

pytestmark = pytest.mark.integration

EDGES = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("x", "y"), ("y", "z"), ("z", "x")]
FEATURES = {
    "a": (1.0, 0.0),
    "b": (1.0, 0.1),
    "c": (0.9, 0.0),
    "d": (0.5, 0.5),
    "x": (0.0, 1.0),
    "y": (0.1, 1.0),
    "z": (0.0, 0.9),
}


@pytest.fixture(scope="module")
def toy(gateway, gds):
    """Yields (projected graph, {GDS node id: name}); drops both afterwards."""
    gateway.query(inline("MATCH (n:GdsToy) DETACH DELETE n"))
    gateway.query(
        inline("UNWIND $nodes AS n CREATE (:GdsToy {name: n.name, f1: n.f1, f2: n.f2})"),
        {"nodes": [{"name": k, "f1": v[0], "f2": v[1]} for k, v in FEATURES.items()]},
    )
    gateway.query(
        inline(
            "UNWIND $edges AS e MATCH (s:GdsToy {name: e[0]}), (t:GdsToy {name: e[1]}) "
            "CREATE (s)-[:TOY_LINK]->(t)"
        ),
        {"edges": [list(e) for e in EDGES]},
    )
    rows = gateway.query(inline("MATCH (n:GdsToy) RETURN id(n) AS id, n.name AS name")).rows
    names = {r["id"]: r["name"] for r in rows}
    with gds.graph.project.native(
        "ringwatch-test-toy",
        {"GdsToy": {"properties": ["f1", "f2"]}},
        {"TOY_LINK": {"orientation": "UNDIRECTED"}},
        overwrite=True,
    ) as G:
        yield G, names
    gateway.query(inline("MATCH (n:GdsToy) DETACH DELETE n"))


def test_versions_are_the_pinned_ones(gateway):
    """The server is Neo4j 5.26.x with GDS 2.13.x."""
    row = gateway.query("admin/gds_version").rows[0]
    assert row["neo4j"].startswith("5.26.") and row["gds"].startswith("2.13.")


def test_projection_holds_the_toy_graph(gds, toy):
    """The native projection sees 7 nodes and 14 undirected relationship halves."""
    G, _ = toy
    assert (G.node_count(), G.relationship_count()) == (7, 14)


def test_wcc_finds_the_two_islands(gds, toy):
    """WCC puts {a,b,c,d} in one component and {x,y,z} in another."""
    G, names = toy
    df = gds.wcc.stream(G)
    groups = df.groupby("componentId")["nodeId"].apply(lambda s: frozenset(names[i] for i in s))
    assert sorted(groups, key=len) == [frozenset("xyz"), frozenset("abcd")]


@pytest.mark.parametrize("algo", ["louvain", "leiden"])
def test_community_detection_keeps_islands_apart(gds, toy, algo):
    """Louvain and Leiden put each triangle in one community and never mix the islands."""
    G, names = toy
    kwargs = {"random_seed": 42} if algo == "leiden" else {}
    df = getattr(gds, algo).stream(G, **kwargs)
    community = {names[n]: c for n, c in zip(df["nodeId"], df["communityId"], strict=True)}
    assert community["x"] == community["y"] == community["z"]
    assert community["a"] == community["b"] == community["c"]
    assert community["a"] != community["x"]


def test_node_similarity_is_jaccard_of_neighbours(gds, toy):
    """x and y share one neighbour (z) out of three ({x,y,z}): Jaccard 1/3; islands never pair."""
    G, names = toy
    df = gds.node_similarity.stream(G, top_k=5)
    pairs = {
        (names[a], names[b]): s
        for a, b, s in zip(df["node1"], df["node2"], df["similarity"], strict=True)
    }
    assert pairs[("x", "y")] == pytest.approx(1 / 3)
    assert not any({p, q} & set("abcd") and {p, q} & set("xyz") for p, q in pairs)


def test_pagerank_ranks_the_hub_first(gds, toy):
    """c has the most links (a, b, d), so PageRank scores it highest."""
    G, names = toy
    df = gds.page_rank.stream(G)
    assert names[df.sort_values("score", ascending=False)["nodeId"].iloc[0]] == "c"


def test_fastrp_embeds_every_node(gds, toy):
    """FastRP returns one embedding of the requested size per node."""
    G, _ = toy
    df = gds.fast_rp.stream(G, embedding_dimension=8, random_seed=7)
    assert len(df) == len(FEATURES) and all(len(e) == 8 for e in df["embedding"])


def test_graphsage_trains_and_streams_embeddings(gds, toy):
    """gds.beta.graphSage trains on node features and streams one embedding per node."""
    G, _ = toy
    gds.model.drop("ringwatch-test-sage", fail_if_missing=False)
    model, _ = gds.graph_sage.train(
        G,
        "ringwatch-test-sage",
        ["f1", "f2"],
        embedding_dimension=4,
        epochs=2,
        random_seed=3,
        concurrency=1,
    )
    try:
        df = gds.graph_sage.stream(G, "ringwatch-test-sage")
        assert len(df) == len(FEATURES) and all(len(e) == 4 for e in df["embedding"])
    finally:
        gds.model.drop("ringwatch-test-sage", fail_if_missing=False)
