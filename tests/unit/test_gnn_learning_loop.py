"""The learning loop without Neo4j, on a hand-built 80-account dataset: the promotion gate
(a worse model is not promoted; the rule on hand-made numbers), the run history, and the
MLflow run and registered version of a training on a SQLite store in a temporary folder."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from gnn import dataset as D
from gnn import features as F
from gnn import promote, registry, tracking
from gnn import train as T
from gnn.pipeline import TrainOptions, train_and_evaluate


def _dataset(n: int = 80) -> D.GraphDataset:
    """Accounts U00..: the first 16 are mules (shifted features, paying each other), known
    from two fraud cases each, detected at times 1..16."""
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
            "id_usuario": ids[:16] * 2,
            "source": "fraud",
            "status": "confirmada",
            "known_at": np.r_[np.arange(1.0, 17.0), np.arange(1.0, 17.0)],
        }
    )
    return D.GraphDataset(ids, feats, edge_index, edge_type, labels, "hash0123456789")


OPTIONS = {"epochs": 15, "hidden": 8, "test_share": 0.2, "cutoff_quantile": 0.9}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tracked training into an empty registry: the first version, promoted."""
    root = tmp_path_factory.mktemp("loop")
    uri = tracking.default_uri(root / "var")
    options = TrainOptions(models_dir=root / "models", tracking_uri=uri, **OPTIONS)  # type: ignore[arg-type]
    ds = _dataset()
    metrics = train_and_evaluate(ds, options, say=lambda _: None)
    return root, uri, options, ds, metrics


def test_gate_rule_on_hand_made_numbers():
    """No current model: promote; equal or better: promote; worse: keep; a validation set
    that cannot rank: keep; a current model that cannot run: promote."""
    assert promote.decide("v2", 0.5, None, None, 10, 2).promoted
    assert promote.decide("v2", 0.5, "v1", 0.5, 10, 2).promoted
    assert promote.decide("v2", 0.6, "v1", 0.5, 10, 2).promoted
    worse = promote.decide("v2", 0.4, "v1", 0.5, 10, 2)
    assert not worse.promoted and "0.4000 is worse than its 0.5000" in worse.reason
    assert not promote.decide("v2", math.nan, "v1", 0.5, 10, 0).promoted
    assert promote.decide("v2", 0.1, "v1", None, 10, 2, "another feature list").promoted


def test_first_version_is_promoted_and_recorded(trained):
    """With no current model the first version is put in use; the decision, its reason and
    a drift report are in metrics.json and in the history the Runs page reads."""
    root, _, _, _, metrics = trained
    models = root / "models"
    assert metrics["promotion"]["promoted"] and "no current model" in metrics["promotion"]["reason"]
    assert registry.current_version(models) == metrics["version"]
    saved = json.loads((models / metrics["version"] / "metrics.json").read_text())
    assert saved["promotion"] == metrics["promotion"] and set(saved["drift"]["psi"]) == set(
        F.FEATURES
    )
    assert 0 < saved["drift"]["flagged_share"] <= 0.05  # own baseline: 1 or 2 of 80 accounts
    history = promote.read_history(models)
    assert [(h["kind"], h["version"], h["promoted"]) for h in history] == [
        ("train", metrics["version"], True)
    ]


def test_worse_model_is_not_promoted(trained):
    """An untrained GraphSAGE (random weights) saved as a new version is compared with the
    trained current model on the same split, through the same scoring code: its validation
    AUC-PR is lower, so current stays; retraining the same data gives a version whose
    comparison sees the current model's own validation AUC-PR (same split, same number)."""
    root, _, options, ds, first = trained
    models = root / "models"
    split = D.make_split(
        ds.ids, ds.labels, None, options.cutoff_quantile, options.test_share, seed=options.seed
    )
    T.seed_everything(3)
    untrained = T.make_sage(len(F.FEATURES), T.TrainConfig(hidden=8))
    meta = registry.load(models, first["version"]).meta
    meta.version = "vuntrained"
    registry.save(models, meta, untrained, make_current=False)
    decision = promote.gate(models, "vuntrained", ds, split)
    assert not decision.promoted and "worse" in decision.reason
    assert decision.new_val_auc_pr < decision.current_val_auc_pr  # type: ignore[operator]
    assert registry.current_version(models) == first["version"]
    untracked = TrainOptions(models_dir=models, **OPTIONS)  # type: ignore[arg-type]
    again = train_and_evaluate(ds, untracked, say=lambda _: None)
    assert again["promotion"]["current_version"] == first["version"]
    assert again["promotion"]["current_val_auc_pr"] == pytest.approx(
        first["promotion"]["new_val_auc_pr"]
    )


def test_mlflow_run_holds_parameters_metrics_card_and_artefacts(trained):
    """The training's MLflow run on a SQLite store has its options as parameters, the
    metrics of every model, the model card and the version's files, and is registered as
    version 1 of the model with the alias current (the gate promoted it); that version
    loads back for scoring."""
    root, uri, _, _, metrics = trained
    client = tracking._client(uri)
    run = client.get_run(metrics["mlflow"]["run_id"])
    assert run.data.params["epochs"] == "15" and run.data.params["seed"] == "7"
    for model in ("graphsage", "hybrid", "lightgbm", "mlp", "ensemble"):
        assert run.data.metrics[f"{model}.auc_pr"] == pytest.approx(
            metrics["models"][model]["auc_pr"]
        )
    assert run.data.tags["ringwatch.promoted"] == "true"
    files = {f.path for f in client.list_artifacts(run.info.run_id, tracking.ARTIFACT_PATH)}
    assert {"model/model_card.md", "model/graphsage.pt", "model/meta.json"} <= files
    assert {"model/hybrid_stage2.txt", "model/drift_reference.json"} <= files
    version = client.get_model_version(tracking.MODEL_NAME, "1")
    assert version.tags["ringwatch.version"] == metrics["version"]
    assert metrics["mlflow"]["model_version"] == 1 and "current" in version.aliases
    models_dir, name = tracking.fetch_version(uri, 1, root / "fetched")
    assert name == metrics["version"]
    assert (models_dir / name / "model_card.md").read_text().startswith("# Mule score model")
    assert registry.load(models_dir, name).meta.version == metrics["version"]


def test_scheduled_run_scores_after_a_promotion_and_survives_a_failure(monkeypatch, tmp_path):
    """A scheduled training that promotes refreshes the scores with the models folder it
    trained into; one that keeps the current model does not; a failing one is logged and
    does not raise, so `train --every` goes on."""
    from gnn import cli

    outcomes: list[object] = [
        {"promotion": {"promoted": True}},
        {"promotion": {"promoted": False}},
        RuntimeError("Neo4j went away"),
    ]
    scored: list[object] = []

    def fake_train(options):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(cli, "_train_once", fake_train)
    monkeypatch.setattr(cli, "score", lambda **kw: scored.append(kw["models_dir"]))
    options = TrainOptions(models_dir=tmp_path / "models")
    for _ in range(3):
        cli._scheduled_run(options)
    assert scored == [tmp_path / "models"] and outcomes == []
