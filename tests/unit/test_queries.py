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
