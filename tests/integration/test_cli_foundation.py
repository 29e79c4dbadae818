"""The `ringwatch stack` and `ringwatch graph` commands against the running stack."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from graph.gateway import Gateway
from graph.queries import inline
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings

pytestmark = pytest.mark.integration


def ringwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringwatch.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_stack_status_shows_versions_and_pids():
    """`stack status` names Neo4j 5.26, GDS 2.13 and Kafka 4 with their PIDs and exits 0."""
    out = ringwatch("stack", "status")
    assert out.returncode == 0, out.stderr
    assert "Neo4j Community 5.26." in out.stdout and "GDS 2.13." in out.stdout
    assert "Kafka 4." in out.stdout and "stopped" not in out.stdout


def test_stack_up_twice_is_harmless():
    """A second `stack up` finds both services running and changes nothing."""
    out = ringwatch("stack", "up")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("already running") == 2


def test_graph_init_is_idempotent(gateway):
    """Running `graph init` twice leaves the same constraints and indexes."""

    def schema():
        rows = gateway.query(inline("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS c")).rows
        idx = gateway.query(inline("SHOW INDEXES YIELD name RETURN collect(name) AS i")).rows
        return sorted(rows[0]["c"]), sorted(idx[0]["i"])

    assert ringwatch("graph", "init").returncode == 0
    first = schema()
    assert ringwatch("graph", "init").returncode == 0
    assert schema() == first and "account_id" in first[0]


def test_graph_reset_needs_yes_and_then_empties_the_graph(gateway):
    """Without --yes nothing is deleted; with --yes every node is gone, in batches."""
    gateway.query(inline("UNWIND range(1, 25000) AS i CREATE (:ResetProbe {i: i})"))
    refused = ringwatch("graph", "reset")
    assert refused.returncode == 1
    assert gateway.query(inline("MATCH (n:ResetProbe) RETURN count(n) AS c")).rows[0]["c"] == 25000
    done = ringwatch("graph", "reset", "--yes")
    assert done.returncode == 0, done.stderr
    assert gateway.query(inline("MATCH (n) RETURN count(n) AS c")).rows[0]["c"] == 0


def test_wrong_password_is_a_clear_message():
    """Bad credentials produce a message naming the user and the settings to check."""
    bad = replace(load_settings(), neo4j_password="not-the-password")
    with Gateway(bad) as gw, pytest.raises(RingwatchError, match="refused the credentials"):
        gw.verify()


def test_server_down_says_what_to_run():
    """Nothing listening at the URI: the message says to run `ringwatch stack up`."""
    s = replace(load_settings(), neo4j_uri="bolt://127.0.0.1:7699")
    with Gateway(s) as gw, pytest.raises(RingwatchError, match="ringwatch stack up"):
        gw.verify()


def test_cli_prints_errors_without_traceback(tmp_path):
    """A command needing Neo4j with no password anywhere prints one error line, no traceback."""
    out = subprocess.run(
        [sys.executable, "-m", "ringwatch.cli", "graph", "init"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "RINGWATCH_VAR_DIR": str(tmp_path)},
    )
    assert out.returncode == 2
    assert "ringwatch stack up" in out.stderr and "Traceback" not in out.stderr
