"""One detection run, stored or dry: the pipeline, the lock and the write, as one function
that the command line, the scheduler and the benchmarks call."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from detectors.config import DetectionConfig
from graph.gateway import Graph


def detect_once(
    gateway: Graph,
    cfg: DetectionConfig,
    dry_run: bool = False,
    use_gds: bool = True,
    lock_ttl_s: int = 3600,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """One detection run. A dry run streams the rings as JSON lines and writes nothing;
    otherwise the run holds the lock, and stores its rings in one transaction or records
    that it failed (previous rings stay as they were)."""
    from detectors import pipeline, store

    start = time.monotonic()
    if dry_run:
        result = pipeline.run(gateway, cfg, use_gds=use_gds)
        for row in result.rings.itertuples(index=False):
            say(json.dumps(_ring_json(row), ensure_ascii=False))
        return {"dry_run": True, "seconds": round(time.monotonic() - start, 1), **result.counts}
    run_id = store.new_run_id()
    with store.run_lock(gateway, run_id, cfg, lock_ttl_s):
        try:
            result = pipeline.run(gateway, cfg, use_gds=use_gds)
            written = store.write(gateway, run_id, result, cfg)
        except Exception as exc:
            store.fail(gateway, run_id, f"{type(exc).__name__}: {exc}")
            raise
    summary = {
        "run_id": run_id,
        "seconds": round(time.monotonic() - start, 1),
        "kept_ids": written.kept,
        "new_ids": written.new,
        "retired": written.retired,
        **result.counts,
        "timings": result.timings,
    }
    say(
        f"{run_id}: {summary.get('rings', 0)} rings and {summary.get('linked_clusters', 0)} "
        f"linked-account clusters stored ({written.kept} kept their id, {written.new} new, "
        f"{written.retired} no longer found) in {summary['seconds']} s."
    )
    return summary


def _ring_json(row: Any) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "score": float(row.score),
        "size": int(row.size),
        "typology_guess": row.typology_guess,
        "first_seen": None if row.first_seen is None else str(row.first_seen),
        "last_seen": None if row.last_seen is None else str(row.last_seen),
        "total_amount": float(row.total_amount),
        "members": [str(m) for m in row.members],
        "reasons": list(row.reasons),
    }
