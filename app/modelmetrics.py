"""Model metrics for the Runs page: ``models/<version>/metrics.json`` written by the GNN, and
``models/current`` naming the version in use (a symlink to the version's folder, or a text
file holding its name). Pure file reading; the page draws the charts."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ModelInfo:
    version: str
    metrics: dict[str, Any]
    current: bool


def current_version(models_dir: Path) -> str | None:
    """The version ``models/current`` points at, or None."""
    pointer = models_dir / "current"
    if pointer.is_symlink() or pointer.is_dir():
        return pointer.resolve().name
    if pointer.is_file():
        text = pointer.read_text(encoding="utf-8").strip()
        return Path(text).name if text else None
    return None


def list_models(models_dir: Path) -> tuple[list[ModelInfo], list[str]]:
    """Every version with a readable metrics.json (oldest first by file time) and problems."""
    if not models_dir.is_dir():
        return [], []
    current = current_version(models_dir)
    found: list[tuple[float, ModelInfo]] = []
    problems: list[str] = []
    for folder in models_dir.iterdir():
        path = folder / "metrics.json"
        if folder.name == "current" or not path.is_file():
            continue
        try:
            metrics = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        if not isinstance(metrics, dict):
            problems.append(f"{path}: not a JSON object")
            continue
        found.append(
            (path.stat().st_mtime, ModelInfo(folder.name, metrics, folder.name == current))
        )
    return [m for _, m in sorted(found, key=lambda t: (t[0], t[1].version))], problems


def scalars(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric values of a nested metrics object, keyed by dotted path."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            out[name] = float(value)
        elif isinstance(value, dict):
            out.update(scalars(value, f"{name}."))
    return out


def series(metrics: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Lists of records with numeric fields (e.g. a per-epoch history), as DataFrames."""
    out: dict[str, pd.DataFrame] = {}
    for key, value in metrics.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            frame = pd.DataFrame(value)
            numeric = frame.select_dtypes("number")
            if not numeric.empty:
                out[key] = frame
    return out


def run_table(runs: list[dict[str, Any]]) -> pd.DataFrame:
    """Detection runs as one row each: JSON ``counts`` become columns, durations in seconds."""
    rows = []
    for run in runs:
        row = dict(run)
        for field in ("counts", "parameters"):
            value = row.get(field)
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    row[field] = json.loads(value)
        counts = row.pop("counts", None)
        if isinstance(counts, dict):
            for k, v in counts.items():
                row[f"count.{k}"] = v
        elif counts is not None:
            row["counts"] = str(counts)
        if isinstance(row.get("parameters"), dict | list):
            row["parameters"] = json.dumps(row["parameters"], sort_keys=True)
        started, ended = row.get("started"), row.get("ended")
        if started is not None and ended is not None:
            with contextlib.suppress(TypeError, ValueError):
                row["seconds"] = (pd.Timestamp(ended) - pd.Timestamp(started)).total_seconds()
        rows.append(row)
    frame = pd.DataFrame(rows)
    first = [c for c in ("run_id", "started", "ended", "seconds", "outcome") if c in frame]
    return frame[first + [c for c in frame.columns if c not in first]]
