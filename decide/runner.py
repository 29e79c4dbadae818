"""The decision engine on Kafka: its own consumer group on the transfers topic, next to the
stream loader.

It reads ``pix.transacoes`` and, to keep its state current, the context topics
(``pix.usuarios``, ``pix.chaves``, ``pix.limites``, ``pix.dispositivos``,
``pix.autenticacoes``). Each poll is one batch:

1. decode and validate it record by record (``decide.validate.plan_records``: the loader's
   checks, reasons and tolerant values without a pandas frame per batch); a bad transfer
   goes to the engine's dead-letter topic ``<prefix>.decide.dlq`` (bad context messages
   are the loader's to dead-letter, and are only counted here);
2. apply the context rows to the state, then decide each transfer in order
   (``decide.engine.decide``) and record it in the state;
3. hand each alert (every ``review`` and ``block``; every ``allow`` too with
   ``emit_allow``) to the producer for ``<prefix>.alertas`` at once, without waiting, and
   queue the batch's alerts for the background writer (``decide.alerts.AlertWriter``),
   which stores them as ``(:Alert)`` nodes, several batches per transaction (idempotent:
   keyed by the transfer id), while the loop goes on with the next poll;
4. once Kafka has acknowledged every record of a batch and Neo4j committed its alerts,
   and so for every batch before it, its offsets may be committed; they are, every
   ``commit_every_s`` (0.2 s) and when the engine stops. A crash before that re-reads the
   batch: no decision is lost, and the re-read writes the same Alert nodes again (the alert
   topic may carry a record twice; readers key on ``transfer_id``).

The Kafka clients are ``decide.kafka``'s: confluent-kafka (librdkafka) by default,
kafka-python with ``--kafka-client kafka-python``; the loop is the same with either.

Rings, scores and confirmed fraud are refreshed in a background thread when a detection run
finishes, a decision or fraud record appears or the current model changes (and every
``refresh_every_s`` at the latest); the new caches are swapped in between batches.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from decide.alerts import AlertWriter, Commits, Pending, RetryOffsets
from decide.engine import Decision, decide
from decide.kafka import EngineConsumer, EngineProducer
from decide.metrics import EngineMetrics
from decide.rebuild import Refresher, load_caches
from decide.rules import RuleSet
from decide.state import Caches, State, Transfer
from decide.validate import plan_records
from graph.gateway import Graph
from ingest.stream import Backoff, Message, dlq_record, next_offsets
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
    ``consumer``/``producer``: the engine's clients (``decide.kafka``; auto-commit off)."""

    def __init__(
        self,
        gateway: Graph,
        consumer: EngineConsumer,
        producer: EngineProducer,
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
        commit_every_s: float = 0.2,
        max_queued_batches: int = 64,
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
        self.commit_every_s, self.max_queued_batches = commit_every_s, max_queued_batches
        self._stopping = threading.Event()
        self._fresh: Caches | None = None
        self._alerts, self._dlq = alerts_topic(topics), dlq_topic(topics)
        self._transfers = topics.of(TRANSFERS)
        self._commits = Commits()
        self._retry = RetryOffsets()  # offsets of asynchronous commits that failed
        self._last_commit = self._last_lag = float("-inf")
        self._counted: dict[str, Any] = {}  # metric children by label, looked up once

    def stop(self) -> None:
        """Finish the current batch, commit it and return from ``run`` (signal-safe)."""
        self._stopping.set()

    def run(self, until_idle: float | None = None) -> EngineReport:
        """Consume until ``stop()`` or, with ``until_idle``, that many seconds without a
        message once partitions are assigned."""
        self.consumer.subscribe(engine_topics(self.topics))
        refresher = threading.Thread(target=self._refresh_loop, daemon=True, name="decide-cache")
        refresher.start()
        writer = AlertWriter(
            self.gateway,
            self._stopping,
            backoff=self.backoff,
            metrics=self.metrics,
            max_batches=self.max_queued_batches,
        )
        idle_since = self.clock()
        assigned = False
        try:
            while not self._stopping.is_set():
                writer.check()
                self.producer.serve()  # Kafka's answers to the alerts sent so far
                messages = self.consumer.poll_messages(0.1)
                if self._fresh is not None:
                    self.state.caches, self._fresh = self._fresh, None
                    self.report.refreshes += 1
                    self.metrics.refreshes.inc()
                    gc.freeze()  # the new caches, as the state at start (see freeze_heap)
                now = self.clock()
                if messages or (not assigned and self.consumer.assigned()):
                    assigned, idle_since = True, now
                if messages:
                    pending = self._handle(messages)
                    self._commits.add(pending)
                    writer.submit(pending)
                elif until_idle is not None and now - idle_since >= until_idle:
                    break
                self._commit_done(now)
            # Stopping: what was decided reaches Kafka and Neo4j, then its offsets commit.
            self.producer.flush()
            writer.close()
            writer.check()
            self._commit_done(self.clock(), force=True)
        finally:
            self._stopping.set()
            writer.close(timeout_s=5)
            self.consumer.close()
            self.producer.flush()
        return self.report

    def _handle(self, messages: list[Message]) -> Pending:
        """Decide one polled batch and hand its records to the producer; what is left (its
        Alert nodes, its offset commit) is the returned ``Pending``'s."""
        started = time.perf_counter()
        report, metrics = self.report, self.metrics
        report.consumed += len(messages)
        plan = plan_records(messages, self.topics)
        transfers_topic = self._transfers
        sent = []
        for rejection in plan.rejections:
            if rejection.message.topic == transfers_topic:
                sent.append(
                    self.producer.send(self._dlq, dlq_record(rejection), rejection.message.key)
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
        rows: list[dict[str, Any]] = []
        stamped: list[int] = []
        alerts: list[Any] = []
        counts: dict[tuple[str, ...], int] = {}  # the batch's decisions by (verdict, *rules)
        for row in plan.rows.get(TRANSFERS, []):
            transfer = Transfer.of_row(row)
            decision = decide(transfer, self.state, self.rules)
            self.state.record(transfer, (decision.sender, decision.receiver))
            report.decided += 1
            outcome = (decision.decision, *decision.rules)
            counts[outcome] = counts.get(outcome, 0) + 1
            stamp = stamps.get(transfer.id.encode())
            if stamp is not None:
                stamped.append(stamp)
            if decision.alert or self.emit_allow:
                record = decision.record(stamp, decided_at)
                alerts.append(
                    self.producer.send(
                        self._alerts,
                        json.dumps(record, ensure_ascii=False).encode("utf-8"),
                        transfer.id.encode("utf-8"),
                    )
                )
            if decision.alert:
                rows.append(alert_row(decision, decided_at))
                report.alerts += 1
                report.blocks += decision.decision == "block"
        report.batches += 1
        self._count(counts)
        _observe_when_sent(alerts, stamped, metrics)
        return Pending(next_offsets(messages), sent + alerts, rows, started)

    def _count(self, counts: dict[tuple[str, ...], int]) -> None:
        """Add a batch's decisions to the counters: per verdict and per rule fired, once
        per batch (``counts``: (verdict, *rule ids) -> decisions)."""
        by_label: dict[tuple[str, bool], int] = {}
        for (verdict, *rules), n in counts.items():
            by_label[(verdict, False)] = by_label.get((verdict, False), 0) + n
            for rule in rules:
                by_label[(rule, True)] = by_label.get((rule, True), 0) + n
        counters = self._counted
        for (label, is_rule), n in by_label.items():
            key = f"rule:{label}" if is_rule else label
            counter = counters.get(key)
            if counter is None:
                family = self.metrics.rules_fired if is_rule else self.metrics.decisions
                counter = counters[key] = family.labels(label)
            counter.inc(n)

    def _commit_done(self, now: float, force: bool = False) -> None:
        """Commit the offsets of the leading batches whose records Kafka acknowledged and
        whose Alert nodes are written: every ``commit_every_s`` at most without waiting for
        the broker's answer, or now and waiting for it (``force``, when stopping)."""
        self._commits.settle(_refused)
        self._commits.requeue(self._retry.take())
        if not self._commits.ready or (not force and now - self._last_commit < self.commit_every_s):
            return
        offsets, started = self._commits.take()
        self.consumer.commit_offsets(offsets, wait=force, retry=self._retry)
        self._last_commit = now
        done = time.perf_counter()
        for at in started:
            self.metrics.batch_seconds.observe(done - at)
        if now - self._last_lag >= 1.0:
            self._last_lag = now
            self._update_lag()

    def _update_lag(self) -> None:
        """Transfers not yet decided, per assigned partition (informative only)."""
        try:
            for (topic, partition), lag in self.consumer.lags().items():
                self.metrics.lag.labels(topic, str(partition)).set(lag)
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


def freeze_heap() -> None:
    """Move every object alive now out of reach of Python's cyclic garbage collector.

    The state holds hundreds of thousands of objects (accounts, keys, recent transfers); a
    full collection walks all of them, a pause of 0.1-0.5 s at scale 5 on the benchmark
    machine, which lands on whatever transfers are being decided then. Frozen objects are
    still freed by reference counting when the state drops them; only cycles among them
    would outlive their use, and the state makes none."""
    gc.collect()
    gc.freeze()


def _refused(failed: list[Any]) -> None:
    # Without its alert or dead-letter record a transfer would be lost: stop first.
    raise RuntimeError(
        f"Kafka refused {len(failed)} alert or dead-letter records "
        f"({failed[0].exception!r}); nothing of this batch was committed."
    )


def _observe_when_sent(alerts: list[Any], stamped: list[int], metrics: EngineMetrics) -> None:
    """Observe a batch's decision latencies (Kafka timestamp to its alert records
    acknowledged, as the metric says) when the last of ``alerts`` is acknowledged; at once
    when the batch sent none."""
    if not stamped:
        return
    outstanding = [len(alerts)]
    lock = threading.Lock()

    def observe(*_: Any) -> None:
        with lock:
            outstanding[0] -= 1
            if outstanding[0] > 0:
                return
        sent_ms = time.time() * 1000
        metrics.latency.observe_many([max(0.0, sent_ms - stamp) / 1000 for stamp in stamped])

    if not alerts:
        outstanding[0] = 1
        observe()
        return
    for future in alerts:
        future.add_both(observe)
