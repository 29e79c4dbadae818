"""The free Cypher console on the real Neo4j + GDS: a hostile list (the examples of issue 15
and more) is refused by the plan check before anything runs, and ordinary reads still run."""

from __future__ import annotations

import pytest

from app import store
from graph.queries import inline
from ringwatch.settings import load_settings

pytestmark = pytest.mark.integration

HOSTILE = [
    "CALL gds.graph.project('x', 'Account', 'PIX')",
    "CALL gds.graph.list() YIELD graphName CALL gds.graph.drop(graphName) YIELD graphName AS g "
    "RETURN g",
    "CALL gds.graph.drop('ringwatch-anything', false)",
    "SHOW USERS",
    "SHOW CURRENT USER",
    "CALL dbms.listConfig()",
    "CALL dbms.showCurrentUser()",
    "SHOW TRANSACTIONS",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "SHOW PROCEDURES",
    "SHOW FUNCTIONS",
    "SHOW SETTINGS",
    "SHOW INDEXES",
    "SHOW CONSTRAINTS",
    "SHOW DATABASES",
    "CREATE USER intruder SET PASSWORD 'intruder-password'",
    "ALTER CURRENT USER SET PASSWORD FROM 'a' TO 'b'",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "CALL { MATCH (n) RETURN n } IN TRANSACTIONS RETURN 1",
    "MATCH (n:Intruder) CALL (n) { DETACH DELETE n } IN TRANSACTIONS",
    "CALL db.clearQueryCaches()",
    "CALL db.createLabel('Intruder')",
    "CALL db.stats.collect('QUERIES')",
    "USE system CALL dbms.listConfig()",
    "RETURN gds.version() AS v",
    "MATCH (a:Account) RETURN gds.util.asNode(id(a)) AS n LIMIT 1",
    "CREATE (:Intruder {at: 1}) RETURN 1",
    "MERGE (:Intruder {at: 2})",
    "FOREACH (x IN [1] | CREATE (:Intruder {at: x}))",
    "MATCH (a:Account) SET a.flagged_by_console = true",
    "MATCH (n) RETURN count(n) AS n;\nCALL gds.graph.project('y', 'Account', 'PIX')",
]


def run(gateway, cypher: str, params: dict | None = None) -> store.ReadResult:
    return store.run_console(
        gateway,
        cypher,
        params or {},
        database=load_settings().neo4j_database,
        row_limit=10,
        timeout_s=10,
    )


@pytest.mark.parametrize("cypher", HOSTILE)
def test_console_refuses_hostile_statements(gateway, cypher):
    """Each hostile statement is refused before it runs, with a message naming the construct."""
    with pytest.raises(store.ConsoleRefused) as refused:
        run(gateway, cypher)
    assert str(refused.value).startswith("Refused")


def test_hostile_statements_left_no_trace(gateway):
    """After the hostile list: no projection, no Intruder node, no new user, no flag written."""
    for cypher in HOSTILE:
        with pytest.raises(store.ConsoleRefused):
            run(gateway, cypher)
    graphs = gateway.query(inline("CALL gds.graph.list() YIELD graphName RETURN graphName")).rows
    assert not {g["graphName"] for g in graphs} & {"x", "y"}
    counts = gateway.query(
        inline(
            "OPTIONAL MATCH (i:Intruder) WITH count(i) AS intruders "
            "OPTIONAL MATCH (a:Account) WHERE a.flagged_by_console IS NOT NULL "
            "RETURN intruders, count(a) AS flagged"
        )
    ).rows[0]
    assert counts == {"intruders": 0, "flagged": 0}
    users = gateway.query(inline("SHOW USERS YIELD user RETURN collect(user) AS users")).rows
    assert "intruder" not in users[0]["users"]


def test_console_still_runs_ordinary_reads(gateway):
    """Matches, aggregation, subqueries, paths, allowed procedures and built-in functions run."""
    gateway.query(
        inline(
            "MERGE (:Account {id_usuario: 'U-CONSOLE-1'}) "
            "MERGE (:Account {id_usuario: 'U-CONSOLE-2'})"
        )
    )
    reads = [
        (
            "MATCH (a:Account) WHERE a.id_usuario STARTS WITH $p RETURN a.id_usuario AS id",
            {"p": "U-CONSOLE"},
        ),
        ("MATCH (a:Account) RETURN count(a) AS n, collect(a.id_usuario)[0..2] AS some", {}),
        (
            "MATCH (a:Account) OPTIONAL MATCH (a)-[t:PIX]->(b) RETURN a.id_usuario, count(t)",
            {},
        ),
        ("MATCH (a:Account) WHERE EXISTS { (a)-[:PIX]->() } RETURN count(a) AS n", {}),
        ("MATCH p = (a:Account)-[:PIX*1..3]->(b:Account) RETURN length(p) AS hops LIMIT 3", {}),
        ("CALL db.labels() YIELD label RETURN label ORDER BY label", {}),
        ("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType", {}),
        (
            "RETURN date.truncate('day', datetime()) AS day, duration.between(date(), date()) AS d",
            {},
        ),
        ("UNWIND range(1, 3) AS x RETURN x * 2 AS y ORDER BY y DESC", {}),
        (
            "MATCH (a:Account) RETURN a.id_usuario AS id "
            "UNION MATCH (r:Ring) RETURN r.ring_id AS id",
            {},
        ),
    ]
    for cypher, params in reads:
        run(gateway, cypher, params)
    rows = run(gateway, reads[0][0], reads[0][1]).rows
    assert {r["id"] for r in rows} >= {"U-CONSOLE-1", "U-CONSOLE-2"}
    gateway.query(inline("MATCH (a:Account) WHERE a.id_usuario STARTS WITH 'U-CONSOLE' DELETE a"))
