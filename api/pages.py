"""Stable cursor pagination: a page ends with an opaque cursor naming its last item's sort
key, and the next page starts strictly after that key (keyset pagination, no OFFSET).

An item that exists from the first page to the last is returned exactly once, whatever is
added or removed meanwhile, because the sort keys are unique (``ring_id``;
``(decided_at, alert_id)``). The cursor also carries a fingerprint of the filters it was
made for: using it with other filters is refused (``bad-cursor``) instead of silently
skipping items.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MALFORMED = "The cursor is malformed: pass back the `next_cursor` of a page."


class CursorError(ValueError):
    """A cursor that was not made by this API for this query."""


def fingerprint(filters: Mapping[str, Any]) -> str:
    """A short hash of the filters a cursor belongs to."""
    text = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode(key: Sequence[Any], filters: Mapping[str, Any]) -> str:
    """The cursor after an item whose sort key is ``key``."""
    raw = json.dumps({"k": list(key), "f": fingerprint(filters)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str | None, filters: Mapping[str, Any], width: int) -> list[Any] | None:
    """The sort key inside ``cursor`` (None for the first page); a ``CursorError`` when it
    is malformed, of another width, or made for other filters."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        key = data["k"]
        made_for = data["f"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise CursorError(MALFORMED) from None
    if not isinstance(key, list) or len(key) != width or not all(isinstance(k, str) for k in key):
        raise CursorError(MALFORMED)
    if made_for != fingerprint(filters):
        raise CursorError(
            "The cursor was made for other filters: repeat the query with the same filters, "
            "or start again without a cursor."
        )
    return key


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def body(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def page_of(
    rows: list[dict[str, Any]],
    limit: int,
    key_of: Any,
    filters: Mapping[str, Any],
) -> Page:
    """A page from ``limit + 1`` fetched rows: the first ``limit``, and a cursor when there
    was one more (so an exactly full last page has no cursor)."""
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items, encode(key_of(items[-1]), filters) if more and items else None)
