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


def test_activity_counts_money_sent_and_received():
    """An account's activity is what it sent plus what it received; missing amounts count 0."""
    flow = ringgraph.flow_frame(
        [
            {"source": "A", "target": "B", "transfers": 2, "amount": 100.0},
            {"source": "B", "target": "C", "transfers": None, "amount": 30.0},
            {"source": "C", "target": "A", "transfers": 1, "amount": None},
        ]
    )
    assert list(flow["transfers"]) == [2, 0, 1]
    assert ringgraph.account_activity(flow).to_dict() == {"A": 100.0, "B": 130.0, "C": 30.0}


def test_choose_drawn_keeps_the_most_active_and_folds_the_rest():
    """Within each cap the most active accounts are drawn (ties by id); the others map to the
    member or counterparty aggregate node, and the notes count what was folded."""
    activity = pd.Series({"M1": 5.0, "M2": 9.0, "M3": 5.0, "X": 1.0, "Y": 2.0})
    drawn = ringgraph.choose_drawn({"M1", "M2", "M3", "M4"}, activity, 2, 1)
    assert drawn.shown_members == {"M2", "M1"} and drawn.hidden_members == ("M3", "M4")
    assert drawn.shown_counterparties == {"Y"} and drawn.hidden_counterparties == ("X",)
    assert [drawn.node_of(a) for a in ("M1", "M4", "Y", "X")] == [
        "M1",
        ringgraph.MEMBER_GROUP,
        "Y",
        ringgraph.COUNTERPARTY_GROUP,
    ]
    assert drawn.notes() == [
        "2 of 4 members drawn one by one; the 2 least active are one aggregate node.",
        "1 of 2 counterparties drawn; the other 1 are one aggregate node.",
    ]
    assert ringgraph.choose_drawn({"M1"}, activity, 5, 5).notes() == []


def test_money_edges_sum_per_drawn_pair_and_drop_transfers_inside_an_aggregate():
    """Flows into the same pair of drawn nodes become one edge with summed amount and transfers;
    member-to-member (or member aggregate) edges are internal, the rest external; a flow whose
    two ends fold into the same aggregate is not drawn and is counted in a note."""
    flow = ringgraph.flow_frame(
        [
            {"source": "M1", "target": "M2", "transfers": 1, "amount": 10.0},
            {"source": "M1", "target": "M3", "transfers": 2, "amount": 20.0},
            {"source": "M2", "target": "M3", "transfers": 3, "amount": 40.0},
            {"source": "X", "target": "M1", "transfers": 1, "amount": 5.0},
        ]
    )
    activity = pd.Series({"M1": 35.0, "M2": 1.0, "M3": 1.0, "X": 5.0})
    drawn = ringgraph.choose_drawn({"M1", "M2", "M3"}, activity, 1, 1)  # M2, M3 folded
    edges, notes = ringgraph.money_edges(flow, drawn)
    group = ringgraph.MEMBER_GROUP
    assert sorted(edges[["source", "target", "amount", "transfers", "kind"]].values.tolist()) == [
        ["M1", group, 30.0, 3, "pix_internal"],
        ["X", "M1", 5.0, 1, "pix_external"],
    ]
    assert notes == ["3 transfers inside aggregate nodes are not drawn."]
    empty, none = ringgraph.money_edges(ringgraph.flow_frame([]), drawn)
    assert empty.empty and none == []


def test_identity_edges_follow_the_money_edges_without_amounts():
    """Identity links are appended as 'identity' edges with no amount and no transfers, and are
    the whole edge list when there is no money edge."""
    money = pd.DataFrame(
        [{"source": "A", "target": "B", "amount": 5.0, "transfers": 1, "kind": "pix_internal"}]
    )
    both = ringgraph.with_identity_edges(money, [("A", "device#0")])
    assert list(both["kind"]) == ["pix_internal", "identity"]
    assert np.isnan(both["amount"].iloc[1]) and both["transfers"].iloc[1] == 0
    alone = ringgraph.with_identity_edges(money.iloc[0:0], [("A", "device#0")])
    assert list(alone["kind"]) == ["identity"]
    assert ringgraph.with_identity_edges(money, []) is money


def test_edge_table_names_ends_by_label_and_widens_with_money():
    """Edge tooltips carry node labels, not ids; identity edges are thin, money edges widen
    with the amount (from 0.8 to 5.8); money reads as reais."""
    edges = pd.DataFrame(
        {
            "source": ["A", "A", "A"],
            "target": ["B", "C", "holder#0"],
            "kind": ["pix_internal", "pix_external", "identity"],
            "amount": [0.0, 1000.0, np.nan],
        }
    )
    labels = {"A": "A", "B": "B", "C": "C", "holder#0": "***.982.247-**"}
    table = ringgraph.edge_table(edges, labels, ringgraph.legend_names())
    assert list(table["to"]) == ["B", "C", "***.982.247-**"]
    assert list(table["width"]) == [0.8, 5.8, 0.6]
    assert list(table["amount_text"]) == ["R$ 0,00", "R$ 1.000,00", ""]
    assert list(table["legend"]) == [
        "PIX between members",
        "PIX with counterparties",
        "shared identity",
    ]


def test_arrow_heads_sit_two_thirds_along_money_edges_and_point_at_the_receiver():
    """Each money edge gets an arrow head two-thirds of the way to its receiver, rotated
    clockwise from up towards it; identity edges get none."""
    edges = pd.DataFrame(
        {
            "kind": ["pix_internal", "pix_external", "identity"],
            "x": [0.0, 0.0, 0.0],
            "y": [0.0, 0.0, 0.0],
            "x2": [3.0, 0.0, 1.0],
            "y2": [0.0, -3.0, 1.0],
        }
    )
    arrows = ringgraph.arrow_table(edges)
    assert np.allclose(arrows["ax"], [1.98, 0.0]) and np.allclose(arrows["ay"], [0.0, -1.98])
    assert np.allclose(arrows["angle"], [90.0, 180.0])


def test_node_sizes_grow_with_money_for_accounts_only():
    """Accounts and aggregates range from size 60 to 500 by the log of the money they moved;
    identity nodes are all size 90; legend names can be renamed per kind."""
    nodes = pd.DataFrame(
        {
            "kind": ["member", "counterparty", "device"],
            "amount": [0.0, 999.0, None],
        }
    )
    legend_of = ringgraph.legend_names({"member": "start of the trail"})
    table = ringgraph.node_table(nodes, legend_of)
    assert list(table["size"]) == [60.0, 500.0, 90.0]
    assert list(table["legend"]) == ["start of the trail", "counterparty", "device"]
