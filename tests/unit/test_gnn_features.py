"""GNN features, edges and the time-based inductive split, on small hand-built frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import dataset as D
from gnn import features as F
from gnn import metrics as M

H = 3600
T0 = 1_700_000_000 - 1_700_000_000 % F.DAY  # a local midnight


def _transfers(rows):
    return pd.DataFrame(rows, columns=["id_transacao", "src", "dst", "valor", "ts", "status"])


def test_transfer_features_match_hand_computed_values():
    """Counts, amounts, counterparties, night share, pass-through and time to forward."""
    t = _transfers(
        [
            ("t1", "A", "M", 500.0, T0 + 10 * H, "concluida"),
            ("t2", "B", "M", 500.0, T0 + 11 * H, "concluida"),
            ("t3", "M", "C", 950.0, T0 + 12 * H, "concluida"),  # 1 h after t2
            ("t4", "M", "C", 990.0, T0 + 23 * H, "concluida"),  # night, near the R$1,000 cap
            ("t5", "A", "M", 999.0, T0 + 13 * H, "rejeitada"),  # no money moved
        ]
    )
    f = F.transfer_features(t)
    m = f.loc["M"]
    assert (m.in_count, m.out_count, m.in_amount, m.out_amount) == (2, 2, 1000.0, 1940.0)
    assert (m.distinct_senders, m.distinct_receivers, m.counterparties) == (2, 1, 3)
    assert m.night_share == pytest.approx(1 / 4)
    assert m.night_near_cap_share == pytest.approx(1 / 2)
    assert m.pass_through_24h == pytest.approx(1940 / 1000)  # both outflows within 24 h
    assert m.forward_hours == pytest.approx(np.median([1.0, 12.0]))
    assert f.loc["C"].forward_hours == F.NO_FORWARD_HOURS


def test_column_frame_joins_batches_and_restores_missing_values():
    """Two batches of column-shaped results become one frame in order; '' in a text column is
    missing again, a NaN number stays missing, and numbers are floats, so static_features
    reads them as it read rows."""
    first = {
        "id_usuario": [["U1", "U2"]],
        "holder": [["111", ""]],
        "opened": [[86_400, float("nan")]],
        "daily_limit": [[500.0, 1000]],
        "is_company": [[False, True]],
        "n_keys": [[2, 0]],
        "shared_contacts": [[0, 1]],
    }
    second = {key: [[]] for key in first}
    third = {"id_usuario": [["U3"]], "holder": [["333"]], "opened": [[0]],
             "daily_limit": [[float("nan")]], "is_company": [[False]], "n_keys": [[1]],
             "shared_contacts": [[3]]}  # fmt: skip
    frame = F.column_frame([first, second, third], F.ACCOUNT_COLUMNS)
    assert frame["id_usuario"].tolist() == ["U1", "U2", "U3"]
    assert frame["holder"].isna().tolist() == [False, True, False]
    assert frame["opened"].isna().tolist() == [False, True, False]
    assert frame["n_keys"].tolist() == [2.0, 0.0, 1.0]
    static = F.static_features(frame, reference=2 * 86_400)
    assert static.loc["U1", "age_days"] == 1.0 and static.loc["U2", "is_company"] == 1.0
    assert np.isnan(static.loc["U3", "daily_limit"])
    assert F.column_frame([], F.TRANSFER_COLUMNS).columns.tolist() == F.TRANSFER_COLUMNS


def test_a_transfer_with_a_missing_receiver_counts_for_its_sender_only():
    """Accounts are grouped by integer codes; a missing id is no account: the sender's
    transfer counts, but no receiver is counted for it and no row appears for the gap."""
    t = _transfers(
        [
            ("t1", "A", "B", 10.0, T0 + 10 * H, "concluida"),
            ("t2", "A", None, 20.0, T0 + 11 * H, "concluida"),
        ]
    )
    f = F.transfer_features(t)
    assert sorted(f.index) == ["A", "B"] and f.index.name == "id_usuario"
    a = f.loc["A"]
    assert (a.out_count, a.out_amount, a.distinct_receivers) == (2, 30.0, 1)
    assert f.loc["B"].in_count == 1


def test_device_features_count_shared_and_new_devices():
    """A device linked to two holders is shared; a device first seen days later is new."""
    links = pd.DataFrame(
        [
            ("A", "d1", T0, 1, 3, 0),
            ("A", "d2", T0 + 3 * F.DAY, 0, 2, 2),
            ("B", "d2", T0, 1, 1, 0),
        ],
        columns=F.LINK_COLUMNS,
    )
    holders = F.holders_per_device(
        links, pd.DataFrame({"id_usuario": ["A", "B"], "holder": ["1", "2"]})
    )
    f = F.device_features(links, holders)
    a = f.loc["A"]
    assert (a.n_devices, a.shared_devices, a.max_device_holders) == (2, 1, 2)
    assert (a.logins, a.failed_logins, a.new_device_events) == (5, 2, 1)
    assert a.failed_login_share == pytest.approx(0.4)


def test_build_features_fills_every_account_in_order():
    """Accounts without transfers or devices get neutral values, never NaN."""
    raw = F.RawGraph(
        accounts=pd.DataFrame(
            [("A", "1", T0 - 10 * F.DAY, 5000.0, False, 2, 0), ("Z", None, None, None, True, 0, 1)],
            columns=F.ACCOUNT_COLUMNS,
        ),
        transfers=_transfers([("t1", "A", "A2", 10.0, T0 + H, "concluida")]),
        links=pd.DataFrame(columns=F.LINK_COLUMNS),
        device_holders=pd.DataFrame(columns=["device", "n_holders"]),
        gds=pd.DataFrame(columns=F.GDS_COLUMNS),
        reference_time=T0,
    )
    f = F.build_features(raw, ["Z", "A"])
    assert list(f.index) == ["Z", "A"] and list(f.columns) == list(F.FEATURES)
    assert not f.isna().any().any()
    assert f.loc["A", "age_days"] == 10 and f.loc["A", "gds_degree"] == 1
    assert f.loc["Z", "pagerank"] == F.PAGERANK_FLOOR and f.loc["Z", "is_company"] == 1


def test_edges_are_typed_and_skip_crowded_devices():
    """Each distinct payment pair gives a paid-by and a paid-to edge; a shared device links
    its accounts both ways unless too many accounts use it."""
    t = _transfers([("t1", "A", "B", 1.0, T0, "x"), ("t2", "A", "B", 2.0, T0, "x")])
    links = pd.DataFrame(
        {"id_usuario": ["A", "C", "A", "B", "C"], "device": ["d1", "d1", "d2", "d2", "d2"]}
    )
    ei, et = D.build_edges(t, links, pd.Index(["A", "B", "C"]), max_device_accounts=2)
    edges = {(int(s), int(d), int(r)) for s, d, r in zip(ei[0], ei[1], et, strict=True)}
    assert edges == {
        (0, 1, D.REL_PAID_BY),
        (1, 0, D.REL_PAID_TO),
        (0, 2, D.REL_DEVICE),
        (2, 0, D.REL_DEVICE),
    }


def _labels():
    rows = [
        ("U1", "fraud", "confirmada", 100.0),
        ("U2", "fraud", "confirmada", 200.0),
        ("U3", "fraud", "confirmada", 300.0),
        ("U3", "fraud", "confirmada", 50.0),  # U3 known early through an older case
        ("U4", "fraud", "confirmada", 400.0),
        ("U5", "fraud", "em_analise", 500.0),
        ("U6", "fraud", "improcedente", 150.0),
        ("U7", "ring", "confirmed", float("nan")),
    ]
    return pd.DataFrame(rows, columns=["id_usuario", "source", "status", "known_at"])


def test_split_leaks_nothing():
    """Training holds only labels known before the cut-off; later positives, open cases and
    held-out accounts are test accounts absent from the training graph."""
    ids = [f"U{i}" for i in range(1, 41)]
    split = D.make_split(ids, _labels(), cutoff=250, test_share=0.3, seed=1)
    pos = dict(zip(ids, split.y, strict=True))
    train = {i for i, m in zip(ids, split.train, strict=True) if m}
    test = {i for i, m in zip(ids, split.test, strict=True) if m}
    assert not train & test and train | test == set(ids)
    assert {"U1", "U3", "U7"} <= train  # known before the cut-off (U7: undated confirmation)
    assert {"U4", "U5"} <= test and "U2" not in test  # U2 known at 200 < 250
    assert pos["U6"] == 0  # a dismissed claim is not a label
    assert not split.known[ids.index("U5")]  # open case: no bank label to evaluate on
    ds = D.GraphDataset(
        ids,
        pd.DataFrame(
            np.random.default_rng(0).random((40, len(F.FEATURES))),
            index=ids,
            columns=list(F.FEATURES),
        ),
        np.array([[0, 3], [3, 0]]),
        np.array([0, 1]),
        _labels(),
        "h",
    )
    data = D.to_data(ds, D.Normaliser.fit(F.transform(ds.features)), split)
    graph = D.training_graph(data)
    assert graph.num_nodes == len(train)
    assert graph.edge_index.numel() == 0  # the U1-U4 edge touched a test node
    assert int(graph.y.sum()) == sum(pos[i] for i in train)
    assert float(split.y[split.test].sum()) == 1  # U4 only: open and dismissed are not positives


def test_default_cutoff_is_a_quantile_of_detection_times():
    """Without a cut-off, the given quantile of positives' first-known times is used."""
    split = D.make_split([f"U{i}" for i in range(1, 8)], _labels(), cutoff_quantile=0.5)
    assert split.cutoff == 150  # median of 50, 100, 200, 400 (undated U7 ignored)


def test_metrics_on_a_perfect_and_a_useless_ranking():
    """A perfect ranking scores 1 everywhere; precision@k counts the top k."""
    y = np.array([1, 1, 0, 0, 0, 0])
    good = M.evaluate(y, np.array([0.9, 0.8, 0.3, 0.2, 0.1, 0.0]), k=2)
    assert good["auc_pr"] == good["roc_auc"] == good["best_f1"] == 1.0
    assert good["precision_at_100"] == 1.0 and good["recall_at_1pct_fpr"] == 1.0
    bad = M.evaluate(y, np.array([0.0, 0.1, 0.9, 0.8, 0.7, 0.6]), k=2)
    assert bad["roc_auc"] == 0.0 and bad["precision_at_100"] == 0.0
    assert np.isnan(M.evaluate(np.zeros(3), np.zeros(3))["auc_pr"])
