"""GraphSAGE training, the model registry and the rule that training never reads the ground
truth, on graphs of a handful of nodes built by hand."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch_geometric.data import Data

from gnn import dataset as D
from gnn import features as F
from gnn import registry
from gnn import train as T
from gnn.model import FeatureMLP, MuleSAGE
from gnn.pipeline import TrainOptions, train_and_evaluate
from ringwatch.errors import RingwatchError


def _tiny_graph() -> Data:
    """Six accounts: two mules (0, 1) paying each other, four ordinary accounts in a chain."""
    x = torch.tensor([[1.0, 0.9], [0.9, 1.0], [0.0, 0.1], [0.1, 0.0], [0.2, 0.1], [0.1, 0.2]])
    pairs = torch.tensor([[0, 2, 3, 4], [1, 3, 4, 5]])
    edge_index = torch.cat([pairs, pairs.flip(0)], dim=1)
    edge_type = torch.tensor([D.REL_PAID_BY] * 4 + [D.REL_PAID_TO] * 4)
    data = Data(x=x, edge_index=edge_index, edge_type=edge_type, num_nodes=6)
    data.y = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    data.train_mask = torch.ones(6, dtype=torch.bool)
    data.val_mask = torch.zeros(6, dtype=torch.bool)
    return data


def test_tiny_graphsage_loss_falls():
    """Thirty full-batch epochs on a six-node graph lower the weighted loss."""
    T.seed_everything(0)
    data = _tiny_graph()
    model = MuleSAGE(2, hidden_channels=8, num_relations=D.NUM_RELATIONS, num_layers=2)
    result = T.fit(model, data, T.TrainConfig(epochs=30, lr=0.05, weight_decay=0.0))
    assert result.losses[-1] < 0.5 * result.losses[0]
    scores = T.predict(model, data)
    assert scores[:2].min() > scores[2:].max()


def test_sparse_and_edge_index_forms_agree():
    """The sparse adjacency used for speed gives the same output as plain edge indices."""
    T.seed_everything(0)
    data = _tiny_graph()
    model = MuleSAGE(2, hidden_channels=4).eval()
    by_edges = [data.edge_index[:, data.edge_type == r] for r in range(D.NUM_RELATIONS)]
    out_sparse = model(data.x, D.relation_adjacency(data))
    assert torch.allclose(model(data.x, by_edges), out_sparse, atol=1e-6)
    assert FeatureMLP(2)(data.x).shape == (6,)


def _meta(version: str = "v1", features: tuple[str, ...] = F.FEATURES) -> registry.ModelMeta:
    n = len(features)
    return registry.ModelMeta(
        version=version,
        features=list(features),
        mean=[0.0] * n,
        std=[1.0] * n,
        data_hash="abc",
        seed=1,
        config={"hidden": 8, "layers": 2, "dropout": 0.0, "epochs": 1},
        cutoff=0,
        created="now",
    )


def test_save_load_round_trip_gives_the_same_scores(tmp_path):
    """A saved model, loaded back through `current`, scores a graph exactly as before."""
    T.seed_everything(3)
    n = len(F.FEATURES)
    model = T.make_sage(n, T.TrainConfig(hidden=8, layers=2, dropout=0.0)).eval()
    data = Data(
        x=torch.randn(5, n),
        edge_index=torch.tensor([[0, 1, 2], [1, 2, 3]]),
        edge_type=torch.tensor([0, 1, 2]),
        num_nodes=5,
    )
    before = T.predict(model, data)
    registry.save(tmp_path, _meta(), model)
    loaded = registry.load(tmp_path)
    assert loaded.meta.version == registry.current_version(tmp_path) == "v1"
    assert np.array_equal(T.predict(loaded.sage, data), before)


def test_loading_refuses_another_feature_list(tmp_path):
    """A model trained on a different feature list is refused with a message."""
    model = T.make_sage(2, T.TrainConfig(hidden=8))
    registry.save(tmp_path, _meta("v2", ("a", "b")), model)
    with pytest.raises(RingwatchError, match="another feature list"):
        registry.load(tmp_path, "v2")


def _dataset(n: int = 80) -> D.GraphDataset:
    """Accounts U00..: the first 16 are mules (shifted features, paying each other), known
    from fraud cases detected at times 1..16."""
    rng = np.random.default_rng(5)
    ids = [f"U{i:02d}" for i in range(n)]
    values = rng.random((n, len(F.FEATURES)))
    values[:16] += 1.5
    feats = pd.DataFrame(values, index=pd.Index(ids, name="id_usuario"), columns=list(F.FEATURES))
    src = np.r_[np.arange(15), rng.integers(16, n, 60)]
    dst = np.r_[np.arange(1, 16), rng.integers(16, n, 60)]
    edge_index = np.stack([np.r_[src, dst], np.r_[dst, src]])
    edge_type = np.r_[np.zeros(src.size), np.ones(src.size)].astype(np.int64)
    labels = pd.DataFrame(
        {
            "id_usuario": ids[:16],
            "source": "fraud",
            "status": "confirmada",
            "known_at": np.arange(1.0, 17.0),
        }
    )
    return D.GraphDataset(ids, feats, edge_index, edge_type, labels, "hash0123456789")


def test_training_never_opens_the_ground_truth(tmp_path, monkeypatch):
    """Every file opened while training excludes the truth file; it is read only afterwards,
    by evaluation."""
    truth = tmp_path / "ground_truth_rings.csv"
    pd.DataFrame({"ring_id": "R1", "id_usuario": [f"U{i:02d}" for i in range(16)]}).to_csv(
        truth, index=False
    )
    events: list[str] = []
    real_open, real_read_csv, real_fit_all = builtins.open, pd.read_csv, T.fit_all

    def record_open(file, *args, **kwargs):
        events.append(str(file))
        return real_open(file, *args, **kwargs)

    def record_read_csv(path, *args, **kwargs):
        events.append(str(path))
        return real_read_csv(path, *args, **kwargs)

    def record_fit_all(*args, **kwargs):
        events.append("<training starts>")
        result = real_fit_all(*args, **kwargs)
        events.append("<training ends>")
        return result

    monkeypatch.setattr(builtins, "open", record_open)
    monkeypatch.setattr(pd, "read_csv", record_read_csv)
    monkeypatch.setattr(T, "fit_all", record_fit_all)
    options = TrainOptions(models_dir=tmp_path / "models", truth=truth, epochs=15, hidden=8)
    metrics = train_and_evaluate(_dataset(), options, say=lambda _: None)
    truth_reads = [i for i, e in enumerate(events) if Path(e).name == truth.name]
    assert truth_reads and min(truth_reads) > events.index("<training ends>")
    assert "ground-truth" in metrics["evaluated_on"]
    saved = tmp_path / "models" / metrics["version"]
    assert {"graphsage.pt", "metrics.json", "model_card.md", "meta.json"} <= {
        p.name for p in saved.iterdir()
    }
    assert set(metrics["models"]) == {"ensemble", "hybrid", "graphsage", "mlp", "lightgbm"}
    meta = registry.load(tmp_path / "models", metrics["version"]).meta
    assert meta.config["threads"] == T.THREADS == 1  # one thread unless --threads says more


def test_thread_count_below_one_is_refused():
    """``--threads 0`` fails with a message naming the option instead of reaching torch."""
    with pytest.raises(RingwatchError, match="--threads"):
        TrainOptions(threads=0)
