"""The free Cypher console's guard: Neo4j plans every statement (``EXPLAIN``, which runs
nothing) and only a plan made of plain reads is run.

Neo4j's READ access mode stops data writes, but not procedures that change server state
(``gds.graph.project``, ``gds.graph.drop``), nor ``SHOW`` and administration commands, nor
``LOAD CSV``. So the plan is read operator by operator, against allow-lists:

- every operator must be a read operator (``READ_OPERATORS``) on the session's database;
  anything else (writes, ``LOAD CSV``, ``CALL { } IN TRANSACTIONS``, ``SHOW ...``,
  ``TERMINATE ...``, administration commands, operators this list does not know) is refused,
  with the construct named;
- a procedure call must be one of ``ALLOWED_PROCEDURES``;
- a function with a namespace must be one of Neo4j's own (``FUNCTION_NAMESPACES``): plugin
  functions such as ``gds.*`` are refused. Functions without a namespace are Neo4j's own
  (plugins may not define them).

Pure functions on the plan dictionary the driver returns, so they are unit-tested on
hand-written plans; ``app.store.run_console`` asks Neo4j for the plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

ALLOWED_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
    }
)
# Neo4j's built-in functions with a namespace (SHOW FUNCTIONS ... isBuiltIn on 5.26), less
# graph.* (it names other databases).
FUNCTION_NAMESPACES = frozenset(
    {
        "date",
        "datetime",
        "localdatetime",
        "localtime",
        "time",
        "duration",
        "point",
        "vector.similarity",
    }
)
# Operators of read-only plans (Neo4j 5 Cypher manual, "Operators"). An operator missing
# here is refused: the list fails closed.
READ_OPERATORS = frozenset(
    {
        # scans and seeks
        "AllNodesScan",
        "NodeByLabelScan",
        "UnionNodeByLabelsScan",
        "IntersectionNodeByLabelsScan",
        "SubtractionNodeByLabelsScan",
        "NodeByIdSeek",
        "NodeByElementIdSeek",
        "NodeIndexSeek",
        "NodeUniqueIndexSeek",
        "NodeIndexSeekByRange",
        "NodeUniqueIndexSeekByRange",
        "NodeIndexScan",
        "NodeIndexContainsScan",
        "NodeIndexEndsWithScan",
        "MultiNodeIndexSeek",
        "AssertingMultiNodeIndexSeek",
        "DirectedAllRelationshipsScan",
        "UndirectedAllRelationshipsScan",
        "DirectedRelationshipTypeScan",
        "UndirectedRelationshipTypeScan",
        "DirectedUnionRelationshipTypesScan",
        "UndirectedUnionRelationshipTypesScan",
        "DirectedRelationshipByIdSeek",
        "UndirectedRelationshipByIdSeek",
        "DirectedRelationshipByElementIdSeek",
        "UndirectedRelationshipByElementIdSeek",
        "DirectedRelationshipIndexSeek",
        "UndirectedRelationshipIndexSeek",
        "DirectedRelationshipUniqueIndexSeek",
        "UndirectedRelationshipUniqueIndexSeek",
        "DirectedRelationshipIndexSeekByRange",
        "UndirectedRelationshipIndexSeekByRange",
        "DirectedRelationshipUniqueIndexSeekByRange",
        "UndirectedRelationshipUniqueIndexSeekByRange",
        "DirectedRelationshipIndexScan",
        "UndirectedRelationshipIndexScan",
        "DirectedRelationshipIndexContainsScan",
        "UndirectedRelationshipIndexContainsScan",
        "DirectedRelationshipIndexEndsWithScan",
        "UndirectedRelationshipIndexEndsWithScan",
        "NodeCountFromCountStore",
        "RelationshipCountFromCountStore",
        "Argument",
        "ArgumentTracker",
        "EmptyRow",
        # expanding and paths
        "Expand(All)",
        "Expand(Into)",
        "OptionalExpand(All)",
        "OptionalExpand(Into)",
        "VarLengthExpand(All)",
        "VarLengthExpand(Into)",
        "VarLengthExpand(Pruning)",
        "VarLengthExpand(Pruning,BFS)",
        "BFSPruningVarExpand",
        "Repeat(Trail)",
        "Repeat(Walk)",
        "NullifyMetadata",
        "ShortestPath",
        "StatefulShortestPath(All)",
        "StatefulShortestPath(Into)",
        "ProjectEndpoints",
        "TriadicSelection",
        "TriadicBuild",
        "TriadicFilter",
        "AssertSameNode",
        "AssertSameRelationship",
        # combining rows
        "Apply",
        "SemiApply",
        "AntiSemiApply",
        "LetSemiApply",
        "LetAntiSemiApply",
        "SelectOrSemiApply",
        "SelectOrAntiSemiApply",
        "LetSelectOrSemiApply",
        "LetSelectOrAntiSemiApply",
        "ConditionalApply",
        "AntiConditionalApply",
        "RollUpApply",
        "Optional",
        "Anti",
        "CartesianProduct",
        "NodeHashJoin",
        "ValueHashJoin",
        "NodeLeftOuterHashJoin",
        "NodeRightOuterHashJoin",
        "Union",
        "OrderedUnion",
        # row operators
        "Filter",
        "Projection",
        "Limit",
        "ExhaustiveLimit",
        "Skip",
        "Sort",
        "PartialSort",
        "Top",
        "PartialTop",
        "Distinct",
        "OrderedDistinct",
        "EagerAggregation",
        "OrderedAggregation",
        "Unwind",
        "CacheProperties",
        "Eager",
        "EmptyResult",
        "ProduceResults",
        # checked by name against ALLOWED_PROCEDURES
        "ProcedureCall",
    }
)
WRITE_OPERATOR = re.compile(
    r"^(Create|Merge|LockingMerge|Delete|DetachDelete|Set\w*|Remove\w*|Foreach|LockNodes)$"
)
NAMED = {
    "LoadCSV": ("LOAD CSV", "it reads files or URLs from the server"),
    "TransactionApply": (
        "CALL { } IN TRANSACTIONS",
        "it commits in batches of its own, outside the console's read transaction",
    ),
    "TransactionForeach": (
        "CALL { } IN TRANSACTIONS",
        "it commits in batches of its own, outside the console's read transaction",
    ),
    "AdministrationCommand": (
        "administration commands (SHOW USERS, CREATE USER, ALTER ..., databases)",
        "users, passwords and databases are administered outside the app",
    ),
}
WRITES = "Refused: the console is read-only, and this statement writes to the graph"
# A call of a namespaced function as Neo4j prints it in a plan's details: gds.util.asNode(
_CALL = re.compile(r"(?<![\w.$`])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\(")


def operators(plan: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Every operator of a plan as ``(name, database, details)``, top down. Neo4j names them
    ``Operator@database``."""
    name, _, database = str(plan.get("operatorType", "")).partition("@")
    args = plan.get("args") or plan.get("arguments") or {}
    yield name, database, str(args.get("Details", ""))
    for child in plan.get("children", ()):
        yield from operators(child)


