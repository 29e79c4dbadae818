"""Prometheus endpoints of ringwatch's long-running commands.

Each component keeps its metrics in a ``CollectorRegistry`` of its own (tests and benchmarks
can run several in one process) and exposes it with ``serve``. The metric names, the ports
and the dashboards that use them are listed in docs/monitoring.md; ``deploy/`` holds the
Prometheus configuration, alert rules and the Grafana dashboard.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry

from ringwatch.errors import RingwatchError

# Latency buckets (seconds) for per-transfer decisions: the engine's target is 100 ms at p99.
DECISION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def serve(registry: CollectorRegistry, port: int, addr: str = "127.0.0.1") -> Any:
    """Expose ``registry`` on ``http://addr:port/metrics`` (loopback by default) and return
    the HTTP server; a port in use is one clear error naming the option that moves it."""
    from prometheus_client import start_http_server

    try:
        server, _thread = start_http_server(port, addr=addr, registry=registry)
    except OSError as exc:
        raise RingwatchError(
            f"Metrics port {port} is not available ({exc}): pass --metrics-port with a free "
            "port, or 0 to disable metrics."
        ) from None
    return server


def names(registry: CollectorRegistry) -> set[str]:
    """Every series name the registry can expose, samples or not yet: a counter ``x`` is
    ``x_total``, a histogram ``x`` is ``x_bucket``, ``x_sum`` and ``x_count``."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
    found: set[str] = set()
    for family in registry.collect():
        found.update(family.name + s for s in suffixes.get(family.type, ("",)))
    return found
