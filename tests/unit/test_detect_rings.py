"""Ring assembly, scoring, reasons and typology on a small hand-built world: a layering ring,
a mule farm on one phone, a payroll company and a family sharing a phone."""

from __future__ import annotations

import pandas as pd

from detectors import assemble, pipeline
from detectors.config import DetectionConfig
from detectors.frames import Inputs, transfers_frame


def _at(day: int, minute: int) -> str:
    return f"2025-04-{day:02d} {9 + minute // 60:02d}:{minute % 60:02d}"


def world() -> Inputs:
    rows = []
    # layering ring: entry A, middles B, C, D, exit E; three rounds of victim money
    for day, victim in ((2, "V1"), (5, "V2"), (9, "V3")):
        rows.append((victim, "A", _at(day, 0), 3000.0))
        amount = 2950.0
        for k, (s, d) in enumerate((("A", "B"), ("B", "C"), ("C", "D"), ("D", "E"))):
            rows.append((s, d, _at(day, 10 * (k + 1)), amount))
            amount -= 40
        rows.append(("E", "SHOP", _at(day, 90), 1400.0))
        rows.append(("E", "SHOP", _at(day, 120), 1400.0))
    # mule farm: five mules on one phone take victims' money and forward it to sink K
    for i in range(5):
        for day in (3, 6):
            rows.append((f"W{i}{day}", f"F{i}", _at(day, 60 + i), 400.0))
            rows.append((f"F{i}", "K", _at(day, 100 + i), 390.0))
    # payroll: a client pays P, P pays six employees who keep the money
    rows.append(("CLIENT", "P", _at(4, 0), 12000.0))
    rows += [("P", f"E{i}", _at(4, 30 + i), 1900.0) for i in range(6)]
    # a family moving small amounts between each other
    rows += [("FA", "FB", _at(7, 0), 80.0), ("FB", "FC", _at(8, 0), 30.0)]
    rows += [(f"CUST{i}", "SHOP", _at(1 + i % 9, 200), 60.0) for i in range(40)]
    ids = pd.DataFrame(
        [(f"F{i}", "device", "FARM-PHONE") for i in range(5)]
        + [(m, "phone", "+5511900000000") for m in ("FA", "FB", "FC")],
        columns=["account", "kind", "identifier"],
    )
    accounts = pd.DataFrame(
        {
            "account": [f"F{i}" for i in range(5)] + ["A", "B", "C", "D", "E", "FA", "FB", "FC"],
            "opened": pd.to_datetime(["2025-03-25"] * 5 + ["2020-01-01"] * 8),
            "gnn_score": [float("nan")] * 13,
        }
    )
    fraud = pd.DataFrame({"account": ["A"], "reports": [1]})
    return Inputs(transfers_frame(rows), ids, accounts, fraud)


def test_rings_are_found_whole_and_innocents_are_not():
    """The layering ring and the farm are rings; payroll, family and shop are in none."""
    result = pipeline.find_rings(world(), DetectionConfig())
    rings = result.rings[result.rings["kind"] == "ring"]
    groups = sorted((set(m) for m in rings["members"]), key=len)
    assert {"A", "B", "C", "D", "E"} in groups
    assert {"F0", "F1", "F2", "F3", "F4", "K"} in groups
    flagged = set().union(*groups)
    assert not flagged & {"P", "E0", "FA", "FB", "FC", "SHOP", "CLIENT", "V1"}


def test_each_ring_has_a_score_reasons_and_a_typology_guess():
    """Scores lie in 0..1, reasons are sentences, and the layering ring is guessed as such."""
    result = pipeline.find_rings(world(), DetectionConfig())
    rings = result.rings[result.rings["kind"] == "ring"].set_index(
        result.rings[result.rings["kind"] == "ring"]["members"].map(lambda m: min(m))
    )
    assert rings["score"].between(0, 1).all()
    chain = rings.loc["A"]
    assert chain["typology_guess"] == "layering_chain"
    assert any("chain of" in r for r in chain["reasons"])
    assert any("confirmed as fraud" in r for r in chain["reasons"])
    assert all(r.endswith(".") for r in chain["reasons"])
    farm = rings.loc["F0"]
    assert any("share a device" in r for r in farm["reasons"])
    assert farm["total_amount"] > 0 and farm["first_seen"] <= farm["last_seen"]


def test_linked_cluster_of_mules_is_reported_but_the_family_is_not():
    """The farm's shared phone gives a linked-accounts cluster; the family's shared phone does
    not, because the family shows no mule behaviour."""
    result = pipeline.find_rings(world(), DetectionConfig())
    clusters = result.rings[result.rings["kind"] == "linked_accounts"]
    assert [set(m) for m in clusters["members"]] == [{f"F{i}" for i in range(5)}]


def test_score_threshold_drops_weak_rings():
    """With a minimum score of 1.0 nothing is reported."""
    result = pipeline.find_rings(world(), DetectionConfig(min_score=1.0, min_linked_score=1.0))
    assert result.rings.empty


def test_oversized_component_is_split_by_communities():
    """Two dense groups joined by one transfer exceed max_ring_size and are split in two."""
    rows = []
    for group in ("X", "Y"):
        members = [f"{group}{i}" for i in range(4)]
        for i, s in enumerate(members):
            for d in members[i + 1 :]:
                rows.append((s, d, "2025-04-01 10:00", 100.0))
    rows.append(("X0", "Y0", "2025-04-01 11:00", 100.0))
    edges = transfers_frame(rows).assign(evidence="relay")
    empty = pd.DataFrame(columns=["account", "kind", "identifier"])
    cfg = DetectionConfig(max_ring_size=5, min_ring_size=3)
    cand = assemble.assemble(edges, empty, cfg, assemble.louvain_splitter(1))
    groups = sorted(cand.members.groupby("candidate")["account"].apply(set), key=min)
    assert groups == [{f"X{i}" for i in range(4)}, {f"Y{i}" for i in range(4)}]


def test_an_empty_graph_gives_an_empty_complete_result():
    """No transfers: no rings, and every count is present (zero)."""
    from detectors.frames import empty_transfers

    result = pipeline.find_rings(Inputs(empty_transfers()), DetectionConfig())
    assert result.rings.empty
    assert result.counts["rings"] == 0 and result.counts["linked_clusters"] == 0
