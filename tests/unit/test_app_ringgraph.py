"""The ring graph: members vs counterparties, caps and aggregation, identity links, masking,
layout and the chart, on small hand-built rings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from app import ringgraph

MEMBERS = ["M1", "M2", "M3"]
FLOWS = [
    {"source": "V1", "target": "M1", "transfers": 1, "amount": 1000.0},
    {"source": "V2", "target": "M1", "transfers": 2, "amount": 500.0},
    {"source": "M1", "target": "M2", "transfers": 1, "amount": 700.0},
    {"source": "M1", "target": "M3", "transfers": 1, "amount": 700.0},
    {"source": "M3", "target": "C1", "transfers": 1, "amount": 650.0},
]
IDENTITY = [
    {"source": "M1", "source_kind": "account", "target": "52998224725", "target_kind": "holder",
     "label": "Ana Souza", "detail": "PF"},
    {"source": "52998224725", "source_kind": "holder", "target": "ana@x.com", "target_kind": "key",
     "label": "ana@x.com", "detail": "EMAIL"},
    {"source": "M1", "source_kind": "account", "target": "D7", "target_kind": "device",
     "label": "D7", "detail": "android"},
    {"source": "M2", "source_kind": "account", "target": "D7", "target_kind": "device",
     "label": "D7", "detail": "android"},
    {"source": "M3", "source_kind": "account", "target": "D9", "target_kind": "device",
     "label": "D9", "detail": "ios"},
]  # fmt: skip


def kinds(graph) -> dict[str, str]:
    return dict(zip(graph.nodes["id"], graph.nodes["kind"], strict=True))


def test_members_and_counterparties_are_told_apart():
    """Ring members, outside counterparties and internal vs external edges are labelled."""
    g = ringgraph.build_ring_graph(MEMBERS, FLOWS, [], personal_data=True, identity_mode="none")
    k = kinds(g)
    assert {n for n, v in k.items() if v == "member"} == set(MEMBERS)
    assert {n for n, v in k.items() if v == "counterparty"} == {"V1", "V2", "C1"}
    edge_kind = {(e.source, e.target): e.kind for e in g.edges.itertuples()}
    assert edge_kind[("M1", "M2")] == "pix_internal"
    assert edge_kind[("V1", "M1")] == "pix_external"


def test_caps_aggregate_the_least_active_nodes_and_keep_money_totals():
    """Beyond the caps, members and counterparties merge into aggregate nodes; sums are kept."""
    g = ringgraph.build_ring_graph(
        MEMBERS, FLOWS, [], personal_data=True, identity_mode="none",
        max_members=2, max_counterparties=1,
    )  # fmt: skip
    k = kinds(g)
    assert k[ringgraph.MEMBER_GROUP] == "member_group" and "M2" not in k  # M2 moved least
    assert k[ringgraph.COUNTERPARTY_GROUP] == "counterparty_group" and "V1" in k
    pix = g.edges[g.edges["kind"] != "identity"]
    assert pix["amount"].sum() == sum(f["amount"] for f in FLOWS)
    assert len(g.notes) == 2


def drawn(graph) -> set[tuple[str, str]]:
    return set(zip(graph.nodes["kind"], graph.nodes["label"], strict=True))


def test_shared_mode_keeps_only_identifiers_used_by_several_members():
    """In 'shared' mode the device used by M1 and M2 is drawn, M3's own device is not."""
    g = ringgraph.build_ring_graph(MEMBERS, FLOWS, IDENTITY, personal_data=True,
                                   identity_mode="shared")  # fmt: skip
    assert ("device", "D7") in drawn(g) and ("device", "D9") not in drawn(g)
    assert not any(kind == "holder" for kind, _ in drawn(g))
    g_all = ringgraph.build_ring_graph(MEMBERS, FLOWS, IDENTITY, personal_data=True)
    expected = {("device", "D9"), ("holder", "52998224725 Ana Souza"), ("key", "ana@x.com")}
    assert expected <= drawn(g_all)
    holder = g_all.nodes.loc[g_all.nodes["kind"] == "holder", "id"].item()
    assert ("M1", holder) in set(zip(g_all.edges["source"], g_all.edges["target"], strict=True))


def test_masked_graph_sends_no_personal_data_to_the_browser():
    """For analysts, labels are masked and neither labels, ids nor tooltips carry a CPF or key."""
    masked = ringgraph.build_ring_graph(MEMBERS, FLOWS, IDENTITY, personal_data=False)
    assert ("holder", "***.982.247-** A** S****") in drawn(masked)
    assert ("key", "a***@x.com") in drawn(masked)
    spec = json.dumps(ringgraph.chart(masked).to_dict())
    for secret in ("52998224725", "Ana Souza", "ana@x.com"):
        assert secret not in spec


def test_layout_is_deterministic_and_spreads_nodes():
    """The same graph and seed give the same positions, and no two nodes coincide."""
    edges = pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "a"]})
    x1, y1 = ringgraph.layout(["a", "b", "c", "d"], edges, seed=3)
    x2, y2 = ringgraph.layout(["a", "b", "c", "d"], edges, seed=3)
    assert np.allclose(x1, x2) and np.allclose(y1, y2)
    points = np.stack([x1, y1], axis=1)
    gaps = np.linalg.norm(points[:, None] - points[None, :], axis=-1) + np.eye(4)
    assert gaps.min() > 0.01


def test_chart_has_edges_arrows_and_a_selectable_node_layer():
    """The Altair spec layers edges, arrow heads and nodes, with a click selection named node."""
    g = ringgraph.build_ring_graph(MEMBERS, FLOWS, IDENTITY, personal_data=True)
    spec = ringgraph.chart(g).to_dict()
    assert len(spec["layer"]) == 4  # edges, arrows, nodes, labels
    params = spec.get("params", []) + spec["layer"][2].get("params", [])
    assert any(p.get("name") == "node" and p["select"]["type"] == "point" for p in params)


def test_empty_ring_still_draws():
    """A ring with no transfers and no identity links gives a chart of its members."""
    g = ringgraph.build_ring_graph(["M1"], [], [], personal_data=True)
    assert list(g.nodes["id"]) == ["M1"] and g.edges.empty
    ringgraph.chart(g).to_dict()
