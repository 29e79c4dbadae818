"""Stable ring ids across runs.

Rule: a ring found now takes the id of a ring stored by an earlier run when both are of the
same kind and their member sets have a Jaccard similarity of at least ``id_jaccard`` (0.5 by
default). Pairs are matched greedily, most similar first, one to one. Everything else gets a
new id, numbered after the highest number ever handed out (``R000123`` for rings,
``L000045`` for linked-account clusters), so an id is never reused for another group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PREFIX = {"ring": "R", "linked_accounts": "L"}
DIGITS = 6


@dataclass
class Assignment:
    ring_ids: list[str]  # one per new ring, in order
    matched: dict[str, float]  # previous ring id -> Jaccard with the ring that took it
    unmatched: list[str]  # previous ring ids that no new ring took
    last_numbers: dict[str, int]  # highest number used per kind


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def number_of(ring_id: str) -> int:
    digits = "".join(ch for ch in ring_id if ch.isdigit())
    return int(digits) if digits else 0


def assign(
    new: pd.DataFrame,
    previous: pd.DataFrame,
    threshold: float,
    last_numbers: dict[str, int] | None = None,
) -> Assignment:
    """Ids for ``new`` rings (kind, members) given ``previous`` (ring_id, kind, members)."""
    last = {kind: 0 for kind in PREFIX}
    for kind, n in (last_numbers or {}).items():
        last[kind] = max(last.get(kind, 0), int(n))
    for rid, kind in zip(previous.get("ring_id", []), previous.get("kind", []), strict=True):
        last[kind] = max(last.get(kind, 0), number_of(str(rid)))
    new_sets = [set(m) for m in new["members"]] if len(new) else []
    old_sets = [set(m) for m in previous["members"]] if len(previous) else []
    pairs: list[tuple[float, int, int]] = []
    by_member: dict[object, list[int]] = {}
    for j, members in enumerate(old_sets):
        for account in members:
            by_member.setdefault(account, []).append(j)
    for i, members in enumerate(new_sets):
        seen: set[int] = set()
        for account in members:
            seen.update(by_member.get(account, ()))
        for j in seen:
            if previous["kind"].iloc[j] != new["kind"].iloc[i]:
                continue
            score = jaccard(members, old_sets[j])
            if score >= threshold:
                pairs.append((score, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    ids: list[str | None] = [None] * len(new_sets)
    matched: dict[str, float] = {}
    taken: set[int] = set()
    for score, i, j in pairs:
        if ids[i] is None and j not in taken:
            rid = str(previous["ring_id"].iloc[j])
            ids[i], matched[rid] = rid, round(score, 4)
            taken.add(j)
    for i, rid in enumerate(ids):
        if rid is None:
            kind = str(new["kind"].iloc[i])
            last[kind] = last.get(kind, 0) + 1
            ids[i] = f"{PREFIX.get(kind, 'X')}{last[kind]:0{DIGITS}d}"
    unmatched = [str(r) for j, r in enumerate(previous.get("ring_id", [])) if j not in taken]
    return Assignment([str(r) for r in ids], matched, unmatched, last)
