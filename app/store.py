"""The app's reads and writes, through the one gateway and stored queries (cypher/app/, and
the analysts' queries where a page asks the same question).

No Streamlit here: pages call these functions and show ``explain(exc)`` when they fail, so
the same code is exercised by integration tests against the real Neo4j.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import neo4j.time

from app import audit as trail
from app import console, security
from app.security import User
from graph.gateway import Graph, WriteRefused
from graph.queries import StoredQuery, inline
from ringwatch.errors import RingwatchError
from ringwatch.settings import SettingsError

PAGE_TIMEOUT_S = 30.0  # page reads are bounded queries; this stops a pathological one
CONSOLE_REFUSED = console.WRITES + "."


class AppError(Exception):
    """A failure shown to the user as a message."""


class ConsoleRefused(AppError):
    """The console's guard refused a statement before it ran (``app.console``)."""


@dataclass(frozen=True)
class ReadResult:
    rows: list[dict[str, Any]]
    truncated: bool


def tidy(value: Any) -> Any:
    """Neo4j values as plain Python (dates and times become datetime/date objects)."""
    if isinstance(value, neo4j.time.DateTime | neo4j.time.Date | neo4j.time.Time):
        return value.to_native()
    if isinstance(value, neo4j.time.Duration):
        return str(value)
    if isinstance(value, dict):
        return {k: tidy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tidy(v) for v in value]
    return value


def explain(exc: BaseException) -> str:
    """One sentence for the user: what went wrong and what to do. Neo4j failures arrive
    already worded by the gateway (``graph.gateway.GraphError``)."""
    if isinstance(exc, RingwatchError | SettingsError | AppError | security.UsersFileError):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}): {exc}"


def _execute(
    gateway: Graph,
    query: str | StoredQuery,
    params: dict[str, Any],
    *,
    write: bool = False,
    row_limit: int | None = None,
    timeout_s: float = PAGE_TIMEOUT_S,
) -> ReadResult:
    """One transaction, tried once: a page fails at once with a message when Neo4j is down
    (no 30 s of retries). READ mode makes the server refuse writes; the transaction is
    stopped at ``timeout_s``."""
    result = gateway.query(
        query,
        params,
        mode="write" if write else "read",
        timeout_s=timeout_s,
        row_limit=row_limit,
        retry=False,
    )
    return ReadResult([tidy(row) for row in result.rows], result.truncated)


def read(
    gateway: Graph, name: str, *, timeout_s: float = PAGE_TIMEOUT_S, **params: Any
) -> list[dict[str, Any]]:
    """Rows of the stored read query ``cypher/<name>.cypher`` (READ mode, time-limited)."""
    return _execute(gateway, name, params, timeout_s=timeout_s).rows


def write(gateway: Graph, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a stored write query (decisions and audit events) and commit it."""
    return _execute(gateway, name, params, write=True).rows


def read_limited(
    gateway: Graph,
    query: StoredQuery,
    params: dict[str, Any],
    *,
    row_limit: int,
    timeout_s: float,
) -> ReadResult:
    """Run a library query or the console's ``queries.inline`` statement in a READ
    transaction: the server refuses writes (``CONSOLE_REFUSED`` says so), the transaction
    is stopped at ``timeout_s``, and at most ``row_limit`` rows are fetched."""
    try:
        return _execute(gateway, query, params, row_limit=row_limit, timeout_s=timeout_s)
    except WriteRefused as exc:
        raise WriteRefused(CONSOLE_REFUSED, exc.code) from exc


def run_console(
    gateway: Graph,
    cypher: str,
    params: dict[str, Any],
    *,
    database: str,
    row_limit: int,
    timeout_s: float,
) -> ReadResult:
    """Run free Cypher from the console: each statement is first planned with ``EXPLAIN``
    (which runs nothing) and refused, naming the construct, unless its plan is a plain read
    on ``database`` (``app.console``); then it runs as ``read_limited`` does."""
    query = inline(cypher)
    statements = query.statements()
    if not statements:
        raise ConsoleRefused("Type a Cypher statement first.")
    for statement in statements:
        explained = gateway.query(
            inline("EXPLAIN " + statement),
            params,
            mode="read",
            timeout_s=timeout_s,
            retry=False,
        )
        refusal = console.plan_refusal(explained.plan, database)
        if refusal:
            raise ConsoleRefused(refusal)
    return read_limited(gateway, query, params, row_limit=row_limit, timeout_s=timeout_s)


def audit(
    gateway: Graph,
    user: User | str,
    action: str,
    *,
    copy_to: Path | None = None,
    **detail: Any,
) -> None:
    """Append an ``(:AuditEvent {at, user, action, detail})`` node as the next link of the
    hash chain, and a copy of it to ``copy_to`` (``app.audit``)."""
    at = security.now_utc()
    name = user.name if isinstance(user, User) else user
    text = security.audit_detail(**detail)
    trail.append(
        gateway,
        lambda link: write(
            gateway, "app/audit_event", at=at, user=name, action=action, detail=text, **link
        ),
        at=at,
        user=name,
        action=action,
        detail=text,
        copy_to=copy_to,
    )


def record_decision(
    gateway: Graph,
    user: User,
    target_type: str,
    target_id: str,
    decision: str,
    note: str,
    *,
    copy_to: Path | None = None,
) -> dict[str, Any]:
    """Append a Decision about a ring or account (with its audit event, chained, in one
    transaction; the event is also copied to ``copy_to``); a ring's ``status`` becomes
    confirmed, dismissed or escalated."""
    if target_type not in ("ring", "account"):
        raise AppError(f"Unknown target type {target_type!r}.")
    if decision not in security.DECISIONS:
        raise AppError(f"Unknown decision {decision!r}.")
    needed = "escalate" if decision == "escalate" else "decide"
    if not user.can(needed):
        raise AppError(f"The {user.role} role may not {decision}; ask an investigator.")
    if not note.strip():
        raise AppError("Write a note: every decision says why.")
    decision_id = f"DEC-{uuid.uuid4().hex[:16]}"
    at = security.now_utc()
    detail = security.audit_detail(
        decision_id=decision_id,
        target_type=target_type,
        target_id=target_id.strip(),
        decision=decision,
        note=note.strip(),
    )
    rows = trail.append(
        gateway,
        lambda link: write(
            gateway,
            f"app/decide_{target_type}",
            decision_id=decision_id,
            target_id=target_id.strip(),
            decision=decision,
            status=security.RING_STATUS_AFTER[decision],
            note=note.strip(),
            user=user.name,
            at=at,
            detail=detail,
            **link,
        ),
        at=at,
        user=user.name,
        action="decision",
        detail=detail,
        copy_to=copy_to,
    )
    if not rows:
        raise AppError(f"No {target_type} with id {target_id!r}: nothing was recorded.")
    return rows[0]


def graph_counts(gateway: Graph) -> dict[str, int]:
    """Counts of accounts, transfers, rings and runs (to tell an empty graph apart)."""
    rows = read(gateway, "app/graph_counts")
    return {r["item"]: int(r["count"]) for r in rows}
