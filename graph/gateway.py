"""The one gateway to Neo4j. Loaders, detectors, the GNN, the app and the command line receive
a ``Gateway`` (or anything that implements ``Graph``); none of them opens a driver of its own.

Three verbs:

- ``query(name, params, mode=, timeout_s=, row_limit=, retry=)`` runs one stored query (see
  ``graph.queries``) and returns a ``Result``: its ``rows`` as dicts, or its ``columns()``;
- ``transaction(steps)`` runs several stored queries in ONE write transaction: all of them
  commit or none does;
- ``gds()`` opens a Graph Data Science client on the same driver.

Each component of ringwatch may connect as a Neo4j user of its own
(``NEO4J_<COMPONENT>_USER``/``_PASSWORD``, see ``ringwatch.settings.COMPONENTS``): a gateway
is opened for a ``component``, or for the one this process runs as (the command line sets it
per command with ``run_as``); without its own credentials a component uses the shared ones.

Every driver error is translated once, here, into a ``GraphError`` subclass whose message names
the problem and the fix and whose ``transient`` attribute says whether trying again later can
help: ``Neo4jUnavailable`` (transient), ``Neo4jAuthFailed``, ``QueryRejected`` (and its
``WriteRefused`` and ``ConstraintViolated``) and ``QueryTimedOut``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Query,
    Record,
    Session,
    Transaction,
    unit_of_work,
)
from neo4j import (
    Result as DriverResult,
)
from neo4j.exceptions import (
    AuthError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph import queries
from graph.queries import StoredQuery
from ringwatch.errors import RingwatchError
from ringwatch.settings import COMPONENTS, Settings

Mode = Literal["read", "write"]
Step = tuple["str | StoredQuery", Mapping[str, Any]]
_process_component: str | None = None


def run_as(component: str | None) -> None:
    """Make gateways opened later in this process, without a component of their own, use
    ``component``'s credentials (one command of the command line is one component)."""
    global _process_component
    _process_component = component


class GraphError(RingwatchError):
    """A Neo4j failure, worded for the user. ``transient``: trying again later may succeed;
    ``code``: the Neo4j status code, when the server sent one."""

    transient = False

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class Neo4jUnavailable(GraphError):
    """Neo4j cannot be reached, or could not finish for now (restart, leader switch, deadlock)."""

    transient = True


class Neo4jAuthFailed(GraphError):
    """Neo4j refused the credentials."""


class QueryRejected(GraphError):
    """Neo4j refused the statement (syntax, types, a constraint, a missing parameter)."""


class WriteRefused(QueryRejected):
    """A statement run in read mode tried to write."""


class ConstraintViolated(QueryRejected):
    """A write broke a uniqueness (or other) constraint."""


class QueryTimedOut(GraphError):
    """The server stopped the transaction at its time limit."""


_TIMEOUT_CODES = ("TransactionTimedOut", "Transaction.Terminated")


def translate(
    exc: BaseException,
    settings: Settings,
    *,
    query: str = "",
    timeout_s: float | None = None,
    component: str | None = None,
) -> GraphError | None:
    """The ``GraphError`` for a driver error (``None`` when ``exc`` is not one). ``query`` names
    the stored query in the message; ``timeout_s`` is the limit a time-out hit; ``component``
    is whose credentials were used."""
    if isinstance(exc, GraphError):
        return exc
    if isinstance(exc, ServiceUnavailable | SessionExpired):
        hint = (
            "check NEO4J_URI and the server"
            if settings.external_neo4j
            else "start the local stack with `ringwatch stack up`"
        )
        return Neo4jUnavailable(f"Neo4j is not reachable at {settings.neo4j_uri}: {hint}.")
    if isinstance(exc, AuthError):
        user = settings.component_auth.get(component or "", (settings.neo4j_user, ""))[0]
        return Neo4jAuthFailed(
            f"Neo4j refused the credentials of user {user!r}: check "
            f"{settings.auth_variables(component)}.",
            exc.code or "",
        )
    if not isinstance(exc, Neo4jError | DriverError):
        return None
    code = getattr(exc, "code", None) or ""
    message = getattr(exc, "message", None) or str(exc)
    if any(part in code for part in _TIMEOUT_CODES):
        limit = f" of {timeout_s:g} s" if timeout_s else ""
        return QueryTimedOut(
            f"The query was stopped at the time limit{limit}: narrow it (filters, a smaller "
            "LIMIT, fewer hops) and run it again.",
            code,
        )
    if isinstance(exc, TransientError):
        return Neo4jUnavailable(
            f"Neo4j could not finish the query for now ({message}): run it again.", code
        )
    named = f" {query}" if query else ""
    if code == "Neo.ClientError.Statement.AccessMode":
        return WriteRefused(
            f"Refused: the query{named} runs read-only, and it writes to the graph: run "
            "writes through the command or page made for them.",
            code,
        )
    if isinstance(exc, ConstraintError):
        return ConstraintViolated(f"Neo4j refused the write of the query{named}: {message}", code)
    if code.startswith("Neo.ClientError"):
        return QueryRejected(f"Neo4j rejected the query{named}: {message}", code)
    return GraphError(
        f"Neo4j failed on the query{named}: {message} (details: `ringwatch stack logs neo4j` "
        "for the local stack).",
        code,
    )


