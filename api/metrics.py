"""Prometheus metrics of the REST API, in a registry of their own, and the ASGI middleware
that counts and times every request.

Requests are labelled by endpoint (the route's template, e.g. ``/v1/rings/{ring_id}``, so ids
never become label values; ``unmatched`` for paths that match no route), method and status.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Request latency buckets (seconds): decisions take about a millisecond, list pages tens.
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class ApiMetrics:
    """Counters, histogram and gauges the API updates."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ringwatch_api_requests",
            "HTTP requests answered, per endpoint, method and status.",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ringwatch_api_request_seconds",
            "Time from receiving a request to sending its last byte, per endpoint, method "
            "and status.",
            ["endpoint", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "ringwatch_api_decisions",
            "Transfers decided by POST /v1/decisions, per decision (allow, review, block).",
            ["decision"],
            registry=self.registry,
        )
        self.state_refreshes = Gauge(
            "ringwatch_api_state_refreshes",
            "Times the decision caches (rings, scores, fraud, model) were reloaded.",
            registry=self.registry,
        )
        self.state_rebuilds = Gauge(
            "ringwatch_api_state_rebuilds",
            "Times the whole decision state was rebuilt from Neo4j after start.",
            registry=self.registry,
        )
        self.state_ready = Gauge(
            "ringwatch_api_state_ready",
            "1 when the decision state is loaded and POST /v1/decisions answers.",
            registry=self.registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample (0 when absent); for tests and reports."""
        return self.registry.get_sample_value(name, labels) or 0.0


class MetricsMiddleware:
    """Counts and times each HTTP request (pure ASGI: no per-request task or body copy)."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._observe(scope, status[0], time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route: Any = scope.get("route")
        endpoint = getattr(route, "path", None) or "unmatched"
        labels = (endpoint, str(scope.get("method", "")), str(status))
        self.metrics.requests.labels(*labels).inc()
        self.metrics.latency.labels(*labels).observe(seconds)
