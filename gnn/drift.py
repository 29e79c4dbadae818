"""Drift: how far a new population of accounts has moved from the one a model was trained on.

Per feature, the population stability index (PSI) of the new accounts' values against the
training accounts', over the training values' deciles (stored with each model as
``drift_reference.json``), plus the share of accounts the model flags. PSI below 0.1 is
usually read as stable, 0.1-0.2 as a moderate shift, above 0.2 as a shift worth acting on
(retrain, or check the data): ``PSI_WARNING``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PSI_WARNING = 0.2  # a feature whose PSI exceeds this has drifted (docs/gnn.md#drift)
BINS = 10  # deciles of the training values
FLOOR = 1e-4  # empty bins count as this share, so PSI stays finite
FLAG_RANK = 0.99  # gnn_score at or above it: among the top 1% of the training population


def bin_edges(values: np.ndarray, bins: int = BINS) -> np.ndarray:
    """The inner edges of ``bins`` quantile bins of ``values`` (ties merged, so a feature
    that is mostly 0 gets fewer, wider bins)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return np.array([])
    return np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))


def shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of ``values`` in each bin: below the first edge, between edges (lower edge
    included), at or above the last; missing values are left out."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=edges.size + 1)
    result: np.ndarray = counts / max(finite.size, 1)
    return result


def psi(expected: np.ndarray, actual: np.ndarray, floor: float = FLOOR) -> float:
    """Population stability index of two bin-share vectors:
    sum over bins of (actual - expected) * ln(actual / expected); 0 when they are equal."""
    e = np.maximum(np.asarray(expected, dtype=float), floor)
    a = np.maximum(np.asarray(actual, dtype=float), floor)
    return float(np.sum((a - e) * np.log(a / e)))


def reference(features: pd.DataFrame, bins: int = BINS) -> dict[str, dict[str, list[float]]]:
    """Per feature, the training values' bin edges and shares (stored with the model)."""
    out = {}
    for name in features.columns:
        values = features[name].to_numpy(dtype=float)
        edges = bin_edges(values, bins)
        out[name] = {"edges": edges.tolist(), "shares": shares(values, edges).tolist()}
    return out


@dataclass
class DriftReport:
    """PSI per feature against a model's training data, and the share of flagged accounts."""

    against: str  # the model version whose training data is the reference
    accounts: int
    psi: dict[str, float]
    flagged_share: float | None = None  # None when not meaningful (see docs/gnn.md#drift)
    threshold: float = PSI_WARNING
    drifted: list[str] = field(default_factory=list)

    @property
    def max_psi(self) -> float:
        return max(self.psi.values(), default=0.0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"max_psi": self.max_psi}


def report(
    ref: dict[str, dict[str, list[float]]],
    features: pd.DataFrame,
    against: str,
    scores: np.ndarray | None = None,
    threshold: float = PSI_WARNING,
) -> DriftReport:
    """PSI of every referenced feature of ``features`` (same transform as the reference) and,
    given the model's scores of these accounts, the share at or above ``FLAG_RANK``."""
    values = {
        name: round(
            psi(
                np.asarray(r["shares"]),
                shares(features[name].to_numpy(dtype=float), np.asarray(r["edges"])),
            ),
            4,
        )
        for name, r in ref.items()
        if name in features
    }
    flagged = None if scores is None else float(np.mean(np.asarray(scores) >= FLAG_RANK))
    drifted = sorted((n for n, v in values.items() if v > threshold), key=lambda n: -values[n])
    return DriftReport(against, len(features), values, flagged, threshold, drifted)


REFERENCE_FILE = "drift_reference.json"


def save_reference(folder: Path, ref: dict[str, dict[str, list[float]]]) -> None:
    (folder / REFERENCE_FILE).write_text(json.dumps(ref))


def has_reference(folder: Path) -> bool:
    return (folder / REFERENCE_FILE).is_file()


def load_reference(folder: Path) -> dict[str, dict[str, list[float]]]:
    """A model version's training-data bins (versions saved before drift reports have none:
    an empty reference, so their reports are empty)."""
    if not has_reference(folder):
        return {}
    ref: dict[str, dict[str, list[float]]] = json.loads((folder / REFERENCE_FILE).read_text())
    return ref
