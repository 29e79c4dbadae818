"""The console guard on hand-written EXPLAIN plans, shaped as Neo4j 5.26 returns them
(``operatorType`` ``Name@database``, ``args.Details``, ``children``)."""

from __future__ import annotations

from typing import Any

import pytest

from app import console
from app.console import plan_refusal


def op(name: str, details: str = "", *children: dict[str, Any], db: str = "neo4j") -> dict:
    """One plan operator as the driver returns it."""
    return {
        "operatorType": f"{name}@{db}" if db else name,
        "identifiers": [],
        "args": {"Details": details},
        "children": list(children),
    }


def returning(*children: dict[str, Any]) -> dict:
    return op("ProduceResults", "x", *children)


def test_plain_reads_run():
    """Scans, expands, filters, aggregation, sorting and built-in functions are plain reads."""
    plan = returning(
        op(
            "Top",
            "`a.x` ASC LIMIT 5",
            op(
                "EagerAggregation",
                "a, count(t) AS c, date.truncate($autostring_2, datetime()) AS d",
                op(
                    "Filter",
                    "a:Account AND a.id_usuario = $x AND point.distance(p, q) < 3",
                    op("Expand(All)", "(a)-[t:PIX]->(b)", op("NodeByLabelScan", "a:Account")),
                ),
            ),
        )
    )
    assert plan_refusal(plan, "neo4j") is None


def test_allowed_procedures_run():
    """db.labels and the other schema procedures on the allow-list may be called."""
    plan = returning(op("ProcedureCall", "db.labels() :: (label :: STRING)"))
    assert plan_refusal(plan, "neo4j") is None


@pytest.mark.parametrize(
    ("plan", "named"),
    [
        (
            returning(
                op("ProcedureCall", "gds.graph.project($a, $b, $c) :: (graphName :: STRING)")
            ),
            "the procedure gds.graph.project",
        ),
        (
            returning(
                op(
                    "ProcedureCall",
                    "gds.graph.drop(graphName) :: (g :: STRING)",
                    op("ProcedureCall", "gds.graph.list() :: (graphName :: STRING)"),
                )
            ),
            "the procedure gds.graph.drop",
        ),
        (
            returning(op("ProcedureCall", "dbms.listConfig() :: (name :: STRING)")),
            "dbms.listConfig",
        ),
        (op("AdministrationCommand", db="system"), "administration commands"),
        (returning(op("ShowTransactions", "defaultColumns")), "SHOW TRANSACTIONS"),
        (returning(op("TerminateTransactions", "x")), "TERMINATE TRANSACTIONS"),
        (returning(op("LoadCSV", "row")), "LOAD CSV"),
        (
            returning(op("TransactionApply", "IN TRANSACTIONS OF 1000 ROWS", op("EmptyRow"))),
            "IN TRANSACTIONS",
        ),
        (returning(op("Create", "(n:X)")), "writes to the graph (Create)"),
        (returning(op("SetProperty", "n.x = 1", op("AllNodesScan", "n"))), "SetProperty"),
        (returning(op("Projection", "gds.version() AS v")), "the function gds.version"),
        (returning(op("Filter", "gds.util.isFinite(x)", op("EmptyRow"))), "gds.util.isFinite"),
        (returning(op("SomeFutureOperator", "x")), "the operator SomeFutureOperator"),
        ({"operatorType": "dbms.listConfig@system", "args": {}}, "the database 'system'"),
        ({}, "no plan"),
    ],
)
def test_everything_but_plain_reads_is_refused_by_name(plan, named):
    """Procedures off the list, SHOW/TERMINATE/administration, LOAD CSV, IN TRANSACTIONS,
    writes, plugin functions, unknown operators and other databases are refused, naming it."""
    refusal = plan_refusal(plan, "neo4j")
    assert refusal is not None and refusal.startswith("Refused")
    assert named in refusal


def test_procedure_arguments_are_checked_for_functions():
    """An allowed procedure cannot smuggle a plugin function in through its arguments."""
    plan = returning(op("ProcedureCall", "db.labels(gds.util.asNode(1)) :: (label :: STRING)"))
    assert "gds.util.asNode" in (plan_refusal(plan, "neo4j") or "")


def test_every_allowed_procedure_is_a_schema_read():
    """The allow-list holds only db.* procedures that read the schema or the label lists."""
    assert all(p.startswith("db.") for p in console.ALLOWED_PROCEDURES)
    assert not any(
        "create" in p.lower() or "clear" in p.lower() for p in console.ALLOWED_PROCEDURES
    )
