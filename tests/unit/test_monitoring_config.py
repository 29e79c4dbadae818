"""Monitoring: every component's /metrics is valid Prometheus text, and the Grafana dashboard
and the Prometheus alert rules in deploy/ name only metrics that ringwatch exposes."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import ApiMetrics
from decide.metrics import EngineMetrics
from detectors.metrics import DetectMetrics, watched
from ingest.metrics import StreamMetrics
from ringwatch.monitoring import names, serve
from ringwatch.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
METRIC = re.compile(r"\bringwatch_[a-z0-9_]+")


def registries() -> dict[str, object]:
    return {
        "stream": StreamMetrics(),
        "decide": EngineMetrics(),
        "detect": DetectMetrics(),
        "api": ApiMetrics(),
    }


def exposed() -> set[str]:
    found: set[str] = set()
    for metrics in registries().values():
        found |= names(metrics.registry)  # type: ignore[attr-defined]
    return found


def scrape(registry) -> list:
    server = serve(registry, 0)
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return list(text_string_to_metric_families(response.read().decode()))
    finally:
        server.shutdown()


@pytest.mark.parametrize("component", ["stream", "decide", "detect", "api"])
def test_each_metrics_endpoint_serves_parseable_prometheus_text(component):
    """Each component's registry, served over HTTP, parses as Prometheus text and carries
    the ringwatch_<component>_ families it declares."""
    metrics = registries()[component]
    families = scrape(metrics.registry)  # type: ignore[attr-defined]
    declared = {f.name for f in metrics.registry.collect()}  # type: ignore[attr-defined]
    assert declared and declared <= {f.name for f in families}
    assert all(f.name.startswith(f"ringwatch_{component}_") for f in families)


def test_engine_metrics_count_decisions_and_rules():
    """The engine's counters, once used, expose labelled samples under their _total name."""
    metrics = EngineMetrics()
    metrics.decisions.labels("block").inc()
    metrics.rules_fired.labels("receiver_in_ring").inc(2)
    metrics.latency.observe(0.04)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in scrape(metrics.registry)
        for s in f.samples
    }
    assert samples[("ringwatch_decide_decisions_total", (("decision", "block"),))] == 1
    assert samples[("ringwatch_decide_rule_fired_total", (("rule", "receiver_in_ring"),))] == 2
    assert samples[("ringwatch_decide_latency_seconds_bucket", (("le", "0.05"),))] == 1


def test_detection_runs_are_counted_by_outcome_with_the_last_runs_figures():
    """A scheduled run that succeeds sets the last-run gauges; one that fails is counted as
    failed and raised again; a run refused by the lock counts as skipped."""
    metrics = DetectMetrics()
    ticks = iter([100.0, 112.5])
    ok = watched(
        lambda: {"rings": 3, "linked_clusters": 2}, metrics, lambda e: False, lambda: next(ticks)
    )
    assert ok() == {"rings": 3, "linked_clusters": 2}
    assert metrics.value("ringwatch_detect_last_run_duration_seconds") == 12.5
    assert metrics.value("ringwatch_detect_last_run_timestamp_seconds") == 112.5
    assert metrics.value("ringwatch_detect_last_run_rings", kind="ring") == 3

    def boom() -> dict:
        raise ValueError("graph unreachable")

    with pytest.raises(ValueError):
        watched(boom, metrics, lambda e: False)()
    with pytest.raises(ValueError):
        watched(boom, metrics, lambda e: True)()
    assert metrics.value("ringwatch_detect_runs_total", outcome="ok") == 1
    assert metrics.value("ringwatch_detect_runs_total", outcome="failed") == 1
    assert metrics.value("ringwatch_detect_runs_total", outcome="skipped") == 1


def test_grafana_dashboard_loads_and_names_only_existing_metrics():
    """The dashboard is valid JSON with panels, and every metric its queries use exists."""
    dashboard = json.loads((DEPLOY / "grafana" / "ringwatch.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in METRIC.findall(e)}
    assert len(dashboard["panels"]) >= 8 and used
    assert used <= exposed(), f"unknown metrics: {sorted(used - exposed())}"


def test_alert_rules_name_only_existing_metrics_and_prometheus_loads_them():
    """The alert rules cover loader lag, engine p99 and failed detection runs, use only
    existing metrics, and prometheus.yml loads that rule file and scrapes every component."""
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    alerts = {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}
    assert {"RingwatchLoaderLagging", "RingwatchDecisionLatencyHigh"} <= set(alerts)
    assert "RingwatchDetectionFailed" in alerts
    used = {m for e in alerts.values() for m in METRIC.findall(e)}
    assert used <= exposed(), f"unknown metrics: {sorted(used - exposed())}"
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert Path(config["rule_files"][0]).name == "alerts.yml"
    jobs = {c["job_name"] for c in config["scrape_configs"]}
    assert {"ringwatch-stream", "ringwatch-decide", "ringwatch-detect", "ringwatch-api"} <= jobs
