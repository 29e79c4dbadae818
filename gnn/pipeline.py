"""Training as one function call: build (or read) the dataset, split, train GraphSAGE, the
hybrid and the tabular baselines, evaluate them and save a new model version.

``ringwatch train`` parses its flags into ``TrainOptions`` and calls ``run_training``; the
benchmarks and tests call ``run_training`` or ``train_and_evaluate`` with their own options.
The ground-truth file, when given, is read only by the evaluation step, after training.

A new version is put in use only through the promotion gate (``gnn.promote``); each run
records its decision, a drift report against the model in use, and (when a tracking URI is
given) an MLflow run and registered model version (``gnn.tracking``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gnn import dataset as D
from gnn import drift, promote, registry
from gnn import metrics as M
from gnn.features import FEATURES, transform
from ringwatch.errors import RingwatchError

Say = Callable[[str], object]


@dataclass(frozen=True)
class TrainOptions:
    """What to train on and how; the defaults are those of ``ringwatch train``."""

    models_dir: Path = Path("models")
    truth: Path | None = None  # ground-truth ring file, read only to evaluate
    cutoff: int | None = None  # epoch seconds; labels detected before it train
    cutoff_quantile: float = 0.7  # cut-off as a quantile of positives' detection times
    test_share: float = 0.3  # share of unlabelled accounts held out for testing
    epochs: int = 60
    hidden: int = 32
    seed: int = 7
    threads: int = 1  # torch and LightGBM threads (gnn.train.THREADS)
    sampling: str = "auto"  # GraphSAGE: auto | full | sampled (gnn.train.uses_sampling)
    cache_dir: Path | None = None  # dataset cache (default: RINGWATCH_VAR_DIR/gnn)
    refresh: bool = False  # rebuild the dataset, ignoring the cache
    make_current: bool = True  # point ``current`` at the new version (through the gate)
    gate: bool = True  # only when its validation AUC-PR is not worse (gnn.promote)
    tracking_uri: str | None = None  # MLflow store; None: no MLflow run

    def __post_init__(self) -> None:
        if not 0 < self.cutoff_quantile <= 1 or not 0 <= self.test_share < 1:
            raise RingwatchError("--cutoff-quantile must be in (0, 1] and --test-share in [0, 1).")
        if self.threads < 1:
            raise RingwatchError("--threads must be at least 1.")
        if self.sampling not in ("auto", "full", "sampled"):
            raise RingwatchError("--sampling must be auto, full or sampled.")


def iso(epoch: int) -> str:
    """Epoch seconds as an ISO date and time (UTC, no zone suffix)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def model_card(meta: registry.ModelMeta, metrics: dict[str, Any]) -> str:
    """A short model card: what, trained on what, how good, known limits."""
    lines = [
        f"# Mule score model {meta.version}",
        "",
        "Mule score: the mean rank of a hybrid (LightGBM over own and neighbourhood "
        "features and neighbours' scores) and GraphSAGE (PyTorch Geometric, one SAGEConv "
        "per relation: paid by, paid to, shared device).",
        "",
        f"- Training data hash: `{meta.data_hash}`; seed {meta.seed}; created {meta.created}.",
        f"- Labels: the bank's, known before the cut-off {iso(meta.cutoff)} (confirmed "
        "fraudes.csv cases' receiving accounts, confirmed rings, investigators' decisions).",
        f"- Features ({len(meta.features)}): {', '.join(meta.features)}.",
        f"- Hyper-parameters: {json.dumps(meta.config)}.",
        f"- Evaluated on: {metrics['evaluated_on']}.",
        "",
        metrics["table"],
        "",
        "Limits: labels are partial, late and noisy (positive-unlabelled learning: unlabelled "
        "mules count as negatives); features use the whole data window; scores rank accounts "
        "for investigation and are not a decision.",
        "",
    ]
    return "\n".join(lines)


