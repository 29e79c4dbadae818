"""Neighbourhood aggregates, label confidence and the two-stage hybrid, on graphs of a
handful of accounts built by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnn import dataset as D
from gnn import hybrid as H
from gnn import neighbours as N

# Four accounts: A(0) pays B(1) and C(2); B pays C; D(3) shares a device with A.
EDGES = np.array(
    [
        [0, 0, 1, 1, 2, 2, 0, 3],
        [1, 2, 2, 0, 0, 1, 3, 0],
    ]
)
TYPES = np.array(
    [D.REL_PAID_BY] * 3 + [D.REL_PAID_TO] * 3 + [D.REL_DEVICE] * 2,
)
X = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 40.0], [8.0, 80.0]])


def test_mean_and_max_per_relation_match_hand_computed_values():
    """C is paid by A and B: its sender mean is their mean, its sender max their max; A has
    no sender, so its sender aggregates are 0."""
    agg, names = N.aggregate_features(X, ["f", "g"], EDGES, TYPES, columns=["f", "g"])
    col = {n: agg[:, i] for i, n in enumerate(names)}
    assert col["sender_mean_f"][2] == pytest.approx(1.5)
    assert col["sender_max_g"][2] == pytest.approx(20.0)
    assert col["sender_mean_f"][0] == 0 and col["sender_max_f"][0] == 0
    assert col["receiver_mean_f"][0] == pytest.approx(3.0)  # A pays B and C
    assert col["device_max_f"][0] == pytest.approx(8.0) and col["device_max_f"][3] == 1.0


def test_two_step_walks_never_return_to_the_start():
    """D reaches B and C only through A, so its 2-hop mean is theirs; A's own value never
    counts for A although every walk A -> X -> A exists."""
    a = N.adjacency(EDGES, TYPES, 4)
    total, walks = N.two_hop_sum(a, X[:, :1])
    assert walks[3] == 2 and total[3, 0] == pytest.approx(2.0 + 4.0)
    # A: A->B->C, A->C->B (A->D->A and A->B->A excluded)
    assert walks[0] == 2 and total[0, 0] == pytest.approx(4.0 + 2.0)


def test_row_max_equals_the_max_over_each_rows_neighbours_with_negative_values():
    """The per-column max over CSR rows equals a plain loop over each node's neighbours,
    also for values below zero (log-odds); a node without neighbours gets 0."""
    rng = np.random.default_rng(3)
    n = 30
    ei = rng.integers(0, n, size=(2, 80))
    a = N.adjacency(ei, np.zeros(80, dtype=np.int64), n, 0)
    x = rng.normal(size=(n, 3)) - 2.0
    expected = np.zeros_like(x)
    for i in range(n):
        nbrs = a.indices[a.indptr[i] : a.indptr[i + 1]]
        if nbrs.size:
            expected[i] = x[nbrs].max(axis=0)
    assert np.array_equal(N.row_max(a, x), expected)


def test_stage_two_inputs_are_the_same_whether_aggregates_are_given_or_written_in_place():
    """Scoring writes the aggregates straight into the stage-2 matrix; training passes them
    in. Both give the same float32 matrix and names: own features, aggregates, scores."""
    names = ["in_count", "out_count"]  # both in neighbours.AGGREGATED
    x = X.astype(np.float32)
    scores = np.array([0.9, 0.1, 0.2, 0.5])
    given = N.aggregate_features(x, names, EDGES, TYPES)
    built, cols = H.stage2_inputs(x, names, EDGES, TYPES, scores, given)
    in_place, cols2 = H.stage2_inputs(x, names, EDGES, TYPES, scores)
    assert len(given[1]) == 3 * 2 * 2 + 2 + 1  # 3 relations x mean/max x 2, hop-2 means, walks
    assert cols == cols2 and built.dtype == np.float32
    assert np.array_equal(built, in_place)
    assert cols[:2] == names and cols[2 : 2 + len(given[1])] == given[1]
    assert np.array_equal(built[:, :2], x)


def test_score_features_use_log_odds_and_a_floor_without_neighbours():
    """A sender's high score shows in its receivers' max sender score; an account nobody
    pays gets the floor value, below any real score."""
    scores = np.array([0.9, 0.1, 0.1, 0.5])
    sc, names = N.score_features(scores, EDGES, TYPES)
    col = {n: sc[:, i] for i, n in enumerate(names)}
    assert col["sender_max_score"][1] == pytest.approx(np.log(9.0), rel=1e-4)
    assert col["sender_max_score"][0] < np.log(1e-3)


def test_counterparty_scores_for_detection():
    """Each scored account gets the highest and mean score of its senders and receivers;
    rejected transfers and self-payments are ignored."""
    scores = pd.Series({"A": 0.9, "B": 0.2, "C": 0.4})
    t = pd.DataFrame(
        {
            "src": ["A", "B", "A", "C", "C"],
            "dst": ["C", "C", "B", "A", "C"],
            "status": ["concluida", "concluida", "rejeitada", "concluida", "concluida"],
        }
    )
    out = N.counterparty_scores(scores, t)
    assert out.loc["C", "max_sender_score"] == pytest.approx(0.9)
    assert out.loc["C", "mean_sender_score"] == pytest.approx(0.55)
    assert out.loc["B", "max_sender_score"] == 0  # A -> B was rejected
    assert out.loc["A", "max_receiver_score"] == pytest.approx(0.4)


def _labels(cases: dict[str, int]) -> pd.DataFrame:
    rows = [(acct, "fraud", "confirmada", float(k)) for acct, n in cases.items() for k in range(n)]
    return pd.DataFrame(rows, columns=["id_usuario", "source", "status", "known_at"])


def test_lone_cases_are_dropped_only_when_enough_positives_have_several():
    """With enough positives backed by 2+ cases, a positive with one case gets weight 0;
    with too few, every positive keeps weight 1 (a one-case-per-group world)."""
    ids = ["P1", "P2", "S1", "N1"]
    labels = _labels({"P1": 3, "P2": 2, "S1": 1})
    y = np.array([1.0, 1.0, 1.0, 0.0])
    w = D.label_weights(ids, labels, y, cutoff=100, min_confident=2)
    assert w.tolist() == [1.0, 1.0, 0.0, 1.0]
    w = D.label_weights(ids, labels, y, cutoff=100, min_confident=3)
    assert w.tolist() == [1.0, 1.0, 1.0, 1.0]
    # cases known after the cut-off do not count: before 0.5 each positive has one case
    w = D.label_weights(ids, labels, y, cutoff=0.5, min_confident=1)
    assert w.tolist() == [1.0, 1.0, 1.0, 1.0]


def test_hybrid_finds_an_unremarkable_account_paid_by_mules():
    """Stage 2 sees the neighbours: accounts whose own features look ordinary but which are
    paid by mule-like accounts score above ordinary accounts paid by ordinary ones."""
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=(n, 2))
    mule = np.zeros(n, bool)
    mule[:60] = True
    x[:40, 0] += 3.0  # 40 visible mules; 20 hidden ones (40..59) look ordinary
    src = np.r_[np.arange(40), rng.integers(60, n, 400)]
    dst = np.r_[40 + np.arange(40) % 20, rng.integers(60, n, 400)]
    ei = np.stack([np.r_[src, dst], np.r_[dst, src]])
    et = np.r_[np.full(src.size, D.REL_PAID_BY), np.full(src.size, D.REL_PAID_TO)]
    fit = rng.random(n) < 0.7
    fit[40:60] = np.arange(20) < 14  # some hidden mules labelled for training
    y = mule.astype(float)
    model, _ = H.fit_hybrid(x, ["a", "b"], y, fit, np.zeros(n, bool), ei, et, seed=1, threads=1)
    s = H.predict_hybrid(model, x, ["a", "b"], ei, et)
    hidden_test = np.arange(54, 60)
    ordinary_test = np.flatnonzero(~fit & ~mule)
    assert s[hidden_test].mean() > np.quantile(s[ordinary_test], 0.9)


def test_saved_hybrid_scores_as_before_and_scoring_writes_the_ensemble(tmp_path):
    """A version saved with a hybrid and score quantiles loads back with them; the hybrid
    scores exactly as before, and LoadedModel.predict (what scoring writes) is the mean rank
    of the hybrid and GraphSAGE, equal to the evaluated rank-mean up to the quantiles'
    resolution."""
    import torch
    from torch_geometric.data import Data

    from gnn import registry
    from gnn import train as T
    from gnn.features import FEATURES

    rng = np.random.default_rng(2)
    n, k = 300, len(FEATURES)
    x = rng.normal(size=(n, k)).astype(np.float32)
    y = (x[:, 0] > 1.2).astype(float)
    pairs = rng.integers(0, n, size=(2, 400))
    ei = np.concatenate([pairs, pairs[::-1]], axis=1)
    et = np.r_[np.zeros(400, int), np.ones(400, int)]
    fit = rng.random(n) < 0.8
    model, _ = H.fit_hybrid(x, list(FEATURES), y, fit, np.zeros(n, bool), ei, et, threads=1)
    data = Data(
        x=torch.from_numpy(x),
        edge_index=torch.from_numpy(ei),
        edge_type=torch.from_numpy(et),
        num_nodes=n,
    )
    before = T.predict_hybrid(model, data)
    sage = T.make_sage(k, T.TrainConfig(hidden=8))
    meta = registry.ModelMeta("v1", list(FEATURES), [0.0] * k, [1.0] * k, "h", 1, {"hidden": 8},
                              0, "now")  # fmt: skip
    sage_scores = T.predict(sage, data)
    refs = {"hybrid": T.score_reference(before), "graphsage": T.score_reference(sage_scores)}
    registry.save(tmp_path, meta, sage, hybrid=model, references=refs)
    loaded = registry.load(tmp_path)
    assert loaded.hybrid is not None
    assert np.allclose(T.predict_hybrid(loaded.hybrid, data), before, atol=1e-9)
    ensemble = T.rank_mean([before, sage_scores])
    assert np.abs(loaded.predict(data) - ensemble).max() < 0.01


def test_hybrid_reusing_the_baseline_as_stage_one_scores_as_a_fresh_fit():
    """``fit_all`` hands its LightGBM baseline to the hybrid as stage 1 instead of fitting the
    same model on the same rows again: the hybrid it gives scores every node exactly as one
    that fits its own stage 1."""
    from gnn import baselines

    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.5 * rng.normal(size=n) > 1.5).astype(float)
    pairs = rng.integers(0, n, size=(2, 600))
    ei = np.concatenate([pairs, pairs[::-1]], axis=1)
    et = np.r_[np.full(600, D.REL_PAID_BY), np.full(600, D.REL_PAID_TO)]
    fit = rng.random(n) < 0.7
    val = np.zeros(n, bool)
    names = ["a", "b", "c"]
    baseline = baselines.fit_lightgbm_arrays(x, y, fit, val, seed=5, threads=1)
    reused, _ = H.fit_hybrid(x, names, y, fit, val, ei, et, seed=5, threads=1, stage1=baseline)
    fresh, _ = H.fit_hybrid(x, names, y, fit, val, ei, et, seed=5, threads=1)
    assert reused.stage1 is baseline
    assert np.array_equal(
        H.predict_hybrid(reused, x, names, ei, et), H.predict_hybrid(fresh, x, names, ei, et)
    )


def test_fitted_hybrid_returns_the_scores_predict_gives():
    """The scores ``fit_hybrid`` returns with the model (built from the aggregates it already
    computed for training) are those ``predict_hybrid`` gives on the same graph, i.e. with
    stage 1's full-model scores, not the out-of-fold ones stage 2 was trained on."""
    rng = np.random.default_rng(4)
    n = 300
    x = rng.normal(size=(n, 2))
    y = (x[:, 1] > 1.3).astype(float)
    pairs = rng.integers(0, n, size=(2, 500))
    ei = np.concatenate([pairs, pairs[::-1]], axis=1)
    et = np.r_[np.full(500, D.REL_PAID_BY), np.full(500, D.REL_PAID_TO)]
    fit = rng.random(n) < 0.7
    model, scores = H.fit_hybrid(x, ["a", "b"], y, fit, np.zeros(n, bool), ei, et, threads=1)
    assert np.array_equal(scores, H.predict_hybrid(model, x, ["a", "b"], ei, et))
