"""MLflow as experiment tracker and model registry, beside the file registry (``gnn.registry``),
which stays the source of truth for what is in use (docs/gnn.md#mlflow).

Every training run becomes an MLflow run (parameters, the metrics of every model, the model
card and the whole version folder as artefacts) and a version of the registered model
``MODEL_NAME``, aliased ``current`` when the promotion gate put it in use. The store is
``Settings.mlflow_tracking_uri`` (``MLFLOW_TRACKING_URI``), by default a SQLite file under
``RINGWATCH_VAR_DIR/mlflow/``. mlflow is imported only here, inside the functions, with its
telemetry off: it never reaches the network unless the URI names a server.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ringwatch.errors import RingwatchError

EXPERIMENT = "ringwatch-gnn"
MODEL_NAME = "ringwatch-mule-score"
ALIAS = "current"
ARTIFACT_PATH = "model"  # the version folder's place in the run's artefacts


@dataclass(frozen=True)
class Tracked:
    run_id: str
    model_version: int
    uri: str


def default_uri(var_dir: Path) -> str:
    """The local store: a SQLite file under ``var_dir/mlflow`` (artefacts beside it)."""
    return f"sqlite:///{(var_dir / 'mlflow' / 'mlflow.db').resolve()}"


def tracking_uri(settings: Any) -> str:
    """``MLFLOW_TRACKING_URI`` when set, else the local SQLite store."""
    configured: str | None = getattr(settings, "mlflow_tracking_uri", None)
    return configured or default_uri(settings.var_dir)


def _client(uri: str) -> Any:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    import logging

    from mlflow.tracking import MlflowClient

    for name in ("mlflow", "alembic"):  # after the import: mlflow sets its own level on import
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _experiment(client: Any, uri: str) -> str:
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        return str(found.experiment_id)
    location = None
    if uri.startswith("sqlite:///"):  # a local store keeps artefacts next to its database
        folder = Path(uri.removeprefix("sqlite:///")).parent / "artifacts"
        location = folder.resolve().as_uri()
    return str(client.create_experiment(EXPERIMENT, artifact_location=location))


def flat_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """The numbers worth charting: every model's evaluation (``<model>.<metric>``), timings,
    split sizes, validation AUC-PRs and the promotion's comparison; NaN left out."""
    out: dict[str, float] = {}
    for model, values in metrics.get("models", {}).items():
        for key, value in values.items():
            out[f"{model}.{key}"] = float(value)
    for key in ("train_seconds", "dataset_seconds", "train_accounts", "train_positives"):
        if key in metrics:
            out[key] = float(metrics[key])
    out["test_accounts"] = float(metrics.get("test_accounts", math.nan))
    for key, value in metrics.get("best_val_auc_pr", {}).items():
        out[f"best_val_auc_pr.{key}"] = float(value)
    promotion = metrics.get("promotion") or {}
    for key in ("new_val_auc_pr", "current_val_auc_pr"):
        if promotion.get(key) is not None:
            out[f"gate.{key}"] = float(promotion[key])
    drift = metrics.get("drift") or {}
    if drift.get("max_psi") is not None:
        out["drift.max_psi"] = float(drift["max_psi"])
    return {k: v for k, v in out.items() if math.isfinite(v)}


def log_training(
    uri: str, folder: Path, metrics: dict[str, Any], params: dict[str, Any]
) -> Tracked:
    """One MLflow run for a saved version folder, registered as a new model version; the
    alias ``current`` follows the promotion gate's decision."""
    client = _client(uri)
    experiment = _experiment(client, uri)
    version = str(metrics["version"])
    promoted = bool((metrics.get("promotion") or {}).get("promoted", False))
    run = client.create_run(experiment, run_name=version, tags={"ringwatch.version": version})
    run_id = run.info.run_id
    try:
        from mlflow.entities import Metric, Param

        stamp = int(run.info.start_time)
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, stamp, 0) for k, v in sorted(flat_metrics(metrics).items())],
            params=[Param(k, str(v)[:6000]) for k, v in sorted(params.items())],
            tags=[],
        )
        client.set_tag(run_id, "ringwatch.promoted", str(promoted).lower())
        reason = str((metrics.get("promotion") or {}).get("reason", ""))
        client.set_tag(run_id, "ringwatch.promotion_reason", reason[:5000])
        client.log_artifacts(run_id, str(folder), ARTIFACT_PATH)
        client.set_terminated(run_id, "FINISHED")
    except Exception:
        client.set_terminated(run_id, "FAILED")
        raise
    if client.search_registered_models(f"name = '{MODEL_NAME}'") == []:
        client.create_registered_model(MODEL_NAME)
    registered = client.create_model_version(
        MODEL_NAME,
        source=f"{run.info.artifact_uri}/{ARTIFACT_PATH}",
        run_id=run_id,
        tags={"ringwatch.version": version, "ringwatch.promoted": str(promoted).lower()},
    )
    if promoted:
        client.set_registered_model_alias(MODEL_NAME, ALIAS, registered.version)
    return Tracked(run_id, int(registered.version), uri)


def fetch_version(uri: str, number: int, dest: Path) -> tuple[Path, str]:
    """Download registered model version ``number`` into ``dest`` as a file-registry folder;
    returns (models folder, ringwatch version) for ``registry.load``."""
    client = _client(uri)
    try:
        mv = client.get_model_version(MODEL_NAME, str(number))
    except Exception as exc:  # mlflow raises its own exception type for a missing version
        raise RingwatchError(
            f"No version {number} of {MODEL_NAME} in the MLflow registry at {uri}: list them "
            "with `mlflow ui` or train one with `ringwatch train`."
        ) from exc
    version = str(mv.tags.get("ringwatch.version") or f"mlflow-{number}")
    target = dest / version
    if not (target / "meta.json").exists():
        from mlflow.artifacts import download_artifacts

        dest.mkdir(parents=True, exist_ok=True)
        tmp = dest / f".{version}.download"
        shutil.rmtree(tmp, ignore_errors=True)
        download_artifacts(
            run_id=mv.run_id, artifact_path=ARTIFACT_PATH, dst_path=str(tmp), tracking_uri=uri
        )
        (tmp / ARTIFACT_PATH).replace(target)
        shutil.rmtree(tmp, ignore_errors=True)
    return dest, version
