"""Linked accounts over shared identifiers, with hub caps."""

from __future__ import annotations

import pandas as pd

from detectors import linked
from detectors.config import DetectionConfig


def _ids(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account", "kind", "identifier"])


def test_accounts_sharing_devices_form_one_cluster():
    """A-B share a phone, B-C share a device: {A, B, C} is one cluster; D shares nothing."""
    ids = _ids(
        [
            ("A", "phone", "+551"),
            ("B", "phone", "+551"),
            ("B", "device", "D1"),
            ("C", "device", "D1"),
            ("D", "device", "D2"),
        ]
    )
    clusters = linked.components(ids, DetectionConfig())
    assert clusters.groupby("cluster")["account"].apply(set).tolist() == [{"A", "B", "C"}]


def test_hub_identifier_above_its_cap_links_nobody():
    """An office IP used by 30 accounts is a hub and is ignored; a phone shared by two links."""
    ids = _ids([(f"U{i:02d}", "ip", "10.0.0.1") for i in range(30)])
    ids = pd.concat([ids, _ids([("U01", "phone", "+552"), ("U02", "phone", "+552")])])
    clusters = linked.components(ids, DetectionConfig(ip_cap=10))
    assert clusters.groupby("cluster")["account"].apply(set).tolist() == [{"U01", "U02"}]


def test_caps_are_per_identifier_kind():
    """Twelve accounts on one device link (device cap 20) but on one phone they do not (cap 6)."""
    ids = _ids([(f"U{i:02d}", "device", "D9") for i in range(12)])
    ids = pd.concat([ids, _ids([(f"X{i:02d}", "phone", "+553") for i in range(12)])])
    clusters = linked.components(ids, DetectionConfig())
    assert set(clusters["account"]) == {f"U{i:02d}" for i in range(12)}


def test_link_edges_and_shared_counts_only_between_given_members():
    """Pairs are reported once per shared identifier, only among the given accounts."""
    ids = _ids([("A", "device", "D1"), ("B", "device", "D1"), ("C", "device", "D1")])
    pairs = linked.link_edges(ids, pd.Index(["A", "B"]), DetectionConfig())
    assert list(zip(pairs["src"], pairs["dst"], strict=True)) == [("A", "B")]
    counts = linked.shared_counts(ids, DetectionConfig())
    assert counts.loc["A", "shared_device"] == 2


def test_no_identifiers_means_no_clusters():
    """A transactions-only dataset has no identifiers and no clusters."""
    empty = pd.DataFrame(columns=["account", "kind", "identifier"])
    assert linked.components(empty, DetectionConfig()).empty


def test_oversized_linked_cluster_is_split_into_communities():
    """Two groups of accounts on two devices, joined by one shared IP, exceed the size limit
    and are reported as two clusters."""
    from detectors import assemble, pipeline

    rows = [(f"A{i}", "device", "DA") for i in range(5)]
    rows += [(f"B{i}", "device", "DB") for i in range(5)]
    rows += [("A0", "ip", "10.0.0.9"), ("B0", "ip", "10.0.0.9")]
    ids = _ids(rows)
    cfg = DetectionConfig(max_ring_size=6)
    clusters = linked.components(ids, cfg)
    assert clusters["cluster"].nunique() == 1
    split = pipeline.split_clusters(clusters, ids, cfg, assemble.louvain_splitter(3))
    groups = sorted(split.groupby("cluster")["account"].apply(set), key=min)
    assert groups == [{f"A{i}" for i in range(5)}, {f"B{i}" for i in range(5)}]
