"""The audit hash chain without a server: hashes, the chain walk, the file-copy comparison,
and appending with a retry when another writer took the next slot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app import audit
from graph.gateway import ConstraintViolated, Result

T0 = datetime(2025, 3, 10, 14, 0, 0, 123456, tzinfo=UTC)


def chain(n: int) -> list[dict]:
    """A well-formed chain of n events as Neo4j returns them."""
    events, prev = [], audit.GENESIS
    for seq in range(1, n + 1):
        at, detail = T0 + timedelta(minutes=seq), json.dumps({"n": seq})
        h = audit.event_hash(prev, seq, at, "ines", "console_query", detail)
        events.append(
            {
                "seq": seq,
                "prev_hash": prev,
                "hash": h,
                "at": at,
                "user": "ines",
                "action": "console_query",
                "detail": detail,
            }
        )
        prev = h
    return events


def walk(events: list[dict]) -> audit.Verdict:
    verdict = audit.Verdict()
    audit._chain_break(iter(events), verdict)
    return verdict


def test_the_hash_covers_every_field_and_the_previous_hash():
    """Changing the time, user, action, detail, seq or previous hash changes the hash."""
    base = ("0" * 64, 1, T0, "ines", "login", "{}")
    h = audit.event_hash(*base)
    assert len(h) == 64 and h == audit.event_hash(*base)
    variants = [
        ("1" * 64, 1, T0, "ines", "login", "{}"),
        ("0" * 64, 2, T0, "ines", "login", "{}"),
        ("0" * 64, 1, T0 + timedelta(microseconds=1), "ines", "login", "{}"),
        ("0" * 64, 1, T0, "rita", "login", "{}"),
        ("0" * 64, 1, T0, "ines", "login_failed", "{}"),
        ("0" * 64, 1, T0, "ines", "login", '{"x": 1}'),
    ]
    assert all(audit.event_hash(*v) != h for v in variants)


def test_an_intact_chain_verifies():
    """A chain whose links all follow each other has no broken link."""
    verdict = walk(chain(4))
    assert verdict.broken is None and verdict.events == 4


def test_an_edited_event_is_named():
    """Editing an event's detail breaks that event's hash, and verify names it."""
    events = chain(4)
    events[2]["detail"] = json.dumps({"n": "forged"})
    assert "event 3" in (walk(events).broken or "") and "changed" in (walk(events).broken or "")


def test_a_deleted_event_is_a_gap():
    """Deleting an event leaves a gap in seq, named as missing."""
    events = chain(4)
    del events[1]
    assert "event 2 missing" in (walk(events).broken or "")


def test_a_replaced_event_does_not_follow_its_predecessor():
    """An event whose prev_hash is not its predecessor's hash breaks the chain there."""
    events = chain(4)
    events[2]["prev_hash"] = "f" * 64
    assert "event 3 does not follow event 2" in (walk(events).broken or "")


def test_a_rewritten_chain_differs_from_the_file_copy(tmp_path):
    """A chain rebuilt with fresh hashes verifies alone, but not against the file copy."""
    original = chain(3)
    copy = tmp_path / "trail.jsonl"
    copy.write_text(
        "".join(json.dumps({"seq": e["seq"], "hash": e["hash"]}) + "\n" for e in original)
    )
    rewritten = chain(3)
    rewritten[1]["detail"] = json.dumps({"n": "forged"})
    prev = rewritten[0]["hash"]
    for e in rewritten[1:]:
        e["prev_hash"] = prev
        e["hash"] = prev = audit.event_hash(
            prev, e["seq"], e["at"], e["user"], e["action"], e["detail"]
        )
    verdict = audit.Verdict()
    seen = audit._chain_break(iter(rewritten), verdict)
    assert verdict.broken is None
    audit._copy_break(copy, seen, verdict)
    assert "event 2 differs" in (verdict.broken or "")


def test_a_deleted_last_event_is_found_through_the_copy(tmp_path):
    """Deleting the newest event leaves a valid chain, but the copy still holds it."""
    events = chain(3)
    copy = tmp_path / "trail.jsonl"
    copy.write_text(
        "".join(json.dumps({"seq": e["seq"], "hash": e["hash"]}) + "\n" for e in events)
    )
    verdict = audit.Verdict()
    audit._copy_break(copy, audit._chain_break(iter(events[:2]), verdict), verdict)
    assert "event 3 is in the file copy" in (verdict.broken or "")


class SlotTakenOnce:
    """A Graph fake: the head is event 7 at first, event 8 after one collision."""

    def __init__(self) -> None:
        self.heads = [[{"seq": 7, "hash": "a" * 64}], [{"seq": 8, "hash": "b" * 64}]]
        self.asked: list[str] = []

    def query(self, query, params=None, **kw):
        self.asked.append(str(query))
        return Result.of_rows(self.heads.pop(0))


def test_append_tries_again_when_another_writer_took_the_slot(tmp_path):
    """A uniqueness refusal on seq re-reads the head and writes the next slot; the copy gets
    the link that was committed."""
    graph, links = SlotTakenOnce(), []

    def write(link):
        links.append(link)
        if len(links) == 1:
            raise ConstraintViolated("seq taken")
        return [{"seq": link["seq"]}]

    copy = tmp_path / "audit" / "trail.jsonl"
    audit.append(graph, write, at=T0, user="ines", action="login", detail="{}", copy_to=copy)
    assert [link["seq"] for link in links] == [8, 9]
    assert links[1]["prev_hash"] == "b" * 64
    [line] = copy.read_text().splitlines()
    assert json.loads(line)["seq"] == 9 and json.loads(line)["hash"] == links[1]["hash"]
    assert oct(copy.stat().st_mode & 0o777) == "0o600"


def test_nothing_is_copied_when_nothing_was_written(tmp_path):
    """A write that matched nothing (an unknown ring) leaves no line in the copy."""
    graph = SlotTakenOnce()
    copy = tmp_path / "trail.jsonl"
    rows = audit.append(
        graph, lambda link: [], at=T0, user="ines", action="decision", detail="{}", copy_to=copy
    )
    assert rows == [] and not copy.exists()


@pytest.mark.parametrize("at", [T0, T0.astimezone(timezone(timedelta(hours=-3)))])
def test_stamps_are_utc_with_microseconds(at):
    """Times are hashed as UTC ISO text with microseconds, whatever their time zone."""
    assert audit.stamp(at) == "2025-03-10T14:00:00.123456+00:00"
