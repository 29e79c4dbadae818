"""`ringwatch train` and `ringwatch score`: parse the flags, call ``gnn.pipeline`` or
``gnn.score``, print. torch and friends are imported inside the commands (the CLI imports
this module at start)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ringwatch.errors import RingwatchError

ModelsDir = Annotated[
    Path, typer.Option("--models-dir", help="Folder of versioned models (git-ignored).")
]
CacheDir = Annotated[
    Path | None,
    typer.Option(help="Dataset cache folder (default: RINGWATCH_VAR_DIR/gnn)."),
]


def _parse_cutoff(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise RingwatchError(
            f"--cutoff {text!r} is not an ISO date or time (e.g. 2025-06-01)."
        ) from None


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
    """Train GraphSAGE, the hybrid (LightGBM over own and neighbourhood features) and the
    tabular baselines (LightGBM, MLP) on the bank's labels with a time-based inductive split;
    print and store AUC-PR, ROC-AUC, F1, precision@100 and recall at 1% FPR for each model
    and the ensemble of the hybrid and GraphSAGE in MODELS_DIR/<version>/metrics.json."""
    from gnn.pipeline import TrainOptions, run_training

    options = TrainOptions(
        models_dir=models_dir,
        truth=truth,
        cutoff=_parse_cutoff(cutoff),
        cutoff_quantile=cutoff_quantile,
        test_share=test_share,
        epochs=epochs,
        hidden=hidden,
        seed=seed,
        cache_dir=cache_dir,
        refresh=refresh,
        make_current=make_current,
    )
    result = run_training(options, typer.echo)
    typer.echo(f"Evaluated on {result['evaluated_on']}:")
    typer.echo(result["table"])
    typer.echo(
        f"Training took {result['train_seconds']:.0f} s "
        f"(building the dataset {result['dataset_seconds']:.0f} s)."
    )
    typer.echo(f"Model {result['version']} saved in {models_dir / result['version']}.")


def score(
    models_dir: ModelsDir = Path("models"),
    version: Annotated[
        str | None, typer.Option(help="Model version to use (default: the current one).")
    ] = None,
    cache_dir: CacheDir = None,
    refresh: Annotated[bool, typer.Option(help="Rebuild the dataset, ignoring the cache.")] = False,
) -> None:
    """Score every account with a stored model (the ensemble of the hybrid and GraphSAGE;
    GraphSAGE alone for versions without a hybrid) and write gnn_score and model_version on
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
