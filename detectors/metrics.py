"""Prometheus metrics of scheduled detection (``ringwatch detect --every ... --metrics-port``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge


class DetectMetrics:
    """Runs by outcome, and the last run's end time, duration and rings found: what an
    operator needs to see that detection runs, how long it takes and when it fails."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter(
            "ringwatch_detect_runs",
            "Detection runs, per outcome (ok, failed, skipped: another run held the lock).",
            ["outcome"],
            registry=self.registry,
        )
        self.last_end = Gauge(
            "ringwatch_detect_last_run_timestamp_seconds",
            "Unix time at which the last successful run ended.",
            registry=self.registry,
        )
        self.last_duration = Gauge(
            "ringwatch_detect_last_run_duration_seconds",
            "Duration of the last successful run.",
            registry=self.registry,
        )
        self.last_rings = Gauge(
            "ringwatch_detect_last_run_rings",
            "Rings found by the last successful run, per kind (ring, linked_accounts).",
            ["kind"],
            registry=self.registry,
        )
        for outcome in ("ok", "failed", "skipped"):  # present at 0 before the first run
            self.runs.labels(outcome)

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample (0 when absent); for tests and reports."""
        return self.registry.get_sample_value(name, labels) or 0.0


def watched(
    run_once: Callable[[], dict[str, Any]],
    metrics: DetectMetrics,
    is_busy: Callable[[BaseException], bool],
    clock: Callable[[], float] = time.time,
) -> Callable[[], dict[str, Any]]:
    """``run_once`` that records its outcome, duration and rings in ``metrics``; errors are
    recorded and raised again (the scheduler decides what to do with them)."""

    def run() -> dict[str, Any]:
        start = clock()
        try:
            summary = run_once()
        except BaseException as exc:
            metrics.runs.labels("skipped" if is_busy(exc) else "failed").inc()
            raise
        end = clock()
        metrics.runs.labels("ok").inc()
        metrics.last_end.set(end)
        metrics.last_duration.set(end - start)
        metrics.last_rings.labels("ring").set(float(summary.get("rings", 0)))
        metrics.last_rings.labels("linked_accounts").set(float(summary.get("linked_clusters", 0)))
        return summary

    return run
