"""Persisting a run's results: the lock, the DetectionRun record and the rings.

Everything is computed before anything is written; the rings of a run are then written in
ONE transaction (new and updated rings, their memberships, retired rings), so a run that
fails midway leaves the previous results exactly as they were. A decided status (confirmed,
dismissed, escalated) is never overwritten.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from detectors import stable_ids
from detectors.config import DetectionConfig
from detectors.pipeline import DetectionResult
from graph.gateway import Graph, Step
from ringwatch.errors import RingwatchError

LOCK = "detection"


class LockBusy(RingwatchError):
    """Another detection run holds the lock."""


def new_run_id() -> str:
    return f"RUN-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


@contextmanager
def run_lock(
    gateway: Graph, run_id: str, cfg: DetectionConfig, ttl_s: int = 3600
) -> Iterator[None]:
    """Hold the detection lock (and an outcome-'running' DetectionRun) for one run."""
    lock = {
        "lock_name": LOCK,
        "run_id": run_id,
        "ttl_s": ttl_s,
        "parameters": json.dumps(cfg.as_dict(), sort_keys=True),
    }
    row = gateway.query("detectors/acquire_lock", lock).rows[0]
    if not row["acquired"]:
        raise LockBusy(
            f"Run {row['holder']} is still running (its lock lasts until {row['expires']}); "
            "wait for it to finish."
        )
    try:
        yield
    finally:
        gateway.query("detectors/release_lock", {"lock_name": LOCK, "run_id": run_id})


def previous(gateway: Graph) -> tuple[pd.DataFrame, dict[str, int]]:
    """Stored rings (ring_id, kind, status, members) and the highest numbers handed out."""
    prev = pd.DataFrame(
        gateway.query("detectors/previous_rings", mode="read").rows,
        columns=["ring_id", "kind", "status", "members"],
    )
    row = gateway.query("detectors/last_numbers", mode="read").rows
    last = row[0] if row else {"last_ring": 0, "last_linked": 0}
    return prev, {
        "ring": int(last["last_ring"] or 0),
        "linked_accounts": int(last["last_linked"] or 0),
    }


@dataclass
class Written:
    ring_ids: list[str]
    kept: int  # rings that kept an earlier id
    new: int
    retired: int


def _iso(value: Any) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).isoformat(timespec="seconds")


def ring_rows(rings: pd.DataFrame, ids: list[str]) -> list[dict[str, Any]]:
    """Parameter maps for ``detectors/write_rings``."""
    return [
        {
            "ring_id": rid,
            "kind": r.kind,
            "score": float(r.score),
            "reasons": list(r.reasons),
            "typology_guess": r.typology_guess,
            "first_seen": _iso(r.first_seen),
            "last_seen": _iso(r.last_seen),
            "size": int(r.size),
            "total_amount": float(r.total_amount),
            "members": [str(m) for m in r.members],
        }
        for rid, r in zip(ids, rings.itertuples(index=False), strict=True)
    ]


def write(
    gateway: Graph,
    run_id: str,
    result: DetectionResult,
    cfg: DetectionConfig,
    before_commit: Callable[[], None] | None = None,
) -> Written:
    """Give the rings stable ids and store them, plus the run's success, in one transaction.
    ``before_commit`` runs inside the transaction (tests use it to fail midway)."""
    prev, last = previous(gateway)
    assignment = stable_ids.assign(result.rings, prev, cfg.id_jaccard, last)
    rows = ring_rows(result.rings, assignment.ring_ids)
    counts = {
        **result.counts,
        "kept_ids": len(assignment.matched),
        "new_ids": len(rows) - len(assignment.matched),
        "retired": len(assignment.unmatched),
    }
    steps: list[Step] = [
        ("detectors/write_rings", {"rings": rows, "run_id": run_id}),
        ("detectors/retire_rings", {"ring_ids": assignment.unmatched}),
        (
            "detectors/finish_run",
            {
                "run_id": run_id,
                "outcome": "succeeded",
                "counts": json.dumps(counts, sort_keys=True),
                "error": "",
                "last_ring": assignment.last_numbers.get("ring", 0),
                "last_linked": assignment.last_numbers.get("linked_accounts", 0),
            },
        ),
    ]
    gateway.transaction(steps, before_commit)
    return Written(
        assignment.ring_ids,
        len(assignment.matched),
        len(rows) - len(assignment.matched),
        len(assignment.unmatched),
    )


def fail(gateway: Graph, run_id: str, error: str, counts: dict[str, Any] | None = None) -> None:
    """Record a failed run (the rings of earlier runs are untouched)."""
    prev_last = previous(gateway)[1]
    gateway.query(
        "detectors/finish_run",
        {
            "run_id": run_id,
            "outcome": "failed",
            "counts": json.dumps(counts or {}, sort_keys=True),
            "error": error[:2000],
            "last_ring": prev_last["ring"],
            "last_linked": prev_last["linked_accounts"],
        },
    )
