"""The gateway without a server: how driver errors are worded and typed, and the shapes of a
result (the driver itself is exercised by the integration tests)."""

from __future__ import annotations

from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired

from graph.gateway import (
    ConstraintViolated,
    GraphError,
    Neo4jAuthFailed,
    Neo4jUnavailable,
    QueryRejected,
    QueryTimedOut,
    Result,
    WriteRefused,
    translate,
)
from ringwatch.settings import load_settings

SETTINGS = load_settings({"NEO4J_URI": "bolt://127.0.0.1:7717"})


def server_error(code: str, message: str = "from the server") -> Neo4jError:
    """A Neo4j server error as the driver builds it from the server's code and message."""
    return Neo4jError._hydrate_neo4j(code=code, message=message)


def test_each_driver_error_becomes_one_typed_message_with_a_fix():
    """Unavailable, auth, client errors and time-outs are told apart and say what to do."""
    down = translate(ServiceUnavailable("x"), SETTINGS)
    assert isinstance(down, Neo4jUnavailable) and down.transient
    assert "bolt://127.0.0.1:7717" in str(down) and "ringwatch stack up" in str(down)
    assert isinstance(translate(SessionExpired("x"), SETTINGS), Neo4jUnavailable)
    auth = translate(AuthError("x"), SETTINGS)
    assert isinstance(auth, Neo4jAuthFailed) and not auth.transient
    assert "NEO4J_PASSWORD" in str(auth)
    syntax = translate(
        server_error("Neo.ClientError.Statement.SyntaxError", "bad"), SETTINGS, query="app/x"
    )
    assert (
        isinstance(syntax, QueryRejected) and str(syntax) == "Neo4j rejected the query app/x: bad"
    )
    assert syntax.code == "Neo.ClientError.Statement.SyntaxError"
    refused = translate(server_error("Neo.ClientError.Statement.AccessMode"), SETTINGS)
    assert isinstance(refused, WriteRefused) and "read-only" in str(refused)
    taken = translate(server_error("Neo.ClientError.Schema.ConstraintValidationFailed"), SETTINGS)
    assert isinstance(taken, ConstraintViolated)
    late = translate(
        server_error("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"),
        SETTINGS,
        timeout_s=2,
    )
    assert isinstance(late, QueryTimedOut) and "time limit of 2 s" in str(late)
    assert not late.transient
    busy = translate(server_error("Neo.TransientError.Transaction.DeadlockDetected"), SETTINGS)
    assert isinstance(busy, Neo4jUnavailable) and busy.transient
    other = translate(server_error("Neo.DatabaseError.General.UnknownError"), SETTINGS)
    assert type(other) is GraphError and "ringwatch stack logs neo4j" in str(other)


def test_errors_that_are_not_the_drivers_are_left_alone():
    """A bug in our own code is not dressed up as a Neo4j failure."""
    assert translate(ValueError("bug"), SETTINGS) is None


def test_a_result_gives_rows_or_columns():
    """The same records read as one dict per row or one list per column."""
    result = Result.of_rows([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}])
    assert result.rows == [{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}]
    assert result.columns() == {"a": [1, 2], "b": [[1, 2], [3]]}
    assert not result.truncated
    assert Result.of_rows([]).columns() == {}


def test_refused_component_credentials_name_the_component_variables():
    """When a component's own user is refused, the message names that user's variables."""
    s = load_settings({"NEO4J_APP_USER": "ringwatch_app", "NEO4J_APP_PASSWORD": "x"})
    auth = translate(AuthError("x"), s, component="app")
    assert "'ringwatch_app'" in str(auth) and "NEO4J_APP_USER/NEO4J_APP_PASSWORD" in str(auth)


def test_a_gateway_uses_the_process_component_unless_given_one():
    """run_as sets the component of gateways opened later without one of their own."""
    from graph import gateway

    try:
        gateway.run_as("detector")
        assert gateway.Gateway(SETTINGS).component == "detector"
        assert gateway.Gateway(SETTINGS, component="console").component == "console"
    finally:
        gateway.run_as(None)
    assert gateway.Gateway(SETTINGS).component is None
