"""`ringwatch train` and `ringwatch score`: thin commands over gnn.dataset/train/score.
torch and friends are imported inside the functions (the CLI imports this module at start)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ringwatch.errors import RingwatchError

ModelsDir = Annotated[
    Path, typer.Option("--models-dir", help="Folder of versioned models (git-ignored).")
]
CacheDir = Annotated[
    Path | None,
    typer.Option(help="Dataset cache folder (default: RINGWATCH_VAR_DIR/gnn)."),
]


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _parse_cutoff(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise RingwatchError(
            f"--cutoff {text!r} is not an ISO date or time (e.g. 2025-06-01)."
        ) from None


def model_card(meta: Any, metrics: dict[str, Any]) -> str:
    """A short model card: what, trained on what, how good, known limits."""
    lines = [
        f"# Mule score model {meta.version}",
        "",
        "Mule score: the mean rank of a hybrid (LightGBM over own and neighbourhood "
        "features and neighbours' scores) and GraphSAGE (PyTorch Geometric, one SAGEConv "
        "per relation: paid by, paid to, shared device).",
        "",
        f"- Training data hash: `{meta.data_hash}`; seed {meta.seed}; created {meta.created}.",
        f"- Labels: the bank's, known before the cut-off {_iso(meta.cutoff)} (confirmed "
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


def train(
    models_dir: ModelsDir = Path("models"),
    truth: Annotated[
        Path | None,
        typer.Option(
            help="Ground-truth ring file (ground_truth_rings.csv), read only to evaluate "
            "after training. Without it the held-out bank labels are used."
        ),
    ] = None,
    cutoff: Annotated[
        str | None,
        typer.Option(help="Labels detected before this time train, later ones test (ISO)."),
    ] = None,
    cutoff_quantile: Annotated[
        float, typer.Option(help="Cut-off as this quantile of positives' detection times.")
    ] = 0.7,
    test_share: Annotated[
        float, typer.Option(help="Share of unlabelled accounts held out for testing.")
    ] = 0.3,
    epochs: Annotated[int, typer.Option(help="Training epochs of GraphSAGE and the MLP.")] = 60,
    hidden: Annotated[int, typer.Option(help="Hidden units per layer.")] = 32,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    cache_dir: CacheDir = None,
    refresh: Annotated[bool, typer.Option(help="Rebuild the dataset, ignoring the cache.")] = False,
    make_current: Annotated[
        bool, typer.Option("--make-current/--no-make-current", help="Point `current` at it.")
    ] = True,
) -> None:
    """Train GraphSAGE and the tabular baselines (LightGBM, MLP) on the bank's labels with a
    time-based inductive split; print and store AUC-PR, ROC-AUC, F1, precision@100 and
    recall at 1% FPR for each model in MODELS_DIR/<version>/metrics.json."""
    result = run_training(
        models_dir, truth, _parse_cutoff(cutoff), cutoff_quantile, test_share, epochs, hidden,
        seed, cache_dir, refresh, make_current, typer.echo,
    )  # fmt: skip
    typer.echo(f"Evaluated on {result['evaluated_on']}:")
    typer.echo(result["table"])
    typer.echo(
        f"Training took {result['train_seconds']:.0f} s "
        f"(building the dataset {result['dataset_seconds']:.0f} s)."
    )
    typer.echo(f"Model {result['version']} saved in {models_dir / result['version']}.")


def run_training(
    models_dir: Path,
    truth: Path | None,
    cutoff: int | None = None,
    cutoff_quantile: float = 0.7,
    test_share: float = 0.3,
    epochs: int = 60,
    hidden: int = 32,
    seed: int = 7,
    cache_dir: Path | None = None,
    refresh: bool = False,
    make_current: bool = True,
    say: Any = print,
) -> dict[str, Any]:
    """Build (or read from the cache) the dataset of the graph in Neo4j, then train, evaluate
    and save with ``train_and_evaluate``; returns the metrics."""
    from gnn import dataset as D
    from gnn.score import default_cache_dir
    from graph.gateway import Gateway
    from ringwatch.settings import load_settings

    if not 0 < cutoff_quantile <= 1 or not 0 <= test_share < 1:
        raise RingwatchError("--cutoff-quantile must be in (0, 1] and --test-share in [0, 1).")
    started = time.perf_counter()
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        cache = cache_dir or default_cache_dir(gateway)
        ds = D.load_dataset(gateway, cache, refresh, gateway.settings.gds_concurrency, say)
    metrics = train_and_evaluate(
        ds, models_dir, truth, cutoff, cutoff_quantile, test_share, epochs, hidden, seed,
        make_current, say,
    )  # fmt: skip
    metrics["dataset_seconds"] = round(time.perf_counter() - started - metrics["train_seconds"], 1)
    (models_dir / metrics["version"] / "metrics.json").write_text(
        json.dumps(metrics, indent=2, default=float)
    )
    return metrics


def train_and_evaluate(
    ds: Any,
    models_dir: Path,
    truth: Path | None,
    cutoff: int | None = None,
    cutoff_quantile: float = 0.7,
    test_share: float = 0.3,
    epochs: int = 60,
    hidden: int = 32,
    seed: int = 7,
    make_current: bool = True,
    say: Any = print,
) -> dict[str, Any]:
    """Split, train the three models, evaluate them on the unseen test accounts (the ground
    truth, when given, is read only here, after training) and save a new model version."""
    import numpy as np

    from gnn import dataset as D
    from gnn import metrics as M
    from gnn import registry
    from gnn.features import FEATURES, transform
    from gnn.train import TrainConfig, fit_all, score_reference

    config = TrainConfig(epochs=epochs, hidden=hidden, seed=seed)
    split = D.make_split(ds.ids, ds.labels, cutoff, cutoff_quantile, test_share, seed=seed)
    if split.y[split.train].sum() == 0:
        raise RingwatchError(
            "No account has a confirmed fraud case before the cut-off, so there is nothing to "
            "learn from: load fraudes.csv, or move --cutoff later."
        )
    norm = D.Normaliser.fit(transform(ds.features)[split.train])
    data = D.to_data(ds, norm, split)
    say(
        f"training on {int(split.train.sum()):,} accounts "
        f"({int(split.y[split.train].sum())} positives before {_iso(split.cutoff)}), "
        f"testing on {int(split.test.sum()):,} unseen accounts"
    )
    t0 = time.perf_counter()
    trained = fit_all(data, config)
    train_s = time.perf_counter() - t0

    # Evaluation: the only step that may read the ground truth.
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
    results = {
        name: M.evaluate(y_eval[keep], scores[test][keep])
        for name, scores in trained.scores.items()
    }
    table = M.table(results)
    version = registry.new_version(ds.data_hash)
    meta = registry.ModelMeta(
        version=version,
        features=list(FEATURES),
        mean=norm.mean.tolist(),
        std=norm.std.tolist(),
        data_hash=ds.data_hash,
        seed=seed,
        config=asdict(config),
        cutoff=split.cutoff,
        created=datetime.now().isoformat(timespec="seconds"),
    )
    metrics = {
        "version": version,
        "evaluated_on": evaluated_on,
        "cutoff": _iso(split.cutoff),
        "models": results,
        "table": table,
        "train_accounts": int(split.train.sum()),
        "train_positives": int(split.y[split.train].sum()),
        "test_accounts": int(test.sum()),
        "train_seconds": round(train_s, 1),
        "fit_seconds": {k: round(v.seconds, 1) for k, v in trained.fits.items()},
        "best_epoch": {k: trained.fits[k].best_epoch for k in ("graphsage", "mlp")},
        "best_val_auc_pr": {k: trained.fits[k].best_val_auc_pr for k in ("graphsage", "mlp")},
    }
    registry.save(
        models_dir, meta, trained.sage, trained.mlp, trained.lgbm, metrics,
        model_card(meta, metrics), make_current, trained.hybrid,
        {k: score_reference(trained.scores[k]) for k in ("hybrid", "graphsage")},
    )  # fmt: skip
    return metrics


def score(
    models_dir: ModelsDir = Path("models"),
    version: Annotated[
        str | None, typer.Option(help="Model version to use (default: the current one).")
    ] = None,
    cache_dir: CacheDir = None,
    refresh: Annotated[bool, typer.Option(help="Rebuild the dataset, ignoring the cache.")] = False,
) -> None:
    """Score every account with the GraphSAGE model and write gnn_score and model_version on
    each Account node."""
    from gnn.score import score_all
    from graph.gateway import Gateway
    from ringwatch.settings import load_settings

    with Gateway(load_settings()) as gateway:
        gateway.verify()
        start = time.perf_counter()
        report, _ = score_all(gateway, models_dir, cache_dir, version, refresh, say=typer.echo)
    typer.echo(
        f"Scored {report.accounts:,} accounts with model {report.version} "
        f"in {time.perf_counter() - start:.1f} s."
    )
