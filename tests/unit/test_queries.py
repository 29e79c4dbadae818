"""Stored Cypher files are parsed into named, documented queries."""

from __future__ import annotations

import pytest

from graph import queries
from ringwatch.errors import RingwatchError

TEXT = """// Members of a ring.
// Lists each member with its role.
// @param ring_id: string, the ring's id (example: R0001)
// @param limit: integer, most rows (example: 50)
MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(a)
RETURN a LIMIT $limit
"""


def test_header_gives_description_and_parameters():
    """The comment header becomes the description and the @param list with examples."""
    q = queries.parse("analyst/x", TEXT)
    assert q.description == "Members of a ring. Lists each member with its role."
    assert [(p.name, p.type, p.example) for p in q.params] == [
        ("ring_id", "string", "R0001"),
        ("limit", "integer", "50"),
    ]
    assert q.used_params == {"ring_id", "limit"}


def test_statements_split_on_semicolons_at_line_end():
    """A file with several statements yields each one without comments."""
    q = queries.parse("s", "// two\nCREATE (a);\n// c\nCREATE (b);\n")
    assert q.statements() == ["CREATE (a)", "CREATE (b)"]


def test_names_cannot_escape_the_cypher_folder():
    """A query name with ../ is refused."""
    with pytest.raises(RingwatchError):
        queries.load("../pyproject")


def test_every_schema_statement_is_idempotent():
    """Schema files only hold IF NOT EXISTS statements, so `graph init` can run twice."""
    for path in queries.schema_files():
        for stmt in queries.load(f"schema/{path.stem}").statements():
            assert "IF NOT EXISTS" in stmt, stmt


def test_every_stored_query_documents_its_parameters():
    """Each $parameter a stored query uses is documented with an @param line."""
    for folder in sorted(p.name for p in queries.CYPHER_DIR.iterdir() if p.is_dir()):
        for q in queries.list_queries(folder):
            assert q.description, f"{q.name} has no description"
            documented = {p.name for p in q.params}
            assert q.used_params <= documented, f"{q.name}: {q.used_params - documented}"


TYPED = """// Every parameter type.
// @param ring_id: string, a ring (example: R0001)
// @param limit: integer, most rows (example: 50)
// @param min_score: float, lowest score (example: 0.5)
// @param retired: boolean, include retired rings (example: false)
// @param since: datetime, window start (example: 2025-03-01T09:00:00Z)
// @param frontier: list, maps {id, since} (example: [{id: 'U0000001', since: null}])
// @param kinds: list, ring kinds
RETURN $ring_id, $limit, $min_score, $retired, $since, $frontier, $kinds
"""


def test_bind_types_text_as_the_header_declares():
    """Each value is converted to its declared type; parameters not given take the example."""
    q = queries.parse("analyst/typed", TYPED)
    values = q.bind({"limit": "7", "retired": "Yes", "kinds": "['ring', 'linked_accounts']"})
    assert values == {
        "ring_id": "R0001",
        "limit": 7,
        "min_score": 0.5,
        "retired": True,
        "since": "2025-03-01T09:00:00",
        "frontier": [{"id": "U0000001", "since": None}],
        "kinds": ["ring", "linked_accounts"],
    }


def test_bind_refuses_unknown_missing_and_malformed_parameters():
    """An undeclared name, a missing value without an example and bad text fail with a
    message naming the parameter."""
    q = queries.parse("analyst/typed", TYPED)
    with pytest.raises(RingwatchError, match="no parameter ringid"):
        q.bind({"ringid": "R1", "kinds": "[]"})
    with pytest.raises(RingwatchError, match="needs the parameter kinds"):
        q.bind({})
    with pytest.raises(RingwatchError, match="limit='many' is not a valid integer"):
        q.bind({"limit": "many", "kinds": "[]"})
    with pytest.raises(RingwatchError, match="retired='maybe' is not a valid boolean"):
        q.bind({"retired": "maybe", "kinds": "[]"})
    with pytest.raises(RingwatchError, match="kinds='ring' is not a valid list"):
        q.bind({"kinds": "ring"})


def test_every_stored_example_binds():
    """Every documented example value of every stored query reads as its declared type."""
    for folder in sorted(p.name for p in queries.CYPHER_DIR.iterdir() if p.is_dir()):
        for q in queries.list_queries(folder):
            if all(p.example is not None for p in q.params):
                assert set(q.bind({})) == {p.name for p in q.params}, q.name


def test_statements_that_need_implicit_transactions_are_recognised():
    """IN TRANSACTIONS and schema commands run in implicit transactions; other queries not."""
    assert queries.load("admin/reset_batch").implicit
    assert queries.load("schema/001_constraints").implicit
    assert not queries.load("analyst/ring_members").implicit
    assert not queries.inline("MATCH (n) RETURN count(n) AS n").implicit
