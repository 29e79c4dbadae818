"""`ringwatch train` and `ringwatch score`: parse the flags, call ``gnn.pipeline`` or
``gnn.score``, print. torch and friends are imported inside the commands (the CLI imports
this module at start)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ringwatch.errors import RingwatchError

if TYPE_CHECKING:
    from gnn.pipeline import TrainOptions

log = logging.getLogger("ringwatch.train")

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
    threads: Annotated[
        int,
        typer.Option(
            help="Threads for torch and LightGBM. More than 1 pays only on idle cores: on a "
            "busy machine each thread waits for the others at every step."
        ),
    ] = 1,
    sampling: Annotated[
        str,
        typer.Option(
            help="GraphSAGE training: 'full' batch, neighbour-'sampled' mini-batches, or "
            "'auto': sampled when the training graph has more than 1,000,000 accounts "
            "(docs/gnn.md#mini-batches)."
        ),
    ] = "auto",
    cache_dir: CacheDir = None,
    refresh: Annotated[bool, typer.Option(help="Rebuild the dataset, ignoring the cache.")] = False,
    make_current: Annotated[
        bool,
        typer.Option(
            "--make-current/--no-make-current",
            help="Put the new version in use (through the promotion gate unless --no-gate).",
        ),
    ] = True,
    gate: Annotated[
        bool,
        typer.Option(
            help="Put it in use only when its validation AUC-PR is not worse than the current "
            "model's on the same split (docs/gnn.md#promotion)."
        ),
    ] = True,
    track: Annotated[
        bool,
        typer.Option(
            help="Log the run to MLflow and register the version (MLFLOW_TRACKING_URI, "
            "default: SQLite under RINGWATCH_VAR_DIR/mlflow)."
        ),
    ] = True,
    every: Annotated[
        str | None,
        typer.Option(
            help="Retrain at this interval until stopped (e.g. 1d, 12h); scores are "
            "refreshed after each promotion and a failed run does not stop the schedule."
        ),
    ] = None,
) -> None:
    """Train GraphSAGE, the hybrid (LightGBM over own and neighbourhood features) and the
    tabular baselines (LightGBM, MLP) on the bank's labels with a time-based inductive split;
    print and store AUC-PR, ROC-AUC, F1, precision@100 and recall at 1% FPR for each model
    and the ensemble of the hybrid and GraphSAGE in MODELS_DIR/<version>/metrics.json. The
    new version becomes `current` only through the promotion gate; every decision is kept
    in MODELS_DIR/history.jsonl (the app's Runs page)."""
    from gnn.pipeline import TrainOptions
    from gnn.tracking import tracking_uri
    from ringwatch.settings import load_settings

    settings = load_settings()
    options = TrainOptions(
        models_dir=models_dir,
        truth=truth,
        cutoff=_parse_cutoff(cutoff),
        cutoff_quantile=cutoff_quantile,
        test_share=test_share,
        epochs=epochs,
        hidden=hidden,
        seed=seed,
        threads=threads,
        sampling=sampling,
        cache_dir=cache_dir,
        refresh=refresh,
        make_current=make_current,
        gate=gate,
        tracking_uri=tracking_uri(settings) if track else None,
    )
    if every is None:
        _train_once(options)
        return
    from detectors.schedule import loop, parse_every

    seconds = parse_every(every)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(message)s")
    typer.echo(f"Training every {every}; stop with Ctrl-C.")
    try:
        loop(lambda: _scheduled_run(options), seconds)
    except KeyboardInterrupt:
        typer.echo("Stopped.")


def _scheduled_run(options: TrainOptions) -> None:
    """One scheduled training; a promotion refreshes every account's score. A failure is
    logged here (the loop goes on) and the next run tries again."""
    try:
        result = _train_once(options)
        if result["promotion"]["promoted"]:
            score(models_dir=options.models_dir, version=None, cache_dir=options.cache_dir)
    except Exception as exc:  # noqa: BLE001 - a scheduled run must never stop the loop
        log.error("training run failed: %s", exc, exc_info=not isinstance(exc, RingwatchError))


def _train_once(options: TrainOptions) -> dict[str, Any]:
    from gnn.pipeline import run_training

    models_dir = options.models_dir
    result = run_training(options, typer.echo)
    typer.echo(f"Evaluated on {result['evaluated_on']}:")
    typer.echo(result["table"])
    typer.echo(
        f"Training took {result['train_seconds']:.0f} s "
        f"(building the dataset {result['dataset_seconds']:.0f} s)."
    )
    typer.echo(f"Model {result['version']} saved in {models_dir / result['version']}.")
    promotion = result["promotion"]
    typer.echo(("Promoted: " if promotion["promoted"] else "Not promoted: ") + promotion["reason"])
    drifted = result["drift"]["drifted"]
    if drifted:
        typer.echo(
            f"Drift: PSI above {result['drift']['threshold']} for {', '.join(drifted)} "
            f"against {result['drift']['against']}'s training data."
        )
    return result


def score(
    models_dir: ModelsDir = Path("models"),
    version: Annotated[
        str | None, typer.Option(help="Model version to use (default: the current one).")
    ] = None,
    cache_dir: CacheDir = None,
    refresh: Annotated[bool, typer.Option(help="Rebuild the dataset, ignoring the cache.")] = False,
    model_version: Annotated[
        int | None,
        typer.Option(
            help="Use this version number of the model registered in MLflow "
            "(MLFLOW_TRACKING_URI) instead of a folder of MODELS_DIR."
        ),
    ] = None,
) -> None:
    """Score every account with a stored model (the ensemble of the hybrid and GraphSAGE;
    GraphSAGE alone for versions without a hybrid), write gnn_score and model_version on
    each Account node, and record a drift report in MODELS_DIR/history.jsonl."""
    from gnn.score import score_all
    from graph.gateway import Gateway
    from ringwatch.settings import load_settings

    settings = load_settings()
    source = models_dir
    if model_version is not None:
        if version is not None:
            raise RingwatchError("Give --version (a folder) or --model-version (MLflow), not both.")
        from gnn.tracking import fetch_version, tracking_uri

        source, version = fetch_version(
            tracking_uri(settings), model_version, models_dir / "from-mlflow"
        )
    with Gateway(settings) as gateway:
        gateway.verify()
        start = time.perf_counter()
        report, _ = score_all(
            gateway, source, cache_dir, version, refresh, say=typer.echo, history_dir=models_dir
        )
    typer.echo(
        f"Scored {report.accounts:,} accounts with model {report.version} "
        f"in {time.perf_counter() - start:.1f} s."
    )
    drift = report.drift or {}
    flagged = drift.get("flagged_share")
    if flagged is not None:
        typer.echo(f"Flagged (gnn_score >= 0.99): {flagged:.2%} of accounts.")
    if drift.get("drifted"):
        typer.echo(
            f"Drift: PSI above {drift['threshold']} for {', '.join(drift['drifted'])} "
            f"against {drift['against']}'s training data."
        )
