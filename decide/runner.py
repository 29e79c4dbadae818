"""The decision engine on Kafka: its own consumer group on the transfers topic, next to the
stream loader.

It reads ``pix.transacoes`` and, to keep its state current, the context topics
(``pix.usuarios``, ``pix.chaves``, ``pix.limites``, ``pix.dispositivos``,
``pix.autenticacoes``). Each poll is one batch:

1. decode and validate it with the loader's own ``plan_batch`` (same rules, same tolerant
   values); a bad transfer goes to the engine's dead-letter topic ``<prefix>.decide.dlq``
   (bad context messages are the loader's to dead-letter, and are only counted here);
2. apply the context rows to the state, then decide each transfer in order
   (``decide.engine.decide``) and record it in the state;
3. send each alert (every ``review`` and ``block``; every ``allow`` too with ``emit_allow``)
   to ``<prefix>.alertas`` at once, then store the alerts as ``(:Alert)`` nodes in one
   Neo4j write (idempotent: keyed by the transfer id);
4. once Kafka has acknowledged every record and Neo4j committed, commit the batch's
   offsets. A crash before that re-reads the batch: no decision is lost, and the re-read
   writes the same Alert nodes again (the alert topic may carry a record twice; readers
   key on ``transfer_id``).

Rings, scores and confirmed fraud are refreshed in a background thread when a detection run
finishes, a decision or fraud record appears or the current model changes (and every
``refresh_every_s`` at the latest); the new caches are swapped in between batches.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from decide.engine import Decision, decide
from decide.metrics import EngineMetrics
from decide.rebuild import Refresher, load_caches
from decide.rules import RuleSet
from decide.state import Caches, State, Transfer
from graph.gateway import Graph
from ingest.stream import (
    Backoff,
    Message,
    commit_offsets,
    dlq_record,
    is_transient,
    plan_batch,
)
from ingest.topics import Topics

log = logging.getLogger("ringwatch.decide")
CONTEXT = ("usuarios", "chaves_pix", "limites_transacoes", "dispositivos", "log_autenticacao")
TRANSFERS = "transacoes_pix"


def alerts_topic(topics: Topics) -> str:
    return f"{topics.prefix}.alertas"


def dlq_topic(topics: Topics) -> str:
    return f"{topics.prefix}.decide.dlq"


def engine_topics(topics: Topics) -> list[str]:
    """The topics the engine reads: the transfers and its context."""
    return [topics.of(d) for d in (*CONTEXT, TRANSFERS)]


@dataclass
class EngineReport:
    consumed: int = 0
    decided: int = 0
    alerts: int = 0
    blocks: int = 0
    dead_lettered: int = 0
    context_rejected: int = 0
    batches: int = 0
    refreshes: int = 0


def alert_row(decision: Decision, decided_at: str) -> dict[str, Any]:
    """The parameters of one alert for ``cypher/decide/write_alerts.cypher``."""
    return {
        "alert_id": decision.transfer_id,
        "id_transacao": decision.transfer_id,
        "decision": decision.decision,
        "score": decision.score,
        "rules": list(decision.rules),
        "reasons": list(decision.reasons),
        "ring_id": decision.ring_id,
        "sender": decision.sender,
        "receiver": decision.receiver,
        "amount": decision.amount,
        "transfer_time": decision.transfer_time.isoformat(),
        "rules_version": decision.rules_version,
        "engine_version": decision.engine_version,
        "decided_at": decided_at,
    }


class DecisionEngine:
    """Consumes transfers and decides them; see the module docstring for the guarantees.
    ``consumer``/``producer`` are kafka-python clients (auto-commit off)."""

    def __init__(
        self,
        gateway: Graph,
        consumer: Any,
        producer: Any,
        topics: Topics,
        rules: RuleSet,
        state: State,
        *,
        emit_allow: bool = False,
        models_dir: Path | None = None,
        refresh_check_s: float = 10.0,
        refresh_every_s: float = 300.0,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: EngineMetrics | None = None,
    ) -> None:
        self.gateway, self.consumer, self.producer = gateway, consumer, producer
        self.topics, self.rules, self.state = topics, rules, state
        self.emit_allow = emit_allow
        self.models_dir = models_dir
        self.refresh_check_s, self.refresh_every_s = refresh_check_s, refresh_every_s
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.report = EngineReport()
        self.metrics = metrics or EngineMetrics()
        self._stopping = threading.Event()
        self._fresh: Caches | None = None
        self._alerts, self._dlq = alerts_topic(topics), dlq_topic(topics)

    def stop(self) -> None:
        """Finish the current batch, commit it and return from ``run`` (signal-safe)."""
        self._stopping.set()

    def run(self, until_idle: float | None = None) -> EngineReport:
        """Consume until ``stop()`` or, with ``until_idle``, that many seconds without a
        message once partitions are assigned."""
        self.consumer.subscribe(engine_topics(self.topics))
        refresher = threading.Thread(target=self._refresh_loop, daemon=True, name="decide-cache")
        refresher.start()
        idle_since = self.clock()
        assigned = False
        try:
            while not self._stopping.is_set():
                messages = self._poll()
                if self._fresh is not None:
                    self.state.caches, self._fresh = self._fresh, None
                    self.report.refreshes += 1
                    self.metrics.refreshes.inc()
                now = self.clock()
                if messages or (not assigned and self.consumer.assignment()):
                    assigned, idle_since = True, now
                if messages:
                    self._handle(messages)
                elif until_idle is not None and now - idle_since >= until_idle:
                    break
        finally:
            self._stopping.set()
            self.consumer.close(autocommit=False)
            self.producer.flush()
        return self.report

    def _poll(self) -> list[Message]:
        polled = self.consumer.poll(timeout_ms=100)
        return [
            Message(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
            for batch in polled.values()
            for r in batch
        ]

    def _handle(self, messages: list[Message]) -> None:
        started = time.perf_counter()
        report, metrics = self.report, self.metrics
        report.consumed += len(messages)
        plan = plan_batch(messages, self.topics)
        transfers_topic = self.topics.of(TRANSFERS)
        sent = []
        for rejection in plan.rejections:
            if rejection.message.topic == transfers_topic:
                sent.append(
                    self.producer.send(
                        self._dlq, value=dlq_record(rejection), key=rejection.message.key
                    )
                )
                report.dead_lettered += 1
                metrics.dead_lettered.inc()
            else:
                report.context_rejected += 1
        for dataset in CONTEXT:
            for row in plan.rows.get(dataset, []):
                self.state.apply(dataset, row)
        stamps = {m.key: m.timestamp_ms for m in messages if m.topic == transfers_topic and m.key}
        decided_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        rows, stamped = [], []
        for row in plan.rows.get(TRANSFERS, []):
            transfer = Transfer.of_row(row)
            decision = decide(transfer, self.state, self.rules)
            self.state.record(transfer)
            report.decided += 1
            metrics.decisions.labels(decision.decision).inc()
            for rule in decision.rules:
                metrics.rules_fired.labels(rule).inc()
            stamp = stamps.get(transfer.id.encode())
            if stamp is not None:
                stamped.append(stamp)
            if decision.alert or self.emit_allow:
                record = decision.record(stamp, decided_at)
                sent.append(
                    self.producer.send(
                        self._alerts,
                        value=json.dumps(record, ensure_ascii=False).encode("utf-8"),
                        key=transfer.id.encode("utf-8"),
                    )
                )
            if decision.alert:
                rows.append(alert_row(decision, decided_at))
                report.alerts += 1
                report.blocks += decision.decision == "block"
        self.producer.flush()  # alerts reach the topic before the Neo4j write
        sent_ms = time.time() * 1000
        for stamp in stamped:
            metrics.latency.observe(max(0.0, sent_ms - stamp) / 1000)
        if rows:
            self._with_retry(lambda: self.gateway.query("decide/write_alerts", {"rows": rows}))
        failed = [f for f in sent if f.failed()]
        if failed:
            # Without its alert or dead-letter record a transfer would be lost: stop first.
            raise RuntimeError(
                f"Kafka refused {len(failed)} alert or dead-letter records "
                f"({failed[0].exception!r}); nothing of this batch was committed."
            )
        commit_offsets(self.consumer, messages)
        report.batches += 1
        metrics.batch_seconds.observe(time.perf_counter() - started)
        self._update_lag()

    def _with_retry(self, action: Callable[[], Any]) -> Any:
        delays = self.backoff.delays()
        while True:
            try:
                return action()
            except Exception as exc:
                if not is_transient(exc) or self._stopping.is_set():
                    raise
                delay = next(delays)
                self.metrics.neo4j_retries.inc()
                log.warning("Neo4j unavailable (%s); retrying the alerts in %.1f s", exc, delay)
                self._stopping.wait(delay)

    def _update_lag(self) -> None:
        """Transfers not yet decided, per assigned partition (informative only)."""
        try:
            for tp in self.consumer.assignment():
                high = self.consumer.highwater(tp)
                if high is not None:
                    lag = max(0, high - self.consumer.position(tp))
                    self.metrics.lag.labels(tp.topic, str(tp.partition)).set(lag)
        except Exception as exc:  # never fail a batch over a gauge
            log.debug("consumer lag unavailable: %s", exc)

    def _refresh_loop(self) -> None:
        """Background: new caches when the graph or the model says they are stale."""
        try:
            refresher = Refresher(self.gateway, self.models_dir)
        except Exception as exc:
            log.warning("cache refresh disabled: %s", exc)
            return
        last = self.clock()
        while not self._stopping.wait(self.refresh_check_s):
            try:
                due = self.clock() - last >= self.refresh_every_s
                if refresher.stale() or due:
                    self._fresh = load_caches(self.gateway, self.models_dir)
                    last = self.clock()
                    log.info("rings, scores and fraud cases refreshed")
            except Exception as exc:  # a failed refresh keeps the current caches
                log.warning("cache refresh failed (%s); keeping the current caches", exc)
