"""The one gateway to Neo4j. Detectors, loaders, the GNN exporter and the app receive a
``Gateway``; none of them opens a driver of its own.

Queries are run by name (see ``graph.queries``) with ``$parameters``; connection problems
become ``RingwatchError`` messages that say what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, Query, Record, RoutingControl
from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable

from graph import queries
from ringwatch.errors import RingwatchError
from ringwatch.settings import Settings


class Gateway:
    """Runs stored queries against one Neo4j database."""

    def __init__(self, settings: Settings, driver: Driver | None = None) -> None:
        self.settings = settings
        self._driver = driver

    @property
    def driver(self) -> Driver:
        if self._driver is None:
            self._driver = GraphDatabase.driver(
                self.settings.neo4j_uri,
                auth=(self.settings.neo4j_user, self.settings.resolved_password()),
                user_agent="ringwatch",
                # Server notifications (e.g. "property not yet in the graph") are expected
                # on a partly loaded graph; they would flood the logs.
                notifications_min_severity="OFF",
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
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except ServiceUnavailable:
            hint = (
                "start the local stack with `ringwatch stack up`"
                if not self.settings.external_neo4j
                else "check NEO4J_URI and the server"
            )
            raise RingwatchError(
                f"Neo4j is not reachable at {self.settings.neo4j_uri}: {hint}."
            ) from None
        except AuthError:
            raise RingwatchError(
                f"Neo4j refused the credentials of user {self.settings.neo4j_user!r}: check "
                "NEO4J_USER/NEO4J_PASSWORD (or var/stack/neo4j.password for the local stack)."
            ) from None

    def verify(self) -> None:
        """Fail with a clear message unless Neo4j answers with these credentials."""
        with self._errors():
            self.driver.verify_connectivity()

    def run_text(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        read_only: bool = False,
        timeout_s: float | None = None,
    ) -> list[dict[str, Any]]:
        """Run one Cypher statement with parameters; rows as dicts."""
        query = Query(cypher, timeout=timeout_s) if timeout_s else cypher
        with self._errors():
            records, _, _ = self.driver.execute_query(
                query,
                params or {},
                database_=self.settings.neo4j_database,
                routing_=RoutingControl.READ if read_only else RoutingControl.WRITE,
            )
        return [r.data() for r in records]

    def run(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run the stored query ``name`` (all its statements); rows of the last one."""
        stored = queries.load(name)
        rows: list[dict[str, Any]] = []
        for statement in stored.statements():
            rows = self.run_text(statement, params)
        return rows

    def frame(self, name: str, **params: Any) -> pd.DataFrame:
        """Run a stored query and return its rows as a DataFrame."""
        return pd.DataFrame(self.run(name, **params))

    def columns(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read-only stored query; records as dicts whose values are handed over as
        the driver decoded them (``run`` copies every value through ``Record.data``, which
        is slow for the large parallel lists that column-shaped exports return)."""
        rows: list[dict[str, Any]] = []
        with (
            self._errors(),
            self.driver.session(
                database=self.settings.neo4j_database, default_access_mode=READ_ACCESS
            ) as session,
        ):
            for statement in queries.load(name).statements():
                result = session.run(statement, params)
                keys = result.keys()
                rows = [dict(zip(keys, record.values(), strict=True)) for record in result]
        return rows

    def run_all(
        self,
        steps: list[tuple[str, dict[str, Any]]],
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        """Run stored queries (every statement of each, in order) in ONE write transaction:
        all of them commit or none does. ``before_commit`` runs inside it, last."""

        def work(tx: Any) -> None:
            for name, params in steps:
                for statement in queries.load(name).statements():
                    tx.run(statement, params).consume()
            if before_commit is not None:
                before_commit()

        with (
            self._errors(),
            self.driver.session(database=self.settings.neo4j_database) as session,
        ):
            session.execute_write(work)

    def run_once(
        self,
        cypher: str,
        params: dict[str, Any],
        *,
        write: bool = False,
        row_limit: int | None = None,
        timeout_s: float | None = None,
        convert: Callable[[Record], dict[str, Any]] = Record.data,
    ) -> tuple[list[dict[str, Any]], bool]:
        """One explicit transaction, tried once: unlike ``run`` it is not retried for 30 s
        when Neo4j is down, so an interactive caller fails at once. READ mode (the default)
        makes the server refuse writes, and a read transaction is rolled back; the server
        stops the transaction at ``timeout_s``. At most ``row_limit`` rows are fetched.
        Returns the rows (through ``convert``) and whether the limit cut them short. Driver
        errors are raised as they are: callers word them for their users."""
        mode = WRITE_ACCESS if write else READ_ACCESS
        rows: list[dict[str, Any]] = []
        truncated = False
        with self.driver.session(
            database=self.settings.neo4j_database, default_access_mode=mode
        ) as session:
            tx = session.begin_transaction(timeout=timeout_s)
            try:
                for record in tx.run(cypher, params):
                    if row_limit is not None and len(rows) >= row_limit:
                        truncated = True
                        break
                    rows.append(convert(record))
                if write:
                    tx.commit()
            finally:
                tx.close()
        return rows, truncated

    def run_autocommit(self, cypher: str, params: dict[str, Any] | None = None) -> None:
        """Run a statement in an implicit transaction (needed by CALL ... IN TRANSACTIONS)."""
        with self._errors(), self.driver.session(database=self.settings.neo4j_database) as s:
            s.run(cypher, params or {}).consume()

    def apply_schema(self) -> int:
        """Apply every ``cypher/schema/*.cypher`` statement (all are IF NOT EXISTS)."""
        count = 0
        for path in queries.schema_files():
            for statement in queries.load(f"schema/{path.stem}").statements():
                try:
                    self.run_autocommit(statement)
                except ClientError as exc:
                    raise RingwatchError(
                        f"Schema statement in {path.name} failed: {exc.message}"
                    ) from None
                count += 1
        return count

    def gds(self) -> Any:
        """A graphdatascience client sharing this gateway's driver (Arrow is off in open GDS)."""
        from graphdatascience import GraphDataScience

        with self._errors():
            return GraphDataScience(self.driver, database=self.settings.neo4j_database, arrow=False)
