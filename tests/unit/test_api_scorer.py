"""The API's decision state: decisions recorded unless blocked, caches swapped when the
graph says they are stale, nothing reloaded otherwise (a hand-written fake graph)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.scorer import Scorer
from decide.rebuild import Refresher
from decide.rules import load_rules
from decide.state import Membership, State, Transfer
from graph.gateway import Result


class Versions:
    """Answers the engine's cache queries; ``run`` is the last detection run's end."""

    def __init__(self) -> None:
        self.run = "2026-01-01T00:00:00Z"
        self.ring_of_u2 = "R1"
        self.asked: list[str] = []

    def query(self, query: Any, params: Any = None, **_: Any) -> Result:
        name = query if isinstance(query, str) else query.name
        self.asked.append(name)
        rows: dict[str, list[dict[str, Any]]] = {
            "decide/versions": [{"last_run": self.run, "decisions": 0, "frauds": 0}],
            "decide/ring_members": [
                {
                    "id_usuario": "U2",
                    "ring_id": self.ring_of_u2,
                    "status": "open",
                    "kind": "ring",
                    "score": 0.9,
                }
            ],
            "decide/scores": [{"id_usuario": "U2", "gnn_score": 0.5}],
            "decide/fraud_receivers": [{"id_usuario": "U9", "cases": 1}],
        }
        return Result.of_rows(rows[name])

    def transaction(self, *_: Any) -> Any:
        raise AssertionError

    def gds(self) -> Any:
        raise AssertionError


def _scorer(graph: Versions) -> Scorer:
    scorer = Scorer(graph, load_rules(), None)  # type: ignore[arg-type]
    state = State()
    state.keys.update({"k1": "D1", "k2": "D2", "k3": "D3"})
    state.by_document.update({"D1": "U1", "D2": "U2", "D3": "U3"})
    state.caches.rings["U2"] = Membership("R1", "open", "ring", 0.9)
    scorer.state = state
    scorer._refresher = Refresher(graph, None)  # type: ignore[arg-type]
    return scorer


def _transfer(n: int, to: str) -> Transfer:
    return Transfer(f"T{n}", datetime(2025, 3, 2, 10, 0, n), 5_000, "k1", to)


def test_allowed_transfers_are_recorded_and_blocked_ones_are_not():
    """An allowed transfer counts in its sender's window (once, even if asked twice); a
    blocked one does not, since the payment system will not settle it."""
    scorer = _scorer(Versions())
    assert scorer.decide(_transfer(1, "k3")).decision == "allow"
    scorer.decide(_transfer(1, "k3"))
    assert scorer.decide(_transfer(2, "k2")).decision == "block"
    assert scorer.state is not None
    assert [entry[2] for entry in scorer.state.accounts["U1"].sent] == ["T1"]


def test_caches_are_reloaded_only_when_the_graph_changed():
    """No new run: nothing reloaded. A new detection run: the new ring memberships are
    swapped in and the next decision names the new ring."""
    graph = Versions()
    scorer = _scorer(graph)
    assert scorer.refresh_once() is None
    assert "decide/ring_members" not in graph.asked
    graph.run, graph.ring_of_u2 = "2026-01-02T00:00:00Z", "R7"
    assert scorer.refresh_once() == "refreshed"
    assert scorer.decide(_transfer(3, "k2")).ring_id == "R7"
    assert scorer.status.cache_refreshes == 1
    assert scorer.refresh_once() is None
