"""Bringing a graph loaded by an older ringwatch up to the current graph model.

The only change so far: the loaders keep one ``USED_DEVICE`` relationship per account and
device with a summary of its logins (first and last login, first successful login, logins
and failures). A graph loaded before has logins but none of them; ``backfill_used_device``
builds them from the logins, a page of accounts per transaction. Every command that applies
the schema first checks (``check_model``) and stops with the command to run.
"""

from __future__ import annotations

from collections.abc import Callable

from graph.gateway import Graph, GraphError

PAGE = 20_000  # accounts per transaction: about 100k logins at the generator's rates


class GraphModelOutdated(GraphError):
    """The graph predates a part of the model that readers rely on."""


def used_device_missing(graph: Graph) -> tuple[bool, int, int]:
    """Whether the graph has logins but no USED_DEVICE summaries; how many logins and
    accounts it has."""
    row = graph.query("admin/used_device_missing", mode="read").rows[0]
    return bool(row["missing"]), int(row["logins"]), int(row["accounts"])


def check_model(graph: Graph) -> None:
    """Raise ``GraphModelOutdated``, naming the fix, when the graph needs a migration."""
    missing, logins, _ = used_device_missing(graph)
    if missing:
        raise GraphModelOutdated(
            f"This graph's {logins:,} logins were loaded by an older ringwatch, which did not "
            "keep the USED_DEVICE summaries (who used which device, first and last login, "
            "failures) that detection, scoring and the app now read. Stop the stream loaders "
            "and run `ringwatch graph migrate` once; it can be stopped and run again."
        )


def backfill_used_device(
    graph: Graph, page: int = PAGE, progress: Callable[[int, int], object] | None = None
) -> int:
    """Build every account's USED_DEVICE summaries from its logins, ``page`` accounts per
    transaction, in id order; ``progress(accounts_done, written)`` after each page. Returns
    the relationships written. Loaders must be stopped: a login written meanwhile could be
    counted twice or not at all."""
    after, done, written = "", 0, 0
    while True:
        row = graph.query("admin/backfill_used_device", {"after": after, "page": page}).rows[0]
        if not row["last"]:
            return written
        after = row["last"]
        done += int(row["accounts"])
        written += int(row["written"])
        if progress is not None:
            progress(done, written)