@dataclass(frozen=True)
class Result:
    """What a stored query returned (its last statement's records, when it has several)."""

    keys: tuple[str, ...]
    records: tuple[Record, ...]
    truncated: bool = False  # the row limit cut the records short
    plan: Mapping[str, Any] | None = None  # Neo4j's plan, for EXPLAIN and PROFILE statements

    @classmethod
    def of_rows(cls, rows: Sequence[Mapping[str, Any]]) -> Result:
        """A result holding ``rows`` (for fakes of ``Graph`` in tests)."""
        keys = tuple(rows[0]) if rows else ()
        make = cast(Callable[[dict[str, Any]], Record], Record)  # the driver's class is untyped
        return cls(keys, tuple(make(dict(row)) for row in rows))

    @property
    def rows(self) -> list[dict[str, Any]]:
        """One dict per record; nodes, relationships and paths become plain dicts."""
        return [record.data() for record in self.records]

    def columns(self) -> dict[str, list[Any]]:
        """One list per key, values as the driver decoded them. Faster than ``rows`` for the
        large parallel lists of column-shaped exports, which are not copied."""
        return {key: [record[i] for record in self.records] for i, key in enumerate(self.keys)}


class Graph(Protocol):
    """The gateway as its users see it; test fakes implement this."""

    def query(
        self,
        query: str | StoredQuery,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "write",
        timeout_s: float | None = None,
        row_limit: int | None = None,
        retry: bool = True,
    ) -> Result: ...

    def transaction(
        self, steps: Sequence[Step], before_commit: Callable[[], None] | None = None
    ) -> list[Result]: ...

    def gds(self) -> Any: ...


def _collect(result: DriverResult, row_limit: int | None) -> Result:
    keys = tuple(result.keys())
    records: list[Record] = []
    for record in result:
        if row_limit is not None and len(records) >= row_limit:
            return Result(keys, tuple(records), truncated=True)
        records.append(record)
    return Result(keys, tuple(records), plan=result.consume().plan)


def _stored(query: str | StoredQuery) -> StoredQuery:
    return queries.load(query) if isinstance(query, str) else query


