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

import gc
import json
import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
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
from graph.gateway import Graph, Result

log = logging.getLogger("ringwatch.decide")
_STATUS_ORDER = {"confirmed": 0, "escalated": 1, "open": 2, "dismissed": 3}
_READERS = 4  # queries in flight at once while the state is rebuilt


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
    """A fresh state from the graph, and what went into it.

    The queries run side by side on a few threads (Neo4j works on one while the driver
    decodes another); the big ones return one record of lists with times as text, which
    the driver decodes several times faster than a record per row. The rows are applied
    in one fixed order on the calling thread, so the state does not depend on which query
    finished first."""
    state = State(history=max(history, timedelta(hours=24)))
    with ThreadPoolExecutor(max_workers=_READERS, thread_name_prefix="decide-rebuild") as pool:

        def read(name: str, params: dict[str, Any] | None = None) -> Future[Result]:
            return pool.submit(graph.query, f"decide/{name}", params, mode="read")

        now_rows, accounts, keys, devices = (
            read("now"),
            read("accounts"),
            read("keys"),
            read("devices"),
        )
        caches = pool.submit(load_caches, graph, models_dir)
        found = now_rows.result().rows
        now = to_time(found[0]["now"]) if found else None
        recent: dict[str, Future[Result]] = {}
        if now is not None:
            since = now - state.history - timedelta(minutes=5)
            recent["logins"] = read("recent_logins", {"since": since})
            recent["transfers"] = read("recent_transfers", {"since": since})
            young = now - timedelta(days=YOUNG_ACCOUNT_DAYS)
            recent["young"] = read("young_receivers", {"since": young})
        with _collector_paused():
            _apply_accounts(state, _listed(accounts, "accounts"))
            state.keys.update(_listed(keys, "keys"))  # [key, document] pairs
            for user, device, registered in _listed(devices, "devices"):
                state.register_device(user, device, text_time(registered))
            transfers = logins = 0
            if now is not None:
                rows = _listed(recent["logins"], "logins")
                for user, device, at in rows:
                    state.login(user, device, text_time(at))
                logins = len(rows)
                rows = _listed(recent["transfers"], "transfers")
                for transfer_id, sender, at, valor in rows:
                    state.remember_sent(
                        sender, text_time(at) or now, round(float(valor) * 100), transfer_id
                    )
                transfers = len(rows)
                young_rows = recent["young"].result().columns()
                for user, senders in zip(
                    young_rows["id_usuario"], young_rows["senders"], strict=True
                ):
                    state.account(user).senders = set(senders)
        state.caches = caches.result()
    report = RebuildReport(now, len(state.accounts), len(state.keys), transfers, logins)
    return state, report


def _apply_accounts(state: State, rows: list[list[Any]]) -> None:
    for user, document, opened, daily, per_transfer in rows:
        account = state.account(user)
        account.opened = text_time(opened)
        if document is not None:
            state.by_document[document] = user
            account.individual = len(document) == 11
        account.daily_limit = None if daily is None else float(daily)
        account.per_transfer_limit = None if per_transfer is None else float(per_transfer)


def _listed(result: Future[Result], column: str) -> list[Any]:
    """The list in ``column`` of a query's single record (empty when it returned none)."""
    rows = result.result().records
    return list(rows[0][column] or []) if rows else []


def text_time(text: str | None) -> datetime | None:
    """A time the graph gave as text (``toString``), as the naive Brasília time ``to_time``
    makes of the temporal value itself (offset and zone dropped, nanoseconds cut)."""
    if text is None or text == "":
        return None
    if text.endswith("]"):  # a named zone after the offset: 2025-03-01T09:00-03:00[...]
        text = text[: text.index("[")]
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=None) if at.tzinfo is not None else at


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while millions of small objects are made: it
    would walk the growing heap again and again for cycles the state never has."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
