"""App support code without services: model metrics files, run tables, error messages, value
conversion, start-up options, the CLI, and the append-only shape of the app's write queries."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import neo4j.time
import pytest
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from app import cli, modelmetrics, options, store
from graph import queries
from graph.gateway import Mode, Result, Step, translate
from graph.queries import StoredQuery
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings


def write_model(root, version, metrics):
    (root / version).mkdir(parents=True)
    (root / version / "metrics.json").write_text(json.dumps(metrics))


def test_models_are_listed_with_the_current_pointer(tmp_path):
    """Versions with metrics.json are listed; a symlink or a text file marks the current one."""
    write_model(tmp_path, "v1", {"val": {"auc_pr": 0.5}})
    write_model(tmp_path, "v2", {"val": {"auc_pr": 0.7}, "history": [{"epoch": 1, "loss": 1.0}]})
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "metrics.json").write_text("{nope")
    (tmp_path / "current").symlink_to("v2")
    models, problems = modelmetrics.list_models(tmp_path)
    assert {m.version: m.current for m in models} == {"v1": False, "v2": True}
    assert len(problems) == 1 and "broken" in problems[0]
    (tmp_path / "current").unlink()
    (tmp_path / "current").write_text("v1\n")
    assert modelmetrics.current_version(tmp_path) == "v1"
    assert modelmetrics.list_models(tmp_path / "absent") == ([], [])


def test_metrics_are_flattened_and_histories_found():
    """Nested numbers become dotted scalars; lists of records become series."""
    metrics = {"val": {"auc_pr": 0.7, "ok": True}, "n": 3, "history": [{"epoch": 1, "l": 0.5}]}
    assert modelmetrics.scalars(metrics) == {"val.auc_pr": 0.7, "n": 3.0}
    assert list(modelmetrics.series(metrics)) == ["history"]


def test_run_table_expands_json_counts_and_durations():
    """A DetectionRun's JSON counts become columns and its duration is computed."""
    run = {
        "run_id": "R1",
        "started": datetime(2025, 3, 1, 1, 0, 0),
        "ended": datetime(2025, 3, 1, 1, 2, 0),
        "counts": json.dumps({"rings": 4}),
        "parameters": json.dumps({"min_score": 0.3}),
        "outcome": "ok",
    }
    table = modelmetrics.run_table([run])
    assert table.loc[0, "count.rings"] == 4 and table.loc[0, "seconds"] == 120.0
    assert list(table.columns[:5]) == ["run_id", "started", "ended", "seconds", "outcome"]


def server_error(code: str, message: str) -> Neo4jError:
    """A Neo4j server error as the driver builds it from the server's code and message."""
    return Neo4jError._hydrate_neo4j(code=code, message=message)


class FailingGraph:
    """A ``Graph`` whose queries fail with ``error``, translated as the gateway does."""

    def __init__(self, error: Exception) -> None:
        self.error = error

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
        name = query if isinstance(query, str) else query.name
        raise translate(self.error, load_settings({}), query=name, timeout_s=timeout_s) from None

    def transaction(
        self, steps: Sequence[Step], before_commit: Callable[[], None] | None = None
    ) -> list[Result]:
        raise AssertionError("not used")

    def gds(self) -> Any:
        raise AssertionError("not used")


def explained(error: Exception, cypher: str = "RETURN 1", timeout_s: float = 5) -> str:
    """The message the console shows when its statement fails with ``error``."""
    with pytest.raises(Exception) as failed:
        store.read_limited(
            FailingGraph(error), queries.inline(cypher), {}, row_limit=5, timeout_s=timeout_s
        )
    return store.explain(failed.value)


def test_errors_become_one_sentence():
    """Refused writes, time-outs, syntax errors and an unreachable server read as advice."""
    refused = server_error("Neo.ClientError.Statement.AccessMode", "Writing in read mode")
    assert explained(refused).startswith("Refused: the console is read-only")
    timed = server_error("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", "")
    assert "time limit of 5 s" in explained(timed, timeout_s=5)
    syntax = server_error("Neo.ClientError.Statement.SyntaxError", "bad")
    assert explained(syntax) == "Neo4j rejected the query: bad"
    assert "not reachable" in explained(ServiceUnavailable("down"))
    assert store.explain(RingwatchError("do this")) == "do this"


def test_neo4j_values_become_plain_python():
    """Neo4j temporal values in nested results become datetime objects."""
    value = {"at": [neo4j.time.DateTime(2025, 3, 1, 9, 30, 0)]}
    assert store.tidy(value) == {"at": [datetime(2025, 3, 1, 9, 30, 0)]}


def test_options_come_from_the_script_arguments(tmp_path):
    """Options after `--` set the users file and limits; defaults sit under the var dir."""
    settings = load_settings({"RINGWATCH_VAR_DIR": str(tmp_path)})
    default = options.parse_options([], settings)
    assert default.users_file == tmp_path / "app-users.toml"
    given = options.parse_options(
        ["--users-file", str(tmp_path / "u.toml"), "--row-limit", "5", "--unknown", "x"], settings
    )
    assert given.users_file == tmp_path / "u.toml" and given.row_limit == 5


def test_app_refuses_to_start_without_users(tmp_path):
    """`ringwatch app` with no users file fails before starting Streamlit, saying what to run."""
    with pytest.raises(RingwatchError, match="ringwatch app --add-user"):
        cli.run_app(users_file=tmp_path / "absent.toml")


def test_streamlit_command_is_local_and_quiet():
    """The app listens where asked, sends no usage statistics and shows no tracebacks."""
    command = cli.streamlit_command("127.0.0.1", 8600, cli.MAIN, cli.MAIN, 100, 5.0)
    flags = dict(zip(command[5::2], command[6::2], strict=False))
    assert flags["--server.port"] == "8600"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--client.showErrorDetails"] == "none"
    assert command[command.index("--") + 1] == "--users-file"


def test_app_write_queries_only_append_decisions_and_audit_events():
    """No app query deletes or edits a Decision or AuditEvent: the history is append-only."""
    for q in queries.list_queries("app"):
        body = "\n".join(q.statements()).upper()
        assert "DELETE" not in body and "REMOVE" not in body and "MERGE" not in body, q.name
        for line in body.splitlines():
            if "SET " in line:
                assert "D." not in line.split("SET ", 1)[1], q.name