def _words(name: str) -> str:
    """``ShowTransactions`` as ``SHOW TRANSACTIONS``."""
    return " ".join(re.findall(r"[A-Z][a-z]*", name)).upper()


def _refuse(construct: str, reason: str) -> str:
    return f"Refused: the console does not run {construct}: {reason}."


def _function_refusal(details: str) -> str | None:
    for name in _CALL.findall(details):
        if name.rsplit(".", 1)[0] not in FUNCTION_NAMESPACES:
            return _refuse(
                f"the function {name}",
                "plugin functions are not on the console's list (Neo4j's own functions are)",
            )
    return None


def operator_refusal(name: str, database: str, details: str, expected_db: str) -> str | None:
    """Why the console refuses one plan operator, or None when it is a plain read."""
    if name in NAMED:
        return _refuse(*NAMED[name])
    if database and database != expected_db:
        return _refuse(
            f"statements on the database {database!r}",
            f"it reads only {expected_db!r}",
        )
    if name.startswith("Show"):
        return _refuse(_words(name), "SHOW commands reveal server state and other sessions")
    if name.startswith("Terminate"):
        return _refuse(_words(name), "it stops other users' queries")
    if WRITE_OPERATOR.match(name):
        return f"{WRITES} ({name})."
    if name not in READ_OPERATORS:
        return _refuse(
            f"plans with the operator {name}", "only plain reads are on the console's list"
        )
    if name == "ProcedureCall":
        procedure = details.split("(", 1)[0].strip()
        if procedure not in ALLOWED_PROCEDURES:
            allowed = ", ".join(sorted(ALLOWED_PROCEDURES))
            return _refuse(f"the procedure {procedure}", f"only {allowed} may be called")
        details = details[len(procedure) :]
    return _function_refusal(details)


def plan_refusal(plan: Mapping[str, Any] | None, database: str) -> str | None:
    """Why the console refuses a statement with this ``EXPLAIN`` plan, or None to run it."""
    if not plan:
        return _refuse("this statement", "Neo4j returned no plan to check")
    for name, db, details in operators(plan):
        refusal = operator_refusal(name, db, details, database)
        if refusal:
            return refusal
    return None
