"""Ranking metrics for mule scores, and the one place that reads the ground-truth file.

``load_truth`` is called by ``gnn.pipeline`` after training has finished, to evaluate; dataset
building, features and training never call it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from ringwatch.errors import RingwatchError

COLUMNS = ("auc_pr", "roc_auc", "best_f1", "precision_at_100", "recall_at_1pct_fpr")


def evaluate(y_true: np.ndarray, scores: np.ndarray, k: int = 100) -> dict[str, float]:
    """AUC-PR, ROC-AUC, F1 at the best threshold, precision among the top ``k`` scores and
    recall at a 1% false-positive rate; NaN where a class is missing."""
    y = np.asarray(y_true, dtype=int)
    s = np.asarray(scores, dtype=float)
    out: dict[str, float] = {"n": float(y.size), "positives": float(y.sum())}
    if y.size == 0 or y.min() == y.max():
        return out | dict.fromkeys(COLUMNS, float("nan")) | {"best_threshold": float("nan")}
    precision, recall, thresholds = precision_recall_curve(y, s)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    best = int(np.argmax(f1[:-1])) if thresholds.size else 0
    fpr, tpr, _ = roc_curve(y, s)
    top = np.argsort(-s, kind="stable")[:k]
    out.update(
        auc_pr=float(average_precision_score(y, s)),
        roc_auc=float(roc_auc_score(y, s)),
        best_f1=float(f1[best]),
        best_threshold=float(thresholds[best]) if thresholds.size else float("nan"),
        precision_at_100=float(y[top].mean()),
        recall_at_1pct_fpr=float(tpr[fpr <= 0.01].max(initial=0.0)),
    )
    return out


def load_truth(path: Path) -> set[str]:
    """Account ids of planted ring members (``ground_truth_rings.csv``). Evaluation only."""
    try:
        frame = pd.read_csv(path, dtype=str)
    except (OSError, ValueError) as exc:
        raise RingwatchError(f"Cannot read the ground-truth file {path}: {exc}") from None
    if "id_usuario" not in frame:
        raise RingwatchError(
            f"{path} has no id_usuario column; pass ground_truth_rings.csv from "
            "`ringwatch generate`."
        )
    return set(frame["id_usuario"].dropna())


def table(results: dict[str, dict[str, float]]) -> str:
    """A markdown table, one row per model."""
    head = "| model | " + " | ".join(COLUMNS) + " | positives / n |"
    rule = "|---|" + "---:|" * (len(COLUMNS) + 1)
    rows = [head, rule]
    for name, m in results.items():
        cells = " | ".join(f"{m.get(c, float('nan')):.3f}" for c in COLUMNS)
        rows.append(f"| {name} | {cells} | {int(m['positives'])} / {int(m['n'])} |")
    return "\n".join(rows)
