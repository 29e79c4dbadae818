"""`ringwatch graph reset` deletes the graph and with it the audit trail's nodes; the file copy
of the trail is moved aside so the next trail's chain starts clean."""

from __future__ import annotations

from datetime import UTC, datetime

from graph.cli import archive_audit_copy


def test_the_audit_copy_is_moved_aside_with_its_time(tmp_path):
    """The copy becomes trail-<UTC time>.jsonl with its content; the trail path is free."""
    trail = tmp_path / "audit" / "trail.jsonl"
    trail.parent.mkdir()
    trail.write_text('{"seq": 1}\n')
    kept = archive_audit_copy(trail, datetime(2026, 12, 1, 5, 4, 3, tzinfo=UTC))
    assert kept == tmp_path / "audit" / "trail-20261201T050403Z.jsonl"
    assert kept.read_text() == '{"seq": 1}\n'
    assert not trail.exists()


def test_no_copy_means_nothing_to_move(tmp_path):
    """Without a file copy, reset has nothing to keep."""
    assert archive_audit_copy(tmp_path / "trail.jsonl", datetime.now(UTC)) is None
