"""The tamper-evident audit trail: ``AuditEvent`` nodes chained by SHA-256, and a copy of
every event in a file outside Neo4j.

Each event carries ``seq`` (1, 2, 3, ...), ``prev_hash`` (the previous event's ``hash``; 64
zeros for the first) and ``hash``, the SHA-256 of its own content and ``prev_hash``. Editing
an event breaks its hash; deleting one leaves a gap in ``seq``; rewriting the chain from some
point on (every hash recomputed) no longer matches the file copy, which is written by the app
process after each commit and which Neo4j credentials cannot reach. ``verify`` walks both and
names the first broken link. A uniqueness constraint on ``seq`` (``cypher/schema/
020_audit.cypher``) makes two writers that read the same last event collide; the loser
reads the new last event and tries again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import neo4j.time

from graph.gateway import ConstraintViolated, Graph
from ringwatch.errors import RingwatchError

GENESIS = "0" * 64
ATTEMPTS = 5
PAGE = 5000


class AuditError(RingwatchError):
    """The audit trail could not be written or read; the message says why."""


def stamp(at: datetime) -> str:
    """The event time as hashed: UTC, ISO 8601, microseconds (what Neo4j gives back)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, seq: int, at: datetime, user: str, action: str, detail: str) -> str:
    """SHA-256 (hex) of an event's content and the previous event's hash."""
    body = [seq, prev_hash, stamp(at), user, action, detail]
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _head(graph: Graph) -> tuple[int, str]:
    rows = graph.query("app/audit_head", mode="read", retry=False).rows
    return (int(rows[0]["seq"]), str(rows[0]["hash"])) if rows else (0, GENESIS)


def _copy(path: Path, event: dict[str, Any]) -> None:
    """Append one event as a JSON line to the file copy (created with mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def append(
    graph: Graph,
    write: Callable[[dict[str, Any]], list[dict[str, Any]]],
    *,
    at: datetime,
    user: str,
    action: str,
    detail: str,
    copy_to: Path | None,
) -> list[dict[str, Any]]:
    """Write an event as the next link of the chain with ``write(link)`` (a stored query
    given ``seq``, ``prev_hash`` and ``hash``, which may write more in the same transaction)
    and copy it to ``copy_to``. Nothing is copied when ``write`` returns no row (it wrote
    nothing). Tried again when another writer took the same ``seq`` first."""
    for _ in range(ATTEMPTS):
        last_seq, last_hash = _head(graph)
        seq = last_seq + 1
        link = {
            "seq": seq,
            "prev_hash": last_hash,
            "hash": event_hash(last_hash, seq, at, user, action, detail),
        }
        try:
            rows = write(link)
        except ConstraintViolated:
            continue
        if rows and copy_to is not None:
            try:
                event = {"at": stamp(at), "user": user, "action": action, "detail": detail}
                _copy(copy_to, {**link, **event})
            except OSError as exc:
                raise AuditError(
                    f"Recorded in Neo4j, but the audit copy {copy_to} could not be written "
                    f"({exc.strerror}): `ringwatch audit verify` will report it."
                ) from None
        return rows
    raise AuditError("The audit trail is busy (other writers kept taking the next slot): retry.")


@dataclass
class Verdict:
    """What ``verify`` found: how many events, the first broken link (None: intact), notes."""

    events: int = 0
    broken: str | None = None
    notes: list[str] = field(default_factory=list)


def _events(graph: Graph) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        params = {"after": after, "limit": PAGE}
        rows = graph.query("app/audit_chain", params, mode="read", retry=False).rows
        yield from rows
        if len(rows) < PAGE:
            return
        after = int(rows[-1]["seq"])


def _native(at: Any) -> datetime:
    return at.to_native() if isinstance(at, neo4j.time.DateTime) else at


def _chain_break(events: Iterator[dict[str, Any]], verdict: Verdict) -> dict[int, str]:
    """Walk the chain in seq order; set ``verdict.broken`` at the first bad link. The
    hashes seen, by seq."""
    expected, prev = 1, GENESIS
    seen: dict[int, str] = {}
    for e in events:
        seq = int(e["seq"])
        if seq != expected:
            missing = f"event {expected}" if seq == expected + 1 else f"events {expected}-{seq - 1}"
            verdict.broken = (
                f"{missing} missing: the chain jumps from event {expected - 1} to {seq} (deleted)."
                if seq > expected
                else f"event {seq} appears twice."
            )
            return seen
        at = _native(e["at"])
        if e["prev_hash"] != prev:
            verdict.broken = (
                f"event {seq} does not follow event {seq - 1}: its prev_hash is not event "
                f"{seq - 1}'s hash (an event was replaced or the chain rewritten)."
            )
            return seen
        if event_hash(prev, seq, at, e["user"], e["action"], e["detail"]) != e["hash"]:
            verdict.broken = (
                f"event {seq} ({stamp(at)}, {e['user']}, {e['action']}) was changed after it "
                "was written: its content no longer matches its hash."
            )
            return seen
        seen[seq] = e["hash"]
        prev, expected = e["hash"], expected + 1
        verdict.events += 1
    return seen


def _copy_break(path: Path, chain: dict[int, str], verdict: Verdict) -> None:
    """Compare the file copy with the chain read from Neo4j."""
    copied: dict[int, str] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                event = json.loads(line)
                copied[int(event["seq"])] = str(event["hash"])
            except (ValueError, KeyError, TypeError):
                verdict.broken = f"line {number} of the file copy {path} is not an audit event."
                return
    for seq in sorted(copied):
        if seq not in chain:
            verdict.broken = (
                f"event {seq} is in the file copy {path} but not in Neo4j (deleted; "
                "`ringwatch graph reset` deletes the trail too)."
            )
            return
        if chain[seq] != copied[seq]:
            verdict.broken = (
                f"event {seq} differs between Neo4j and the file copy {path}: the chain was "
                "rewritten."
            )
            return
    extra = sorted(set(chain) - set(copied))
    if extra:
        verdict.broken = (
            f"events {extra[0]}-{extra[-1]} are in Neo4j but not in the file copy {path} "
            "(written around the app, by an app with another --audit-file, or the copy "
            "failed)."
        )


def verify(graph: Graph, copy: Path | None) -> Verdict:
    """Walk the chain in Neo4j and compare it with the file copy; the first broken link."""
    verdict = Verdict()
    outside = graph.query("app/audit_unchained", mode="read", retry=False).rows[0]
    if outside["unchained"]:
        verdict.broken = (
            f"{outside['unchained']} AuditEvent node(s) have no place in the chain (no seq): "
            "written around the app, or before ringwatch chained its audit trail."
        )
        return verdict
    chain = _chain_break(_events(graph), verdict)
    if verdict.broken:
        return verdict
    if copy is None:
        verdict.notes.append("No file copy given: only the chain inside Neo4j was checked.")
    elif not copy.exists():
        if chain:
            verdict.broken = (
                f"the file copy {copy} is missing, but Neo4j holds {len(chain)} events."
            )
    else:
        _copy_break(copy, chain, verdict)
    return verdict