def run_training(options: TrainOptions, say: Say = print) -> dict[str, Any]:
    """Build (or read from the cache) the dataset of the graph in Neo4j, then train, evaluate
    and save with ``train_and_evaluate``; returns the metrics (also written to
    ``<models_dir>/<version>/metrics.json``)."""
    from gnn.score import default_cache_dir
    from graph.gateway import Gateway
    from ringwatch.settings import load_settings

    started = time.perf_counter()
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        cache = options.cache_dir or default_cache_dir(gateway)
        concurrency = gateway.settings.gds_concurrency
        ds = D.load_dataset(gateway, cache, options.refresh, concurrency, say)
    return train_and_evaluate(ds, options, say, time.perf_counter() - started)


def train_and_evaluate(
    ds: D.GraphDataset,
    options: TrainOptions,
    say: Say = print,
    dataset_seconds: float | None = None,
) -> dict[str, Any]:
    """Split, train the models, evaluate them on the unseen test accounts (the ground truth,
    when given, is read only here, after training), save a new model version, pass it
    through the promotion gate, and record the run (history, and MLflow when configured)."""
    from gnn import train as T  # torch: imported only when training

    config = T.TrainConfig(
        epochs=options.epochs,
        hidden=options.hidden,
        seed=options.seed,
        threads=options.threads,
        sampling=options.sampling,
    )
    split = D.make_split(
        ds.ids,
        ds.labels,
        options.cutoff,
        options.cutoff_quantile,
        options.test_share,
        seed=options.seed,
    )
    if split.y[split.train].sum() == 0:
        raise RingwatchError(
            "No account has a confirmed fraud case before the cut-off, so there is nothing to "
            "learn from: load fraudes.csv, or move --cutoff later."
        )
    norm = D.Normaliser.fit(transform(ds.features)[split.train])
    data = D.to_data(ds, norm, split)
    say(
        f"training on {int(split.train.sum()):,} accounts "
        f"({int(split.y[split.train].sum())} positives before {iso(split.cutoff)}), "
        f"testing on {int(split.test.sum()):,} unseen accounts"
    )
    t0 = time.perf_counter()
    trained = T.fit_all(data, config)
    train_s = time.perf_counter() - t0

    results, evaluated_on = _evaluate(ds, split, trained.scores, options.truth)
    version = registry.unique_version(options.models_dir, ds.data_hash)
    meta = registry.ModelMeta(
        version=version,
        features=list(FEATURES),
        mean=norm.mean.tolist(),
        std=norm.std.tolist(),
        data_hash=ds.data_hash,
        seed=options.seed,
        config=asdict(config),
        cutoff=split.cutoff,
        created=datetime.now().isoformat(timespec="seconds"),
    )
    graph_models = ("graphsage", "mlp")
    metrics: dict[str, Any] = {
        "version": version,
        "evaluated_on": evaluated_on,
        "cutoff": iso(split.cutoff),
        "models": results,
        "table": M.table(results),
        "train_accounts": int(split.train.sum()),
        "train_positives": int(split.y[split.train].sum()),
        "test_accounts": int(split.test.sum()),
        "train_seconds": round(train_s, 1),
        "fit_seconds": {k: round(v.seconds, 1) for k, v in trained.fits.items()},
        "best_epoch": {k: trained.fits[k].best_epoch for k in graph_models},
        "best_val_auc_pr": {k: trained.fits[k].best_val_auc_pr for k in graph_models},
    }
    if dataset_seconds is not None:
        metrics["dataset_seconds"] = round(dataset_seconds, 1)
    values = pd.DataFrame(transform(ds.features), columns=list(FEATURES))
    in_use = _current(options.models_dir)
    references = {k: T.score_reference(trained.scores[k]) for k in ("hybrid", "graphsage")}
    served = T.reference_rank_mean(  # the gnn_score this version gives every account
        [trained.scores["hybrid"], trained.scores["graphsage"]],
        [references["hybrid"], references["graphsage"]],
    )
    folder = registry.save(
        options.models_dir,
        meta,
        trained.sage,
        trained.mlp,
        trained.lgbm,
        metrics,
        model_card(meta, metrics),
        False,
        trained.hybrid,
        references,
    )
    drift.save_reference(folder, drift.reference(values[split.train]))
    metrics["drift"] = _training_drift(options.models_dir, in_use, version, values, served)
    metrics["promotion"] = _promote(options, version, ds, split)
    _write_metrics(folder, metrics)
    if options.tracking_uri:
        from gnn import tracking

        started = time.perf_counter()
        tracked = tracking.log_training(options.tracking_uri, folder, metrics, _params(options))
        metrics["mlflow"] = {
            "run_id": tracked.run_id,
            "model_version": tracked.model_version,
            "seconds": round(time.perf_counter() - started, 1),
        }
        say(f"MLflow: run {tracked.run_id}, registered model version {tracked.model_version}")
        _write_metrics(folder, metrics)
    promote.record(
        options.models_dir,
        {
            "kind": "train",
            "version": version,
            **metrics["promotion"],
            "drift": metrics["drift"],
            "mlflow": metrics.get("mlflow"),
            "train_seconds": metrics["train_seconds"],
        },
    )
    return metrics


