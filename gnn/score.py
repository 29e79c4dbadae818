"""Scoring: every account at once (``ringwatch score``), or a few new or changed accounts
(``score_accounts``, for the stream loader). Both write ``gnn_score`` and ``model_version``
with a batched UNWIND stored query.

The score is the hybrid's when the model version has one (``registry.LoadedModel.predict``),
else GraphSAGE's. Both are inductive: to score an account they need only the features of
its 2-hop neighbourhood (GraphSAGE: k = its number of layers, 2). ``score_accounts``
exports that neighbourhood (each account's neighbours capped at ``fanout``, as GraphSAGE's
neighbour sampling does), computes
the features with the same functions as training, and runs the model on it. The graph-wide
features (PageRank, community size) come from the latest full export's snapshot; accounts
it does not know get the values of a fresh account (PageRank 0.15, community of one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gnn import dataset as D
from gnn import drift, promote, registry
from gnn import features as F
from graph.gateway import Gateway, Graph

WRITE_BATCH = 20_000
DEFAULT_FANOUT = 200


def default_cache_dir(gateway: Gateway) -> Path:
    return gateway.settings.var_dir / "gnn"


def write_scores(
    gateway: Graph, ids: list[str], scores: np.ndarray, version: str, batch: int = WRITE_BATCH
) -> int:
    """Store scores on accounts in batches (parallel lists of ids and scores); returns how
    many accounts were sent."""
    for start in range(0, len(ids), batch):
        params = {
            "ids": list(ids[start : start + batch]),
            "scores": [float(s) for s in scores[start : start + batch]],
            "model_version": version,
        }
        gateway.query("gnn/write_scores", params)
    return len(ids)


@dataclass
class ScoreReport:
    version: str
    accounts: int
    drift: dict[str, Any] | None = None  # gnn.drift.DriftReport.as_dict()


def score_all(
    gateway: Gateway,
    models_dir: Path,
    cache_dir: Path | None = None,
    version: str | None = None,
    refresh: bool = False,
    write: bool = True,
    say: Callable[[str], object] = print,
    history_dir: Path | None = None,
) -> tuple[ScoreReport, pd.Series]:
    """Score every account with a stored model (default: current) and write the scores; when
    written, record the run with its drift report (features against the model's training
    data, share of flagged accounts) in ``history_dir`` (default ``models_dir``)."""
    import torch

    model = registry.load(models_dir, version)
    torch.set_num_threads(model.meta.config.get("threads", 1))
    concurrency = gateway.settings.gds_concurrency
    ds = D.load_dataset(gateway, cache_dir or default_cache_dir(gateway), refresh, concurrency, say)
    began = time.monotonic()
    scores = model.predict(D.to_data(ds, model.meta.normaliser))
    say(f"score: {len(ds.ids):,} accounts scored in {time.monotonic() - began:.1f} s")
    values = pd.DataFrame(F.transform(ds.features), columns=list(F.FEATURES))
    ref = drift.load_reference(models_dir / model.meta.version)
    report = drift.report(ref, values, model.meta.version, scores).as_dict()
    if write:
        began = time.monotonic()
        write_scores(gateway, ds.ids, scores, model.meta.version)
        say(f"score: {len(ds.ids):,} scores written in {time.monotonic() - began:.1f} s")
        promote.record(
            history_dir or models_dir,
            {"kind": "score", "version": model.meta.version, "accounts": len(ds.ids),
             "drift": report},
        )  # fmt: skip
    result = ScoreReport(model.meta.version, len(ds.ids), report)
    return result, pd.Series(scores, index=ds.ids)


def neighbourhood(
    gateway: Graph, ids: Iterable[str], hops: int, fanout: int = DEFAULT_FANOUT
) -> list[str]:
    """The accounts within ``hops`` hops of ``ids`` in the account graph (ids included)."""
    seen = set(ids)
    frontier = sorted(seen)
    for _ in range(hops):
        if not frontier:
            break
        params = {"ids": frontier, "fanout": fanout}
        rows = gateway.query("gnn/neighbours", params, mode="read").rows
        found = {r["id_usuario"] for r in rows}
        frontier = sorted(found - seen)
        seen |= found
    return sorted(seen)


def export_neighbourhood(
    gateway: Graph, ball: list[str], gds_snapshot: pd.DataFrame | None
) -> F.RawGraph:
    """Everything the features of the accounts in ``ball`` need, in a few bulk queries."""
    accounts = F.export_accounts(gateway, ball)
    rows = gateway.query("gnn/transfers_of", {"ids": ball}, mode="read").rows
    transfers = F._frame(rows, F.TRANSFER_COLUMNS).drop_duplicates("id_transacao")
    links = F.export_links(gateway, ball)
    devices = sorted(set(links["device"]))
    users = pd.DataFrame(device_users(gateway, devices), columns=["device", "id_usuario", "holder"])
    holders = F.holders_per_device(
        users[["device", "id_usuario"]],
        users[["id_usuario", "holder"]].drop_duplicates("id_usuario"),
    )
    gds = pd.DataFrame(columns=F.GDS_COLUMNS)
    if gds_snapshot is not None and not gds_snapshot.empty:
        gds = gds_snapshot[gds_snapshot["id_usuario"].isin(ball)].copy()
        gds["gds_degree"] = np.nan  # recomputed exactly from the current transfers
    return F.RawGraph(accounts, transfers, links, holders, gds, F.reference_time(gateway))


def device_users(gateway: Graph, devices: list[str]) -> list[dict[str, Any]]:
    """The accounts registered on or logged in from ``devices``, with their holders."""
    if not devices:
        return []
    return gateway.query("gnn/device_users", {"devices": devices}, mode="read").rows


@lru_cache(maxsize=4)
def _cached_model(models_dir: Path, version: str) -> registry.LoadedModel:
    return registry.load(models_dir, version)


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@lru_cache(maxsize=2)
def _cached_snapshot(path: Path, mtime: float) -> pd.DataFrame | None:
    return pd.read_parquet(path) if mtime else None


def score_accounts(
    gateway: Gateway,
    account_ids: Iterable[str],
    models_dir: Path = Path("models"),
    cache_dir: Path | None = None,
    fanout: int = DEFAULT_FANOUT,
    write: bool = True,
) -> dict[str, float]:
    """Score new or changed accounts with the current model and (by default) write
    ``gnn_score``/``model_version`` on them; returns {id_usuario: score}. Unknown ids are
    skipped."""
    import torch

    targets = sorted(set(account_ids))
    if not targets:
        return {}
    model = _cached_model(models_dir, registry.current_version(models_dir))
    torch.set_num_threads(model.meta.config.get("threads", 1))
    hops = int(model.meta.config.get("layers", 2))
    ball = neighbourhood(gateway, targets, hops, fanout)
    snapshot_path = (cache_dir or default_cache_dir(gateway)) / "gds-latest.parquet"
    snapshot = _cached_snapshot(snapshot_path, _mtime(snapshot_path))
    raw = export_neighbourhood(gateway, ball, snapshot)
    known = sorted(set(raw.accounts["id_usuario"]))
    if not known:
        return {}
    feats = F.build_features(raw, known)
    edge_index, edge_type = D.build_edges(raw.transfers, raw.links, pd.Index(known))
    ds = D.GraphDataset(known, feats, edge_index, edge_type, pd.DataFrame(), "")
    scores = pd.Series(model.predict(D.to_data(ds, model.meta.normaliser)), index=known)
    scored = scores.reindex([t for t in targets if t in scores.index])
    if write and len(scored):
        write_scores(gateway, list(scored.index), scored.to_numpy(), model.meta.version)
    return {k: float(v) for k, v in scored.items()}
