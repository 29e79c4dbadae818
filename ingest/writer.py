"""Write validated rows to Neo4j in batches with the stored ingest Cypher (UNWIND + MERGE).

Every statement MERGEs on a natural id backed by a uniqueness constraint, so writing the
same rows twice changes nothing: the bulk loader and the stream loader can both retry freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from data import schema
from graph.gateway import Gateway

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


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as parameter maps (missing values become null)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def batches(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size]


def write_rows(gateway: Gateway, dataset: str, rows: list[dict[str, Any]]) -> None:
    """Write one batch of validated rows of ``dataset`` in one transaction."""
    if rows:
        gateway.run(f"ingest/{dataset}", rows=rows)


def link_transfers(gateway: Gateway, batch: int = LINK_BATCH) -> int:
    """Create the account-to-account PIX edge of every transaction that can now be resolved."""
    total = 0
    while True:
        linked = gateway.run("ingest/link_transfers", limit=batch)[0]["linked"]
        total += linked
        if linked < batch:
            return total
