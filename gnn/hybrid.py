"""The hybrid graph model: gradient-boosted trees over each account's own features plus what
its neighbourhood looks like (``gnn.neighbours``), in two stages.

1. Stage 1 is LightGBM on the account's own features. Its scores for the accounts it was
   fitted on are taken out of fold (k-fold), so a training mule's score is not its label
   read back.
2. Stage 2 is LightGBM on the own features, the mean/max of the neighbours' features per
   relation and over 2-step walks, and the mean/max of the neighbours' stage-1 scores: "is
   this account paid by, paying, or sharing a device with accounts that look like mules?"

Plain functions and a dataclass (no torch): fit, then predict on the whole graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gnn import baselines
from gnn import neighbours as N

FOLDS = 3


@dataclass
class Hybrid:
    """The two fitted stages and the names of stage 2's input columns."""

    stage1: Any
    stage2: Any
    columns: list[str]


def out_of_fold(
    model: Any,
    scores: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    fit_mask: np.ndarray,
    seed: int = 7,
    threads: int = 1,
    folds: int = FOLDS,
) -> np.ndarray:
    """Stage 1's ``scores`` of every node (``model``, fitted on ``fit_mask``), with those of
    the nodes in ``fit_mask`` replaced by the score of a model that did not see them
    (``folds``-fold, with the full model's number of trees)."""
    from sklearn.model_selection import StratifiedKFold

    scores = scores.copy()
    trees = int(model.best_iteration_ or model.n_estimators)
    idx = np.flatnonzero(fit_mask)
    if y[idx].sum() < folds:
        return scores
    none = np.zeros_like(fit_mask)
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(idx, y[idx])
    for keep, held in splits:
        part = np.zeros_like(fit_mask)
        part[idx[keep]] = True
        m = baselines.fit_lightgbm_arrays(x, y, part, none, seed, threads, n_estimators=trees)
        scores[idx[held]] = baselines.predict_lightgbm(m, x[idx[held]], threads)
    return scores


def stage2_inputs(
    x: np.ndarray,
    names: list[str],
    edge_index: np.ndarray,
    edge_type: np.ndarray,
    stage1_scores: np.ndarray,
    aggregates: tuple[np.ndarray, list[str]] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Own features, neighbourhood aggregates and neighbours' stage-1 scores, side by side,
    in one float32 matrix. ``aggregates``: ``neighbours.aggregate_features`` of the same
    graph, when already built; else they are written straight into their columns."""
    agg_names = aggregates[1] if aggregates else N.aggregate_names(names)
    sc, sc_names = N.score_features(stage1_scores, edge_index, edge_type)
    nx, na = x.shape[1], len(agg_names)
    inputs = np.empty((x.shape[0], nx + na + sc.shape[1]), dtype=np.float32)
    inputs[:, :nx] = x
    if aggregates:
        inputs[:, nx : nx + na] = aggregates[0]
    else:
        N.aggregate_features(x, names, edge_index, edge_type, out=inputs[:, nx : nx + na])
    inputs[:, nx + na :] = sc
    return inputs, list(names) + agg_names + sc_names


def fit_hybrid(
    x: np.ndarray,
    names: list[str],
    y: np.ndarray,
    fit_mask: np.ndarray,
    val_mask: np.ndarray,
    edge_index: np.ndarray,
    edge_type: np.ndarray,
    seed: int = 7,
    threads: int = 1,
    stage1: Any | None = None,
) -> tuple[Hybrid, np.ndarray]:
    """Fit both stages on the labelled rows ``fit_mask`` (early stopping on ``val_mask``);
    returns the model and its score of every node of this graph (``predict_hybrid``'s,
    without building the neighbourhood aggregates twice). ``stage1``: stage 1 already
    fitted with ``baselines.fit_lightgbm_arrays`` on the same rows, to reuse."""
    if stage1 is None:
        stage1 = baselines.fit_lightgbm_arrays(x, y, fit_mask, val_mask, seed, threads)
    full = baselines.predict_lightgbm(stage1, x, threads)
    s1 = out_of_fold(stage1, full, x, y, fit_mask, seed, threads)
    aggregates = N.aggregate_features(x, names, edge_index, edge_type)
    inputs, columns = stage2_inputs(x, names, edge_index, edge_type, s1, aggregates)
    stage2 = baselines.fit_lightgbm_arrays(inputs, y, fit_mask, val_mask, seed, threads)
    inputs, _ = stage2_inputs(x, names, edge_index, edge_type, full, aggregates)
    return Hybrid(stage1, stage2, columns), baselines.predict_lightgbm(stage2, inputs, threads)


def predict_hybrid(
    model: Hybrid,
    x: np.ndarray,
    names: list[str],
    edge_index: np.ndarray,
    edge_type: np.ndarray,
    threads: int = 1,
) -> np.ndarray:
    """Mule probability of every node of a graph (scoring: stage 1 scores every node)."""
    s1 = baselines.predict_lightgbm(model.stage1, x, threads)
    inputs, _ = stage2_inputs(x, names, edge_index, edge_type, s1)
    return baselines.predict_lightgbm(model.stage2, inputs, threads)
