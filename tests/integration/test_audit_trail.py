"""The audit trail on the real Neo4j: events written by the app's code form an intact hash
chain with a matching file copy, and editing, deleting or rewriting one is caught by
`ringwatch audit verify`, which names the first broken link."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app import audit, store
from app.security import User
from graph.queries import inline
from ringwatch.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

INES = User("ines", "investigator")


@pytest.fixture
def trail(gateway, tmp_path):
    """Five chained events (sign-in, queries, a decision on a ring) and their file copy."""
    gateway.query(inline("MATCH (e:AuditEvent) DETACH DELETE e"))
    gateway.query(inline("MERGE (:Ring {ring_id: 'R-AUDIT-1', status: 'open'})"))
    copy = tmp_path / "audit" / "trail.jsonl"
    store.audit(gateway, "ines", "login", copy_to=copy)
    store.audit(gateway, INES, "console_query", copy_to=copy, cypher="MATCH (n) RETURN n")
    store.record_decision(gateway, INES, "ring", "R-AUDIT-1", "escalate", "Check.", copy_to=copy)
    store.audit(gateway, INES, "library_query", copy_to=copy, query="analyst/ring_members")
    store.audit(gateway, "rita", "login", copy_to=copy)
    yield copy
    gateway.query(inline("MATCH (e:AuditEvent) DETACH DELETE e"))
    gateway.query(inline("MATCH (r:Ring {ring_id: 'R-AUDIT-1'}) DETACH DELETE r"))


def test_events_written_by_the_app_form_an_intact_chain(gateway, trail):
    """Five events, seq 1..5, each after the previous one; the copy matches."""
    verdict = audit.verify(gateway, trail)
    assert verdict.broken is None and verdict.events == 5
    assert len(trail.read_text().splitlines()) == 5
    rows = gateway.query(inline("MATCH (e:AuditEvent) RETURN e.seq AS s ORDER BY s")).rows
    assert [r["s"] for r in rows] == [1, 2, 3, 4, 5]


def test_an_edited_event_is_named(gateway, trail):
    """Changing the note of the decision's audit event breaks event 3."""
    gateway.query(
        inline("MATCH (e:AuditEvent {seq: 3}) SET e.detail = $d"), {"d": json.dumps({"x": 1})}
    )
    assert "event 3 (" in (audit.verify(gateway, trail).broken or "")


def test_a_deleted_event_is_named(gateway, trail):
    """Deleting event 2 leaves a gap the walk reports."""
    gateway.query(inline("MATCH (e:AuditEvent {seq: 2}) DELETE e"))
    assert "event 2 missing" in (audit.verify(gateway, trail).broken or "")


def test_deleting_the_newest_event_is_caught_by_the_copy(gateway, trail):
    """The chain without its last event is valid alone; the file copy still holds event 5."""
    gateway.query(inline("MATCH (e:AuditEvent {seq: 5}) DELETE e"))
    assert audit.verify(gateway, None).broken is None
    assert "event 5 is in the file copy" in (audit.verify(gateway, trail).broken or "")


def test_an_event_inserted_around_the_app_is_caught(gateway, trail):
    """An AuditEvent created without a place in the chain is reported."""
    gateway.query(inline("CREATE (:AuditEvent {at: datetime(), user: 'x', action: 'login'})"))
    assert "no place in the chain" in (audit.verify(gateway, trail).broken or "")


def test_verify_command_exit_codes(gateway, trail):
    """`ringwatch audit verify` exits 0 on an intact trail, 1 naming the broken link."""
    command = [sys.executable, "-m", "ringwatch.cli", "audit", "verify", "--file", str(trail)]
    env = dict(os.environ)
    ok = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "intact: 5 events" in ok.stdout
    gateway.query(inline("MATCH (e:AuditEvent {seq: 4}) SET e.user = 'someone-else'"))
    bad = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "BROKEN" in bad.stderr and "event 4" in bad.stderr
