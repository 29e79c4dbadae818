"""Prometheus metrics of the decision engine (``ringwatch decide --metrics-port``)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ringwatch.monitoring import DECISION_BUCKETS


class BatchHistogram(Histogram):
    """A histogram that also takes a batch of observations at once: one addition per
    bucket and one to the sum, instead of ``observe``'s two locked additions and a walk of
    the buckets per value (the engine observes one latency per transfer). Unlabelled only;
    the exposition is ``observe``'s, value by value (a unit test compares them)."""

    def observe_many(self, values: Iterable[float]) -> None:
        bounds = self._upper_bounds  # ends with +Inf, so every value has a bucket
        counts = [0] * len(bounds)
        total = 0.0
        for value in values:
            counts[bisect.bisect_left(bounds, value)] += 1  # first bound >= value
            total += value
        if not any(counts):
            return
        self._sum.inc(total)
        for bucket, count in zip(self._buckets, counts, strict=True):
            if count:
                bucket.inc(count)


class EngineMetrics:
    """What an operator watches on the engine: decisions by outcome and rule, the time from
    a transfer's Kafka timestamp to its decision, dead letters, lag and cache refreshes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.decisions = Counter(
            "ringwatch_decide_decisions",
            "Transfers decided, per decision (allow, review, block).",
            ["decision"],
            registry=self.registry,
        )
        self.rules_fired = Counter(
            "ringwatch_decide_rule_fired",
            "Times each rule fired, per rule id.",
            ["rule"],
            registry=self.registry,
        )
        self.latency = BatchHistogram(
            "ringwatch_decide_latency_seconds",
            "Kafka timestamp of a transfer to its decision, alerts sent (seconds).",
            buckets=DECISION_BUCKETS,
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "ringwatch_decide_batch_seconds",
            "Time to decide one batch: decode, decide, send alerts, write Alert nodes, commit.",
            buckets=DECISION_BUCKETS,
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "ringwatch_decide_dead_lettered",
            "Malformed transfers sent to the engine's dead-letter topic.",
            registry=self.registry,
        )
        self.neo4j_retries = Counter(
            "ringwatch_decide_neo4j_retries",
            "Alert writes retried because Neo4j was unavailable.",
            registry=self.registry,
        )
        self.refreshes = Counter(
            "ringwatch_decide_cache_refreshes",
            "Times the rings, scores and fraud caches were replaced.",
            registry=self.registry,
        )
        self.lag = Gauge(
            "ringwatch_decide_consumer_lag",
            "Transfers in the partition not yet decided (high watermark minus position).",
            ["topic", "partition"],
            registry=self.registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample (0 when absent); for tests and reports."""
        return self.registry.get_sample_value(name, labels) or 0.0
