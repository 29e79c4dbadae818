"""The money trail of Account 360: where an account's money went (or came from), hop by hop,
up to five transfers deep as MED 2.0 traces it.

Each hop is one stored query over the whole frontier; each next transfer must happen after the
money arrived (before it left, backwards) and within ``hop_hours``. Only the largest transfers
per account are followed, and every account is expanded once, so hubs cannot blow the trail up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from app import store
from graph.gateway import Graph

MAX_HOPS = 5


@dataclass
class Trail:
    start: str
    direction: str
    edges: list[dict[str, Any]] = field(default_factory=list)
    hop_of: dict[str, int] = field(default_factory=dict)
    capped: bool = False


def money_trail(
    gateway: Graph,
    start: str,
    *,
    direction: Literal["forward", "backward"] = "forward",
    hops: int = MAX_HOPS,
    hop_hours: int = 72,
    per_account: int = 5,
    max_accounts: int = 300,
    since: datetime | None = None,
) -> Trail:
    """Follow PIX transfers from ``start`` for up to ``hops`` hops (at most five)."""
    hops = max(1, min(hops, MAX_HOPS))
    trail = Trail(start, direction, hop_of={start: 0})
    time_key = "since" if direction == "forward" else "until"
    frontier: dict[str, datetime | None] = {start: since}
    for hop in range(1, hops + 1):
        if not frontier:
            break
        rows = store.read(
            gateway,
            f"app/trail_{direction}",
            frontier=[{"id": k, time_key: v} for k, v in frontier.items()],
            hop_hours=hop_hours,
            per_account=per_account,
        )
        reached: dict[str, datetime | None] = {}
        for row in rows:
            trail.edges.append({**row, "hop": hop})
            other = row["target"] if direction == "forward" else row["source"]
            if other in trail.hop_of:
                continue
            when = row["timestamp"]
            best = reached.get(other)
            if other not in reached or (
                best is not None and (when < best if direction == "forward" else when > best)
            ):
                reached[other] = when
        for account in reached:
            trail.hop_of[account] = hop
        if len(trail.hop_of) > max_accounts:
            trail.capped = True
            break
        frontier = reached
    return trail
