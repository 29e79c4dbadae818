"""The engine's state rebuilt from a hand-written fake graph: every query's rows land where
the rules read them, times given as text mean what the temporal values meant, and an empty
graph asks for no recent history."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import neo4j.time

from decide.rebuild import build_state, text_time
from decide.state import to_time
from graph.gateway import Result

NOW = neo4j.time.DateTime(2025, 3, 2, 12, 0, 0)


class Answers:
    """Answers the rebuild's stored queries with fixed rows and records what was asked
    (from several threads: the rebuild reads side by side)."""

    def __init__(self, now: Any = NOW) -> None:
        self.asked: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.rows: dict[str, list[dict[str, Any]]] = {
            "decide/now": [{"now": now}] if now is not None else [],
            "decide/accounts": [
                {
                    "accounts": [
                        ["U1", "12345678901", "2025-01-10T08:00:00", 5000.0, 1000.0],
                        ["U2", "12345678000199", "2025-02-20T09:30:00.123456789", None, None],
                        ["U3", None, None, None, None],
                    ]
                }
            ],
            "decide/keys": [{"keys": [["k1", "12345678901"], ["k2", "12345678000199"]]}],
            "decide/devices": [
                {
                    "devices": [
                        ["U1", "D1", "2025-03-02T10:00:00"],
                        ["U1", "D1", "2025-03-01T10:00:00"],  # the earlier one counts
                        ["U2", "D2", "2025-03-02T11:00:00"],
                    ]
                }
            ],
            "decide/recent_logins": [
                {
                    "logins": [
                        ["U1", "D0", "2025-03-02T09:00:00"],
                        ["U1", "D1", "2025-03-02T11:00:00"],
                    ]
                }
            ],
            "decide/recent_transfers": [
                {
                    "transfers": [
                        ["T2", "U1", "2025-03-02T11:50:00", 20.5],
                        ["T1", "U1", "2025-03-02T11:40:00", 10.0],
                        ["T1", "U1", "2025-03-02T11:40:00", 10.0],  # read twice: kept once
                    ]
                }
            ],
            "decide/young_receivers": [{"id_usuario": "U2", "senders": ["U1", "U3"]}],
            "decide/ring_members": [
                {
                    "id_usuario": "U2",
                    "ring_id": "R1",
                    "status": "open",
                    "kind": "ring",
                    "score": 0.8,
                }
            ],
            "decide/scores": [{"id_usuario": "U2", "gnn_score": 0.7}],
            "decide/fraud_receivers": [{"id_usuario": "U2", "cases": 2}],
        }

    def query(self, query: Any, params: Any = None, **options: Any) -> Result:
        name = query if isinstance(query, str) else query.name
        with self._lock:
            self.asked[name] = (params, options.get("mode"))
        return Result.of_rows(self.rows[name])

    def transaction(self, *_: Any) -> Any:
        raise AssertionError("the rebuild only reads")

    def gds(self) -> Any:
        raise AssertionError("the rebuild only reads")


def test_each_query_lands_in_the_state_the_rules_read():
    """Accounts, documents and limits; keys; each (account, device)'s earliest
    registration; the last login's device; the recent transfers in the sender's window
    (once each, by time); a young receiver's senders; rings, scores, fraud cases."""
    graph = Answers()
    state, report = build_state(graph, timedelta(hours=24))  # type: ignore[arg-type]

    u1, u2, u3 = (state.accounts[u] for u in ("U1", "U2", "U3"))
    assert (u1.opened, u1.individual, u1.daily_limit, u1.per_transfer_limit) == (
        datetime(2025, 1, 10, 8),
        True,
        5000.0,
        1000.0,
    )
    assert (u2.opened, u2.individual, u2.daily_limit) == (
        datetime(2025, 2, 20, 9, 30, 0, 123456),
        False,
        None,
    )
    assert (u3.opened, u3.individual) == (None, None)
    assert state.owner("k1") == "U1" and state.owner("k2") == "U2"
    assert state.devices == {
        ("U1", "D1"): datetime(2025, 3, 1, 10),
        ("U2", "D2"): datetime(2025, 3, 2, 11),
    }
    assert (u1.login_device, u1.login_at) == ("D1", datetime(2025, 3, 2, 11))
    assert u1.sent == [
        (datetime(2025, 3, 2, 11, 40), 1000, "T1"),
        (datetime(2025, 3, 2, 11, 50), 2050, "T2"),
    ]
    assert u2.senders == {"U1", "U3"}
    assert state.caches.rings["U2"].ring_id == "R1"
    assert (state.caches.scores, state.caches.frauds) == ({"U2": 0.7}, {"U2": 2})
    assert (report.now, report.accounts, report.keys, report.transfers, report.logins) == (
        datetime(2025, 3, 2, 12),
        3,
        2,
        3,
        2,
    )


def test_history_is_read_back_from_the_latest_transfer_and_only_read():
    """Logins and transfers since the graph's latest transfer minus the history and five
    minutes, young receivers since 30 days before it; every query runs in read mode."""
    graph = Answers()
    build_state(graph, timedelta(hours=48))  # type: ignore[arg-type]
    now = datetime(2025, 3, 2, 12)
    assert graph.asked["decide/recent_logins"][0] == {"since": now - timedelta(hours=48, minutes=5)}
    assert graph.asked["decide/recent_transfers"][0] == {
        "since": now - timedelta(hours=48, minutes=5)
    }
    assert graph.asked["decide/young_receivers"][0] == {"since": now - timedelta(days=30)}
    assert {mode for _, mode in graph.asked.values()} == {"read"}


def test_an_empty_graph_gives_an_empty_state_without_asking_for_history():
    """No transfer in the graph: no time to count back from, so no recent logins,
    transfers or young receivers are asked for."""
    graph = Answers(now=None)
    for name in ("decide/accounts", "decide/keys", "decide/devices"):
        graph.rows[name] = []
    state, report = build_state(graph, timedelta(hours=24))  # type: ignore[arg-type]
    assert not state.accounts and not state.keys and not state.devices
    assert "decide/recent_transfers" not in graph.asked
    assert (report.now, report.transfers, report.logins) == (None, 0, 0)


def test_times_as_text_are_the_times_the_temporal_values_were():
    """``toString`` of a local time (nanoseconds too), of a time with an offset and of one
    with a named zone reads back as ``to_time`` reads the value itself."""
    cases = [
        (neo4j.time.DateTime(2025, 3, 1, 9, 16, 0, 123456789), "2025-03-01T09:16:00.123456789"),
        (neo4j.time.DateTime(2025, 3, 1, 9, 16), "2025-03-01T09:16:00"),
        (datetime.fromisoformat("2025-03-01T09:16:00-03:00"), "2025-03-01T09:16:00-03:00"),
        (
            datetime.fromisoformat("2025-03-01T09:16:00-03:00"),
            "2025-03-01T09:16-03:00[America/Sao_Paulo]",
        ),
        (datetime.fromisoformat("2025-03-01T12:16:00+00:00"), "2025-03-01T12:16:00Z"),
    ]
    for value, text in cases:
        assert text_time(text) == to_time(value), text
    assert text_time(None) is None
