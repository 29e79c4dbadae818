"""The engine's state from Neo4j: rebuilt once at start, caches refreshed when stale.

``build_state(graph, history)`` reads who owns each key, each account's opening date and limits,
devices, the logins and transfers of the last ``history`` (event time, counted back from the
latest transfer in the graph) and the receivers opened in the last 30 days with their
senders, then ``load_caches`` adds rings, scores, confirmed fraud and the current model.
``Refresher`` tells when the caches are stale: a new finished ``DetectionRun``, a new
decision or fraud record, or another current model version under ``models/``. All of it
runs at start or in the background, never per transfer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from decide.state import (
    YOUNG_ACCOUNT_DAYS,
    Caches,
    Membership,
    ModelInfo,
    State,
    to_time,
)
from graph.gateway import Graph

log = logging.getLogger("ringwatch.decide")
_STATUS_ORDER = {"confirmed": 0, "escalated": 1, "open": 2, "dismissed": 3}


@dataclass(frozen=True)
class RebuildReport:
    now: datetime | None
    accounts: int
    keys: int
    transfers: int
    logins: int
    seconds: float = 0.0


def build_state(
    graph: Graph, history: timedelta, models_dir: Path | None = None
) -> tuple[State, RebuildReport]:
    """A fresh state from the graph, and what went into it."""
    state = State(history=max(history, timedelta(hours=24)))
    now_rows = graph.query("decide/now", mode="read").rows
    now = to_time(now_rows[0]["now"]) if now_rows else None
    accounts = graph.query("decide/accounts", mode="read").columns()
    for user, document, opened, daily, per_transfer in zip(
        accounts["id_usuario"],
        accounts["cpf_cnpj"],
        accounts["opened"],
        accounts["daily_limit"],
        accounts["per_transfer_limit"],
        strict=True,
    ):
        account = state.account(user)
        account.opened = to_time(opened)
        if document is not None:
            state.by_document[document] = user
            account.individual = len(document) == 11
        account.daily_limit = None if daily is None else float(daily)
        account.per_transfer_limit = None if per_transfer is None else float(per_transfer)
    keys = graph.query("decide/keys", mode="read").columns()
    state.keys.update(zip(keys["chave"], keys["cpf_cnpj"], strict=True))
    devices = graph.query("decide/devices", mode="read").columns()
    for user, device, registered in zip(
        devices["id_usuario"], devices["id_dispositivo"], devices["registered"], strict=True
    ):
        state.register_device(user, device, to_time(registered))
    transfers = logins = 0
    if now is not None:
        since = now - state.history - timedelta(minutes=5)
        rows = graph.query("decide/recent_logins", {"since": since}, mode="read").columns()
        for user, device, at in zip(
            rows["id_usuario"], rows["id_dispositivo"], rows["at"], strict=True
        ):
            state.login(user, device, to_time(at))
        logins = len(rows.get("id_usuario", []))
        rows = graph.query("decide/recent_transfers", {"since": since}, mode="read").columns()
        for transfer_id, sender, at, valor in zip(
            rows["id_transacao"], rows["sender"], rows["at"], rows["valor"], strict=True
        ):
            state.remember_sent(sender, to_time(at) or now, round(float(valor) * 100), transfer_id)
        transfers = len(rows.get("id_transacao", []))
        young = now - timedelta(days=YOUNG_ACCOUNT_DAYS)
        rows = graph.query("decide/young_receivers", {"since": young}, mode="read").columns()
        for user, senders in zip(rows["id_usuario"], rows["senders"], strict=True):
            state.account(user).senders = set(senders)
    state.caches = load_caches(graph, models_dir)
    report = RebuildReport(now, len(state.accounts), len(state.keys), transfers, logins)
    return state, report


def load_caches(graph: Graph, models_dir: Path | None = None) -> Caches:
    """Rings, scores, confirmed fraud per receiver and the current model, read now."""
    caches = Caches(model=model_info(models_dir))
    rings = graph.query("decide/ring_members", mode="read").columns()
    for user, ring_id, status, kind, score in zip(
        rings["id_usuario"],
        rings["ring_id"],
        rings["status"],
        rings["kind"],
        rings["score"],
        strict=True,
    ):
        found = Membership(ring_id, status or "open", kind or "ring", float(score))
        held = caches.rings.get(user)
        if held is None or _rank(found) < _rank(held):
            caches.rings[user] = found
    scores = graph.query("decide/scores", mode="read").columns()
    caches.scores = {
        user: float(score)
        for user, score in zip(scores["id_usuario"], scores["gnn_score"], strict=True)
    }
    frauds = graph.query("decide/fraud_receivers", mode="read").columns()
    caches.frauds = {
        user: int(cases) for user, cases in zip(frauds["id_usuario"], frauds["cases"], strict=True)
    }
    return caches


def _rank(membership: Membership) -> tuple[int, float]:
    return _STATUS_ORDER.get(membership.status, 9), -membership.score


def model_info(models_dir: Path | None) -> ModelInfo:
    """The current model's version and threshold: the best-F1 threshold of the score it
    writes (the ensemble when it has one, else GraphSAGE) in its ``metrics.json``."""
    if models_dir is None:
        return ModelInfo()
    pointer = models_dir / "current"
    try:
        version = pointer.read_text().strip()
        metrics: dict[str, Any] = json.loads((models_dir / version / "metrics.json").read_text())
    except (OSError, ValueError):
        return ModelInfo()
    models = metrics.get("models") or {}
    for name in ("ensemble", "graphsage"):
        threshold = (models.get(name) or {}).get("best_threshold")
        if isinstance(threshold, int | float) and threshold == threshold:  # not NaN
            return ModelInfo(version, float(threshold))
    return ModelInfo(version, None)


class Refresher:
    """Tells when the cached rings, scores and fraud cases are stale."""

    def __init__(self, graph: Graph, models_dir: Path | None) -> None:
        self.graph, self.models_dir = graph, models_dir
        self.seen = self._fingerprint()

    def _fingerprint(self) -> tuple[Any, ...]:
        row = self.graph.query("decide/versions", mode="read").rows[0]
        return row["last_run"], row["decisions"], row["frauds"], model_info(self.models_dir)

    def stale(self) -> bool:
        """True (once) when something the caches hold has changed since the last call."""
        now = self._fingerprint()
        if now == self.seen:
            return False
        self.seen = now
        return True