class Gateway:
    """Runs stored queries against one Neo4j database (implements ``Graph``)."""

    def __init__(
        self, settings: Settings, driver: Driver | None = None, *, component: str | None = None
    ) -> None:
        self.settings = settings
        self._driver = driver
        self.component = component or _process_component
        if self.component is not None and self.component not in COMPONENTS:
            raise ValueError(f"Unknown Neo4j component {self.component!r}.")

    @property
    def driver(self) -> Driver:
        if self._driver is None:
            self._driver = GraphDatabase.driver(
                self.settings.neo4j_uri,
                auth=self.settings.neo4j_auth(self.component),
                user_agent="ringwatch",
                # Server notifications (e.g. "property not yet in the graph") are expected
                # on a partly loaded graph; they would flood the logs.
                notifications_min_severity="OFF",
                # A managed transaction that fails with a transient error (above all a
                # deadlock between two loaders) is retried after 0.1, 0.2, 0.4 ... s
                # instead of the driver's 1, 2, 4 ... s: the other transaction is usually
                # done by then, and a loader asleep for seconds per deadlock loses most of
                # what a second loader gains (docs/benchmarks.md, two loaders). Still at
                # most 30 s of retries (max_transaction_retry_time) before the error is
                # raised to the caller's own backoff.
                initial_retry_delay=0.1,
            )
        return self._driver

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _translated(self, query: str = "", timeout_s: float | None = None) -> Iterator[None]:
        try:
            yield
        except (Neo4jError, DriverError) as exc:
            error = translate(
                exc, self.settings, query=query, timeout_s=timeout_s, component=self.component
            )
            if error is None:
                raise
            raise error from exc

    def _session(self, mode: Mode) -> Session:
        access = READ_ACCESS if mode == "read" else WRITE_ACCESS
        return self.driver.session(
            database=self.settings.neo4j_database, default_access_mode=access
        )

    def verify(self) -> None:
        """Fail with a clear message unless Neo4j answers with these credentials."""
        with self._translated():
            self.driver.verify_connectivity()

    def query(
        self,
        query: str | StoredQuery,
        params: Mapping[str, Any] | None = None,
        *,
        mode: Mode = "write",
        timeout_s: float | None = None,
        row_limit: int | None = None,
        retry: bool = True,
    ) -> Result:
        """Run one stored query (a name under ``cypher/``, or a ``StoredQuery`` such as
        ``queries.inline(text)``) with ``params``; the records of its last statement.

        ``mode="read"`` makes the server refuse writes (and a read is never committed);
        the server stops the transaction at ``timeout_s``; at most ``row_limit`` records are
        fetched (``Result.truncated`` tells). With ``retry`` (the default) the driver tries
        again for up to 30 s while Neo4j is unavailable; an interactive caller passes
        ``retry=False`` to fail at once. A query whose statements need implicit transactions
        (``StoredQuery.implicit``) runs each statement in its own one."""
        stored = _stored(query)
        statements = stored.statements()
        values = dict(params or {})

        def work(tx: ManagedTransaction | Transaction) -> Result:
            result = Result((), ())
            for statement in statements:
                result = _collect(tx.run(statement, values), row_limit)
            return result

        with self._translated(stored.name, timeout_s), self._session(mode) as session:
            if stored.implicit:
                result = Result((), ())
                for statement in statements:
                    records = session.run(Query(statement, timeout=timeout_s), values)
                    result = _collect(records, row_limit)
                return result
            if retry:
                managed = unit_of_work(timeout=timeout_s)(work)
                if mode == "read":
                    return session.execute_read(managed)
                return session.execute_write(managed)
            tx = session.begin_transaction(timeout=timeout_s)
            try:
                result = work(tx)
                if mode == "write":
                    tx.commit()
            finally:
                tx.close()
            return result

    def transaction(
        self, steps: Sequence[Step], before_commit: Callable[[], None] | None = None
    ) -> list[Result]:
        """Run stored queries (every statement of each, in order) in ONE write transaction:
        all of them commit or none does. ``before_commit`` runs inside it, last. Retried
        while Neo4j is unavailable, like ``query``."""
        plan = [(_stored(query), dict(params)) for query, params in steps]

        def work(tx: ManagedTransaction) -> list[Result]:
            results: list[Result] = []
            for stored, params in plan:
                for statement in stored.statements():
                    result = _collect(tx.run(statement, params), None)
                results.append(result)
            if before_commit is not None:
                before_commit()
            return results

        names = ", ".join(stored.name for stored, _ in plan)
        with self._translated(names), self._session("write") as session:
            return session.execute_write(work)

    def gds(self) -> Any:
        """A graphdatascience client sharing this gateway's driver (Arrow is off in open GDS)."""
        from graphdatascience import GraphDataScience

        with self._translated():
            return GraphDataScience(self.driver, database=self.settings.neo4j_database, arrow=False)


def apply_schema(graph: Graph, check: bool = True) -> int:
    """Apply every ``cypher/schema/*.cypher`` statement (all are IF NOT EXISTS); how many.
    With ``check``, a graph loaded by an older ringwatch that needs a migration first raises
    ``graph.migrations.GraphModelOutdated`` naming the command to run."""
    from graph.migrations import check_model  # it builds on this module

    count = 0
    for path in queries.schema_files():
        stored = queries.load(f"schema/{path.stem}")
        graph.query(stored)
        count += len(stored.statements())
    if check:
        check_model(graph)
    return count
