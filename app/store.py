"""The app's reads and writes, through the one Gateway and the stored queries in cypher/app/.

No Streamlit here: pages call these functions and show ``explain(exc)`` when they fail, so
the same code is exercised by integration tests against the real Neo4j.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import neo4j
import neo4j.time
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from app import security
from app.security import User
from graph import queries
from graph.gateway import Gateway
from ringwatch.errors import RingwatchError
from ringwatch.settings import SettingsError

PAGE_TIMEOUT_S = 30.0  # page reads are bounded queries; this stops a pathological one


class AppError(Exception):
    """A failure shown to the user as a message."""


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


def explain(exc: BaseException, timeout_s: float | None = None) -> str:
    """One sentence for the user: what went wrong and what to do."""
    if isinstance(exc, RingwatchError | SettingsError | AppError | security.UsersFileError):
        return str(exc)
    if isinstance(exc, ServiceUnavailable):
        return "Neo4j is not reachable: start it (`ringwatch stack up`) and reload the page."
    code = getattr(exc, "code", None) or ""
    message = getattr(exc, "message", None) or str(exc)
    if code == "Neo.ClientError.Statement.AccessMode":
        return "Refused: the console is read-only, and this statement writes to the graph."
    if "TransactionTimedOut" in code or "Terminated" in code:
        limit = f" of {timeout_s:g} s" if timeout_s else ""
        return (
            f"The query was stopped at the time limit{limit}: narrow it "
            "(filters, a smaller LIMIT, fewer hops) and run it again."
        )
    if code.startswith("Neo.ClientError.Statement"):
        return f"Neo4j rejected the query: {message}"
    if isinstance(exc, Neo4jError | DriverError):
        return f"Neo4j failed: {message}"
    return f"Unexpected error ({type(exc).__name__}): {exc}"


def _statement(name: str) -> str:
    statements = queries.load(name).statements()
    if len(statements) != 1:
        raise AppError(f"Stored query {name} must hold exactly one statement.")
    return statements[0]


def _execute(
    gateway: Gateway,
    cypher: str,
    params: dict[str, Any],
    *,
    write: bool = False,
    row_limit: int | None = None,
    timeout_s: float = PAGE_TIMEOUT_S,
) -> ReadResult:
    """One explicit transaction through ``Gateway.run_once``: not retried for 30 s when Neo4j
    is down, so a page fails at once with a message. READ mode makes the server refuse
    writes; the transaction is stopped at ``timeout_s``."""
    try:
        rows, truncated = gateway.run_once(
            cypher,
            params,
            write=write,
            row_limit=row_limit,
            timeout_s=timeout_s,
            convert=lambda record: tidy(record.data()),
        )
    except (ServiceUnavailable, SessionExpired):
        raise RingwatchError(
            f"Neo4j is not reachable at {gateway.settings.neo4j_uri}: start it "
            "(`ringwatch stack up`) and reload the page."
        ) from None
    except AuthError:
        raise RingwatchError(
            f"Neo4j refused the credentials of user {gateway.settings.neo4j_user!r}: check "
            "NEO4J_USER/NEO4J_PASSWORD."
        ) from None
    return ReadResult(rows, truncated)


def read(
    gateway: Gateway, name: str, *, timeout_s: float = PAGE_TIMEOUT_S, **params: Any
) -> list[dict[str, Any]]:
    """Rows of the stored read query ``cypher/<name>.cypher`` (READ mode, time-limited)."""
    return _execute(gateway, _statement(name), params, timeout_s=timeout_s).rows


def write(gateway: Gateway, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a stored write query (decisions and audit events) and commit it."""
    return _execute(gateway, _statement(name), params, write=True).rows


def read_limited(
    gateway: Gateway,
    cypher: str,
    params: dict[str, Any],
    *,
    row_limit: int,
    timeout_s: float,
) -> ReadResult:
    """Run any statement in a READ transaction: the server refuses writes, the transaction
    is stopped at ``timeout_s``, and at most ``row_limit`` rows are fetched."""
    return _execute(gateway, cypher, params, row_limit=row_limit, timeout_s=timeout_s)


def audit(gateway: Gateway, user: User | str, action: str, **detail: Any) -> None:
    """Append an ``(:AuditEvent {at, user, action, detail})`` node."""
    write(
        gateway,
        "app/audit_event",
        at=security.now_utc(),
        user=user.name if isinstance(user, User) else user,
        action=action,
        detail=security.audit_detail(**detail),
    )


def record_decision(
    gateway: Gateway, user: User, target_type: str, target_id: str, decision: str, note: str
) -> dict[str, Any]:
    """Append a Decision about a ring or account (with its audit event, in one transaction);
    a ring's ``status`` becomes confirmed, dismissed or escalated."""
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
    rows = write(
        gateway,
        f"app/decide_{target_type}",
        decision_id=decision_id,
        target_id=target_id.strip(),
        decision=decision,
        status=security.RING_STATUS_AFTER[decision],
        note=note.strip(),
        user=user.name,
        at=at,
        detail=security.audit_detail(
            decision_id=decision_id,
            target_type=target_type,
            target_id=target_id.strip(),
            decision=decision,
            note=note.strip(),
        ),
    )
    if not rows:
        raise AppError(f"No {target_type} with id {target_id!r}: nothing was recorded.")
    return rows[0]


def graph_counts(gateway: Gateway) -> dict[str, int]:
    """Counts of accounts, transfers, rings and runs (to tell an empty graph apart)."""
    rows = read(gateway, "app/graph_counts")
    return {r["item"]: int(r["count"]) for r in rows}
