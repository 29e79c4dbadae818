"""The engine's Alert nodes, written off the hot path: a background thread with a bounded
queue.

The decision loop hands each polled batch over as a ``Pending`` (its next offsets, the
producer futures of its alert and dead-letter records, and its alert rows) and goes on
deciding. ``AlertWriter`` stores the rows with ``cypher/decide/write_alerts.cypher``,
several queued batches in one transaction, and marks them written; the loop commits a
batch's offsets only once it is written and every one of its records is acknowledged by
Kafka, in poll order (``Commits``). The write is idempotent (MERGE on the transfer id), so
a batch written twice after a crash leaves one Alert per transfer.

The queue holds at most ``max_batches`` batches: when Neo4j is slow or down, handing over
blocks and the engine stops deciding rather than holding an unbounded backlog. Neo4j being
unavailable is retried with backoff, as long as no stop was asked for; any other failure is
kept and raised by the loop.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from decide.metrics import EngineMetrics
from graph.gateway import Graph
from ingest.stream import Backoff, is_transient

log = logging.getLogger("ringwatch.decide")


@dataclass
class Pending:
    """One polled batch, decided, until its offsets can be committed."""

    offsets: dict[tuple[str, int], int]  # (topic, partition) -> next offset
    sent: list[Any]  # producer futures of its alert and dead-letter records
    rows: list[dict[str, Any]]  # its Alert nodes
    started: float = 0.0  # time.perf_counter() when it was polled
    written: threading.Event = field(default_factory=threading.Event)

    def acknowledged(self) -> bool:
        """Whether Kafka has answered for every record of the batch (ok or not)."""
        return all(future.is_done for future in self.sent)


class WriterFailed(RuntimeError):
    """The alert writer stopped on an error; nothing after the last written batch is
    committed."""


class AlertWriter:
    """A thread that writes the queued batches' alerts to Neo4j (see the module docstring)."""

    def __init__(
        self,
        gateway: Graph,
        stopping: threading.Event,
        *,
        backoff: Backoff | None = None,
        metrics: EngineMetrics | None = None,
        max_batches: int = 64,
        max_rows: int = 5_000,
    ) -> None:
        self.gateway, self.stopping = gateway, stopping
        self.backoff = backoff or Backoff()
        self.metrics = metrics or EngineMetrics()
        self.max_rows = max_rows
        self.error: BaseException | None = None
        self._queue: queue.Queue[Pending | None] = queue.Queue(maxsize=max_batches)
        self._thread = threading.Thread(target=self._run, daemon=True, name="decide-alerts")
        self._thread.start()

    def submit(self, batch: Pending, wait_s: float = 0.1) -> None:
        """Queue ``batch`` (a batch without alerts is written at once); blocks while the
        queue is full, and raises ``WriterFailed`` if the writer has stopped on an error."""
        if not batch.rows:
            batch.written.set()
            return
        while True:
            self.check()
            try:
                self._queue.put(batch, timeout=wait_s)
                return
            except queue.Full:
                continue

    def check(self) -> None:
        """Raise ``WriterFailed`` if the writer has stopped on an error."""
        if self.error is not None:
            raise WriterFailed(f"writing alerts to Neo4j failed: {self.error}") from self.error

    def close(self, timeout_s: float | None = None) -> None:
        """Write what is queued, then end the thread."""
        if self._thread.is_alive():
            while True:
                try:
                    self._queue.put(None, timeout=0.1)
                    break
                except queue.Full:
                    if not self._thread.is_alive():
                        break
            self._thread.join(timeout_s)

    def _run(self) -> None:
        closing = False
        while not closing:
            first = self._queue.get()
            if first is None:
                return
            group, rows = [first], list(first.rows)
            while len(rows) < self.max_rows:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    closing = True
                    break
                group.append(more)
                rows += more.rows
            try:
                self._write(rows)
            except BaseException as exc:  # kept for the decision loop to raise
                self.error = exc
                return
            for batch in group:
                batch.written.set()

    def _write(self, rows: list[dict[str, Any]]) -> None:
        delays = self.backoff.delays()
        while True:
            try:
                self.gateway.query("decide/write_alerts", {"rows": rows})
                return
            except Exception as exc:
                if not is_transient(exc) or self.stopping.is_set():
                    raise
                delay = next(delays)
                self.metrics.neo4j_retries.inc()
                log.warning("Neo4j unavailable (%s); retrying the alerts in %.1f s", exc, delay)
                self.stopping.wait(delay)


class Commits:
    """Batches in poll order, and the offsets that may be committed: those of the leading
    batches that are written and acknowledged."""

    def __init__(self) -> None:
        self._pending: deque[Pending] = deque()
        self.ready: dict[tuple[str, int], int] = {}
        self.started: list[float] = []  # when each batch in ``ready`` was polled

    def add(self, batch: Pending) -> None:
        self._pending.append(batch)

    def __len__(self) -> int:
        return len(self._pending)

    def settle(self, on_failed: Callable[[list[Any]], None]) -> None:
        """Move the leading batches that are done into ``ready``; ``on_failed`` gets the
        futures of a done batch that Kafka refused (and is expected to raise)."""
        while self._pending:
            head = self._pending[0]
            if not (head.written.is_set() and head.acknowledged()):
                return
            failed = [future for future in head.sent if future.failed()]
            if failed:
                on_failed(failed)
            self._pending.popleft()
            self.started.append(head.started)
            for key, offset in head.offsets.items():
                self.ready[key] = max(self.ready.get(key, -1), offset)

    def requeue(self, offsets: dict[tuple[str, int], int]) -> None:
        """Offsets whose commit failed, to be committed with the next ones."""
        for key, offset in offsets.items():
            self.ready[key] = max(self.ready.get(key, -1), offset)

    def take(self) -> tuple[dict[tuple[str, int], int], list[float]]:
        """The offsets ready to commit and when their batches were polled, forgotten here."""
        ready, started, self.ready, self.started = self.ready, self.started, {}, []
        return ready, started


class RetryOffsets:
    """Offsets of asynchronous commits the broker refused for a passing reason, handed from
    the Kafka client's commit callback back to the loop (thread-safe, whichever thread the
    client answers in)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offsets: dict[tuple[str, int], int] = {}

    def add(self, offsets: dict[tuple[str, int], int]) -> None:
        with self._lock:
            for key, offset in offsets.items():
                self._offsets[key] = max(self._offsets.get(key, -1), offset)

    def take(self) -> dict[tuple[str, int], int]:
        with self._lock:
            taken, self._offsets = self._offsets, {}
        return taken
