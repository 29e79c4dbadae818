"""Tabular baseline a bank would otherwise use: gradient-boosted trees (LightGBM) on the same
features and split as GraphSAGE. (The features-only MLP is ``gnn.model.FeatureMLP``, trained
by ``gnn.train.fit`` like GraphSAGE.)"""

from __future__ import annotations

from typing import Any

import numpy as np

MIN_VAL_POSITIVES = 10


def fit_lightgbm(graph: Any, seed: int = 7, threads: int = 1) -> Any:
    """Fit LightGBM on the training graph's labelled nodes. It is early-stopped on the
    validation nodes only when they hold at least ``MIN_VAL_POSITIVES`` positives (fewer make
    the stopping point noise). No class weight: a weight of hundreds makes the trees memorise
    the positives, and the metrics are rank-based anyway. Positives of weight 0 (too few
    confirmed cases, ``dataset.label_weights``) are left out. The settings were chosen on
    validation AUC-PR at scale 20 (see docs/benchmarks.md, GNN)."""

    usable = graph.weight.numpy() > 0 if getattr(graph, "weight", None) is not None else True
    fit_mask = (graph.train_mask & ~graph.val_mask).numpy() & usable
    val_mask = graph.val_mask.numpy() & usable
    return fit_lightgbm_arrays(graph.x.numpy(), graph.y.numpy(), fit_mask, val_mask, seed, threads)


def fit_lightgbm_arrays(
    x: np.ndarray,
    y: np.ndarray,
    fit_mask: np.ndarray,
    val_mask: np.ndarray,
    seed: int = 7,
    threads: int = 1,
    n_estimators: int = 1000,
) -> Any:
    """LightGBM on rows ``fit_mask`` of ``x``, early-stopped on rows ``val_mask`` when they
    hold at least ``MIN_VAL_POSITIVES`` positives (else ``n_estimators`` trees)."""
    import lightgbm as lgb

    model = lgb.LGBMClassifier(
        n_estimators=n_estimators,
        learning_rate=0.02,
        num_leaves=15,
        min_child_samples=50,
        reg_lambda=1.0,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        random_state=seed,
        n_jobs=threads,
        deterministic=True,
        force_col_wise=True,
        verbose=-1,
    )
    if MIN_VAL_POSITIVES <= y[val_mask].sum() < val_mask.sum():
        model.fit(
            x[fit_mask],
            y[fit_mask],
            eval_X=x[val_mask],
            eval_y=y[val_mask],
            eval_metric="average_precision",
            callbacks=[lgb.early_stopping(100, verbose=False)],
        )
    else:
        model.fit(x[fit_mask], y[fit_mask])
    return model


def predict_lightgbm(model: Any, x: np.ndarray, threads: int = 1) -> np.ndarray:
    """Mule probability of each row of ``x`` (a fitted classifier, or a booster loaded from
    a saved model file, which would otherwise use every core: see ``gnn.train.THREADS``)."""
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(x, num_threads=threads)[:, 1])
    return np.asarray(model.predict(x, num_threads=threads))
