"""`ringwatch detect` and `ringwatch evaluate`: parse options, call ``detectors.run``, print."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from detectors.config import DetectionConfig
from detectors.run import detect_once
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings

log = logging.getLogger("ringwatch.detect")


def detect(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the rings found (JSON lines); write nothing.")
    ] = False,
    every: Annotated[
        str | None,
        typer.Option(
            help="Run again at this interval until stopped (e.g. 15m, 1h); runs "
            "never overlap and a failed run does not stop the schedule."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a detection threshold, name=value (repeatable; "
            "see docs/detection.md for the names and defaults).",
        ),
    ] = None,
    gds: Annotated[
        bool,
        typer.Option(
            help="Use GDS (WCC, Leiden, PageRank, similarity); --no-gds runs the "
            "pure-Python fallbacks."
        ),
    ] = True,
    lock_ttl: Annotated[
        int, typer.Option(help="Seconds after which a crashed run's lock is considered stale.")
    ] = 3600,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="With --every: port of the Prometheus /metrics endpoint (0: none; default "
            "RINGWATCH_DETECT_METRICS_PORT, else 9110); see docs/monitoring.md.",
        ),
    ] = None,
) -> None:
    """Flag mule rings and linked accounts in the loaded graph, score and explain them, and
    store them as :Ring nodes (stable ids across runs) with a :DetectionRun record."""
    from detectors import schedule, store
    from detectors.metrics import DetectMetrics, watched
    from graph.gateway import Gateway, apply_schema
    from ringwatch.monitoring import serve

    cfg = DetectionConfig.from_pairs(set_ or [])
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(message)s")
    with Gateway(settings) as gateway:
        gateway.verify()
        apply_schema(gateway)
        if every is None:
            detect_once(gateway, cfg, dry_run, gds, lock_ttl, say=typer.echo)
            return
        seconds = schedule.parse_every(every)
        metrics = DetectMetrics()
        port = settings.detect_metrics_port if metrics_port is None else metrics_port
        if port:
            serve(metrics.registry, port, settings.metrics_addr)
            typer.echo(f"Metrics on http://{settings.metrics_addr}:{port}/metrics")
        typer.echo(f"Detecting every {every}; stop with Ctrl-C.")

        def busy(exc: BaseException) -> bool:
            return isinstance(exc, store.LockBusy)

        try:
            schedule.loop(
                watched(
                    lambda: detect_once(gateway, cfg, dry_run, gds, lock_ttl, say=typer.echo),
                    metrics,
                    busy,
                ),
                seconds,
                is_busy=busy,
            )
        except KeyboardInterrupt:
            typer.echo("Stopped.")


def evaluate(
    truth: Annotated[
        Path,
        typer.Option(
            help="ground_truth_rings.csv of the generated dataset; a "
            "ground_truth_lookalikes.csv beside it is used for hard negatives."
        ),
    ],
) -> None:
    """Score the stored rings against a ground truth and print the metrics as JSON (with
    precision per typology guess in by_guess)."""
    from detectors import evaluate as ev
    from graph.gateway import Gateway

    rows, look = ev.read_truth(truth)
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        rings = gateway.query("detectors/stored_rings", {"kind": "ring"}, mode="read").rows
        linked = gateway.query(
            "detectors/stored_rings", {"kind": "linked_accounts"}, mode="read"
        ).rows
    result = ev.metrics(
        [set(r["members"]) for r in rings], rows, look, [r["typology_guess"] for r in rings]
    )
    result["linked"] = ev.linked_metrics([set(r["members"]) for r in linked], rows, look)
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


__all__ = ["detect", "evaluate", "RingwatchError"]
