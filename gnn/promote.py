"""The promotion gate and the history of training and scoring runs.

A newly trained version becomes ``current`` only when its validation AUC-PR is not worse
than the current version's on the *same* split: both are loaded from the registry and run
through the same code (``registry.LoadedModel.predict``, the score ``ringwatch score``
writes) on the new dataset, and scored on the new split's validation accounts. Every
decision, with its reason, is appended to ``<models>/history.jsonl``, which the app's Runs
page shows; scoring runs append their drift report there too.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from gnn import dataset as D
from gnn import registry
from ringwatch.errors import RingwatchError

HISTORY = "history.jsonl"


@dataclass(frozen=True)
class Promotion:
    """Whether a new version was put in use, and why."""

    promoted: bool
    reason: str
    new_version: str
    current_version: str | None  # the version in use before the decision
    new_val_auc_pr: float
    current_val_auc_pr: float | None
    val_accounts: int
    val_positives: int


def validation_auc_pr(split: D.Split, scores: np.ndarray) -> float:
    """AUC-PR of ``scores`` on the split's validation accounts of non-zero label weight (the
    ones whose labels choose the epoch); NaN when they lack a positive or a negative."""
    from sklearn.metrics import average_precision_score

    mask = validation_mask(split)
    y = split.y[mask]
    if y.size == 0 or y.min() == y.max():
        return float("nan")
    return float(average_precision_score(y, np.asarray(scores)[mask]))


def validation_mask(split: D.Split) -> np.ndarray:
    weight = split.weight if split.weight is not None else np.ones(split.y.size)
    mask: np.ndarray = split.val & (np.asarray(weight) > 0)
    return mask


def decide(
    new_version: str,
    new_auc: float,
    current_version: str | None,
    current_auc: float | None,
    val_accounts: int,
    val_positives: int,
    current_problem: str = "",
) -> Promotion:
    """The rule (docs/gnn.md#promotion): promote when there is no usable current version, or
    when the new version's validation AUC-PR is at least the current one's; keep the current
    version when it is lower, or when the validation accounts cannot rank (no positive or no
    negative) and so cannot tell the two apart."""
    on = f"on the same {val_accounts:,} validation accounts ({val_positives} positives)"

    def result(promoted: bool, reason: str) -> Promotion:
        return Promotion(
            promoted,
            reason,
            new_version,
            current_version,
            new_auc,
            current_auc,
            val_accounts,
            val_positives,
        )

    if current_version is None:
        return result(True, "no current model: the first version is put in use")
    if current_problem:
        return result(True, f"the current model {current_version} cannot run: {current_problem}")
    if math.isnan(new_auc) or current_auc is None or math.isnan(current_auc):
        return result(
            False,
            f"kept {current_version}: the validation accounts have no positive or no negative, "
            "so the two models cannot be compared",
        )
    if new_auc >= current_auc:
        return result(
            True,
            f"validation AUC-PR {new_auc:.4f} is not worse than {current_version}'s "
            f"{current_auc:.4f} {on}",
        )
    return result(
        False,
        f"kept {current_version}: validation AUC-PR {new_auc:.4f} is worse than its "
        f"{current_auc:.4f} {on}",
    )


def model_scores(models_dir: Path, version: str, ds: D.GraphDataset) -> np.ndarray:
    """The score a stored version gives every account of ``ds`` (what scoring would write)."""
    model = registry.load(models_dir, version)
    return model.predict(D.to_data(ds, model.meta.normaliser))


def gate(models_dir: Path, new_version: str, ds: D.GraphDataset, split: D.Split) -> Promotion:
    """Compare ``new_version`` with ``current`` on ``split``; point ``current`` at the new
    version when the rule says so. The decision is returned, not yet recorded."""
    mask = validation_mask(split)
    val_accounts, val_positives = int(mask.sum()), int(split.y[mask].sum())
    new_auc = validation_auc_pr(split, model_scores(models_dir, new_version, ds))
    try:
        current: str | None = registry.current_version(models_dir)
    except RingwatchError:
        current = None
    current_auc, problem = None, ""
    if current is not None:
        try:
            current_auc = validation_auc_pr(split, model_scores(models_dir, current, ds))
        except RingwatchError as exc:  # e.g. trained on another feature list
            problem = str(exc)
    decision = decide(
        new_version, new_auc, current, current_auc, val_accounts, val_positives, problem
    )
    if decision.promoted:
        registry.set_current(models_dir, new_version)
    return decision


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(models_dir: Path, entry: dict[str, Any]) -> None:
    """Append one run (``kind``: train or score) to the history, stamped with the time."""
    models_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": now_iso(), **entry}, default=_plain)
    with (models_dir / HISTORY).open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def read_history(models_dir: Path) -> list[dict[str, Any]]:
    """Every recorded run, oldest first; unreadable lines are skipped."""
    path = models_dir / HISTORY
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def as_entry(promotion: Promotion) -> dict[str, Any]:
    return asdict(promotion)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def history_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history as table rows for the Runs page, newest first: per run its kind, model
    version, promote/keep decision and reason (training), accounts and flagged share
    (scoring), and the largest feature PSI with the features above the warning."""
    rows = []
    for e in reversed(entries):
        drift = e.get("drift") or {}
        mlflow = e.get("mlflow") or {}
        rows.append(
            {
                "at": e.get("at"),
                "kind": e.get("kind"),
                "version": e.get("version"),
                "decision": (
                    ("promoted" if e.get("promoted") else "kept current")
                    if e.get("kind") == "train"
                    else ""
                ),
                "reason": e.get("reason", ""),
                "val_auc_pr": e.get("new_val_auc_pr"),
                "current_val_auc_pr": e.get("current_val_auc_pr"),
                "flagged_share": drift.get("flagged_share"),
                "max_psi": drift.get("max_psi"),
                "drifted": ", ".join(drift.get("drifted", [])),
                "drift_against": drift.get("against"),
                "mlflow_version": mlflow.get("model_version"),
            }
        )
    return rows