def _current(models_dir: Path) -> str | None:
    try:
        return registry.current_version(models_dir)
    except RingwatchError:
        return None


def _training_drift(
    models_dir: Path,
    in_use: str | None,
    version: str,
    values: pd.DataFrame,
    served: np.ndarray,
) -> dict[str, Any]:
    """PSI of every account's features against the training data of the model in use (the
    population it learnt from); for a first model, against its own training accounts. The
    flagged share is the new version's on the population it was trained on: the baseline
    that its scoring runs' shares are compared with."""
    against = in_use if in_use and drift.has_reference(models_dir / in_use) else version
    ref = drift.load_reference(models_dir / against)
    return drift.report(ref, values, against, served).as_dict()


def _promote(
    options: TrainOptions, version: str, ds: D.GraphDataset, split: D.Split
) -> dict[str, Any]:
    if not options.make_current:
        return _manual(version, False, "--no-make-current: the version is stored, not used")
    if not options.gate:
        registry.set_current(options.models_dir, version)
        return _manual(version, True, "--no-gate: put in use without comparison")
    return promote.as_entry(promote.gate(options.models_dir, version, ds, split))


def _manual(version: str, promoted: bool, reason: str) -> dict[str, Any]:
    return {"promoted": promoted, "reason": reason, "new_version": version}


def _params(options: TrainOptions) -> dict[str, Any]:
    return {k: v for k, v in asdict(options).items() if k not in ("tracking_uri",)}


def _write_metrics(folder: Path, metrics: dict[str, Any]) -> None:
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))


def _evaluate(
    ds: D.GraphDataset, split: D.Split, scores: dict[str, np.ndarray], truth: Path | None
) -> tuple[dict[str, dict[str, float]], str]:
    """Metrics of every model's scores on the test accounts, and what they were measured
    against: ring membership in ``truth`` when given, else the held-out bank labels. The
    only step that may read the ground truth."""
    test = split.test
    if truth is not None:
        members = M.load_truth(truth)
        y_eval = np.array([i in members for i in ds.ids])[test]
        keep = np.ones(int(test.sum()), dtype=bool)
        evaluated_on = (
            f"ground-truth ring membership of the {int(test.sum()):,} test accounts ({truth.name})"
        )
    else:
        y_eval = split.y[test]
        keep = split.known[test]
        evaluated_on = (
            "held-out bank labels (positives = accounts whose first confirmed case came after "
            "the cut-off; no ground truth given, so unlabelled mules count as negatives)"
        )
    results = {name: M.evaluate(y_eval[keep], s[test][keep]) for name, s in scores.items()}
    return results, evaluated_on
