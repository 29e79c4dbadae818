"""Write validated rows to Neo4j in batches with the stored ingest Cypher (UNWIND + MERGE).

Entities (accounts, holders, keys, devices...) are MERGEd on a natural id backed by a
uniqueness constraint. Events (logins, transactions) are immutable: one already in the graph
is skipped whole, and a new one's relationships are CREATEd with it in the same transaction.
Either way writing the same rows twice changes nothing, so the bulk loader and the stream
loader can both retry freely.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pandas as pd

from data import schema
from graph.gateway import ConstraintViolated, Graph

log = logging.getLogger(__name__)

# Load order that keeps placeholders rare (holders before keys, keys before transactions);
# any order converges to the same graph.
LOAD_ORDER: tuple[str, ...] = (
    schema.USUARIOS,
    schema.CHAVES,
    schema.DISPOSITIVOS,
    schema.LIMITES,
    schema.LOGS,
    schema.TRANSACOES,
    schema.FRAUDES,
)
LINK_BATCH = 20_000
# Immutable events and their ids: their statements skip ids already in the graph, so a batch
# must not hold an id twice (the first row of an id wins, as it would across batches).
EVENT_IDS: dict[str, str] = {schema.LOGS: "id_log", schema.TRANSACOES: "id_transacao"}
# Columns each dataset's rows are sorted by before they are written: the nodes its statement
# locks (MERGE takes index-entry locks, a new relationship locks its end nodes), main one
# first. Two loaders writing at once then take their shared locks in the same order, so one
# waits for the other instead of both deadlocking and one redoing its whole batch. Entities
# sort by their own id only: the sort is stable, so two rows of one entity in a batch (an
# update) still apply in arrival order. Events have one row per id by then, and their
# statements do the same in any order.
LOCK_ORDER: dict[str, tuple[str, ...]] = {
    schema.USUARIOS: ("id_usuario",),
    schema.CHAVES: ("chave_pix",),
    schema.DISPOSITIVOS: ("id_dispositivo",),
    schema.LIMITES: ("id_usuario",),
    schema.LOGS: ("id_usuario", "id_dispositivo", "ip"),
    schema.TRANSACOES: ("chave_pix_origem", "chave_pix_destino"),
    schema.FRAUDES: ("id_fraude",),
}
# Two writers racing on the same new event id: one commit fails on the uniqueness constraint;
# written again, its rows find the event present and skip it.
CONSTRAINT_RETRIES = 3


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as parameter maps (missing values become null)."""
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return rows


def batches(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size]


def first_of_each_id(dataset: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of an event dataset with repeated ids dropped (the first row of an id wins)."""
    key = EVENT_IDS.get(dataset)
    if key is None:
        return rows
    seen: set[Any] = set()
    unique = []
    for row in rows:
        if row[key] not in seen:
            seen.add(row[key])
            unique.append(row)
    return unique


def latest_limits(dataset: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Limit rows with one row per account: the latest ``data_atualizacao`` (the last row of
    equal ones). The statement compares each row with the stored update time, which a row
    of the same batch cannot see, so the batch itself must hold only the winner."""
    if dataset != schema.LIMITES:
        return rows
    latest: dict[Any, dict[str, Any]] = {}
    for row in rows:
        kept = latest.get(row["id_usuario"])
        if kept is None or kept["data_atualizacao"] <= row["data_atualizacao"]:
            latest[row["id_usuario"]] = row
    return list(latest.values())


def in_lock_order(dataset: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` sorted by the dataset's ``LOCK_ORDER`` columns (missing values last, equal
    ones in their original order). Only the order changes, and nothing depends on it: events
    have one row per id (``first_of_each_id``, which runs first), and an entity's own rows
    keep their order."""
    columns = LOCK_ORDER.get(dataset, ())

    def key(row: dict[str, Any]) -> tuple[tuple[bool, str], ...]:
        return tuple((row.get(c) is None, str(row.get(c) or "")) for c in columns)

    return sorted(rows, key=key) if columns else rows


def write_rows(gateway: Graph, dataset: str, rows: list[dict[str, Any]]) -> int:
    """Write one batch of validated rows of ``dataset`` in one transaction; returns how many
    transactions got their PIX edge in it (0 for other datasets)."""
    if not rows:
        return 0
    rows = in_lock_order(dataset, latest_limits(dataset, first_of_each_id(dataset, rows)))
    attempt = 1
    while True:
        try:
            result = gateway.query(f"ingest/{dataset}", {"rows": rows}).rows
        except ConstraintViolated:
            if attempt == CONSTRAINT_RETRIES:
                raise
            attempt += 1
            continue
        if not result:
            return 0
        repeated = int(result[0].get("repeated_paths") or 0)
        if repeated:  # see cypher/ingest/transacoes_pix.cypher; one edge was written per pair
            log.warning(
                "Neo4j returned %d repeated key-to-account paths in a batch of %d transfers "
                "(concurrent writes by another loader); each transfer got one PIX edge per "
                "account pair",
                repeated,
                len(rows),
            )
        return int(result[0].get("linked", 0))


def link_transfers(gateway: Graph, batch: int = LINK_BATCH) -> int:
    """Create the account-to-account PIX edge of every :Unlinked transaction that can now be
    resolved (one whose keys, holders or accounts arrived after it)."""
    total = 0
    while True:
        linked = int(gateway.query("ingest/link_transfers", {"limit": batch}).rows[0]["linked"])
        total += linked
        if linked < batch:
            return total
