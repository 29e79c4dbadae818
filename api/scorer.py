"""Synchronous decisions for ``POST /v1/decisions``: the Kafka engine's pure ``decide`` on a
state of the API's own, loaded from Neo4j at start and kept fresh in the background.

- At start ``decide.rebuild.build_state`` builds the state exactly as ``ringwatch decide``
  does (keys, accounts, limits, devices, the last day's logins and transfers, young
  receivers' senders, rings, scores, confirmed fraud, the current model).
- Every ``refresh_check_s`` a background thread asks ``decide.rebuild.Refresher`` whether a
  detection run finished, a decision or fraud record appeared or the current model changed,
  and swaps in new caches (rings, scores, fraud cases, model) when so. With
  ``rebuild_every_s`` the whole state is rebuilt that often, to take in accounts, keys and
  transfers loaded since (the Kafka engine gets those from its topics; the API does not
  read Kafka).
- A request reads the state and never queries Neo4j. A decided transfer that is not
  blocked is then recorded in the state (the payment system is about to settle it), so its
  sender's velocity, night and new-device totals count it; asking twice about the same
  transfer id counts it once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from decide.engine import Decision, decide
from decide.rebuild import Refresher, build_state, load_caches
from decide.rules import RuleSet
from decide.state import State, Transfer
from graph.gateway import Graph

log = logging.getLogger("ringwatch.api")


@dataclass
class ScorerStatus:
    ready: bool = False
    loaded_in_s: float = 0.0
    accounts: int = 0
    keys: int = 0
    graph_time: str | None = None
    cache_refreshes: int = 0
    rebuilds: int = 0
    last_refresh_error: str | None = None


class Scorer:
    """The state and rules behind ``POST /v1/decisions``; ``load`` before use."""

    def __init__(
        self,
        gateway: Graph,
        rules: RuleSet,
        models_dir: Path | None,
        *,
        refresh_check_s: float = 10.0,
        rebuild_every_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway, self.rules, self.models_dir = gateway, rules, models_dir
        self.refresh_check_s, self.rebuild_every_s = refresh_check_s, rebuild_every_s
        self.clock = clock
        self.state: State | None = None
        self.status = ScorerStatus()
        self.history = timedelta(minutes=max(24 * 60, rules.longest_window_minutes))
        self._refresher: Refresher | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_rebuild = 0.0

    def load(self) -> None:
        """Build the state from Neo4j (blocking; at start, and on each full rebuild)."""
        started = self.clock()
        refresher = Refresher(self.gateway, self.models_dir)  # fingerprint before reading
        state, report = build_state(self.gateway, self.history, self.models_dir)
        self.state, self._refresher = state, refresher
        self._last_rebuild = self.clock()
        status = self.status
        status.loaded_in_s = round(self._last_rebuild - started, 3)
        status.accounts, status.keys = report.accounts, report.keys
        status.graph_time = report.now.isoformat() if report.now else None
        status.ready = True

    def decide(self, transfer: Transfer) -> Decision:
        """The engine's decision on ``transfer``; recorded in the state unless blocked."""
        state = self.state
        if state is None:
            raise RuntimeError("The scorer's state is not loaded.")
        decision = decide(transfer, state, self.rules)
        if decision.decision != "block":
            state.record(transfer)
        return decision

    def refresh_once(self) -> str | None:
        """One background check: a full rebuild when due, else new caches when stale.
        Returns what was done (``rebuilt``, ``refreshed``) or None."""
        due = self.rebuild_every_s > 0 and self.clock() - self._last_rebuild >= self.rebuild_every_s
        if due:
            self.load()
            self.status.rebuilds += 1
            return "rebuilt"
        refresher, state = self._refresher, self.state
        if refresher is not None and state is not None and refresher.stale():
            state.caches = load_caches(self.gateway, self.models_dir)
            self.status.cache_refreshes += 1
            return "refreshed"
        return None

    def start(self) -> None:
        """Run ``refresh_once`` every ``refresh_check_s`` in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, daemon=True, name="api-refresh")
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stopping.wait(self.refresh_check_s):
            try:
                done = self.refresh_once()
                if done:
                    log.info("decision state %s", done)
                self.status.last_refresh_error = None
            except Exception as exc:  # a failed refresh keeps the current state
                self.status.last_refresh_error = str(exc)
                log.warning("decision state refresh failed (%s); keeping the current one", exc)

    def health(self) -> dict[str, Any]:
        s = self.status
        return {
            "ready": s.ready,
            "state_loaded_in_s": s.loaded_in_s,
            "accounts": s.accounts,
            "keys": s.keys,
            "graph_time": s.graph_time,
            "cache_refreshes": s.cache_refreshes,
            "rebuilds": s.rebuilds,
            "last_refresh_failed": s.last_refresh_error is not None,
            "rules_version": self.rules.version,
        }
