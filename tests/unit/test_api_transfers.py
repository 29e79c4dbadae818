"""A transfer in a POST /v1/decisions body is read by the loaders' rules: the API's scalar
reader accepts and normalises exactly what ``ingest.validate`` does."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from api.transfers import TransferIn
from ingest.validate import validate

BASE = {
    "id_transacao": "T00000001",
    "timestamp": "2025-03-02T21:14:09",
    "valor": 850.0,
    "chave_pix_origem": "ana@x.com",
    "chave_pix_destino": "bia@x.com",
    "tipo_transacao": "transferencia",
    "status": "concluida",
}
CASES: list[dict[str, Any]] = [
    {},
    {"timestamp": "2025-03-02T21:14:09-03:00"},
    {"timestamp": "2025-03-02T23:59:59Z"},  # 20:59:59 in Brasília
    {"timestamp": "2025-03-02 08:30"},
    {"timestamp": "2025-03-02"},
    {"timestamp": "2025-03-02T21:14:09.987+0000"},
    {"timestamp": "02/03/2025"},  # day-first needs a mapping: refused
    {"timestamp": "yesterday"},
    {"valor": "1000.005"},
    {"valor": "12.5"},
    {"valor": 1000},
    {"valor": "-5"},
    {"valor": 0},
    {"valor": "1.234,56"},
    {"valor": 2e9},
    {"tipo_transacao": "Pix QR-Code"},
    {"tipo_transacao": "ESTORNO"},
    {"tipo_transacao": "boleto"},
    {"status": "Concluída"},
    {"status": "pendente"},
    {"chave_pix_destino": "ana@x.com"},
    {"chave_pix_origem": "x" * 257},
]


def _loaders(record: dict[str, Any]) -> dict[str, Any] | None:
    """What the loaders make of the record (None when they reject it)."""
    valid = validate("transacoes_pix", pd.DataFrame([record])).valid
    return None if valid.empty else dict(valid.iloc[0])


def _api(record: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return TransferIn.model_validate(record).model_dump()
    except ValidationError:
        return None


@pytest.mark.parametrize("change", CASES, ids=[str(c) or "as-is" for c in CASES])
def test_the_api_reads_a_record_as_the_loaders_do(change):
    """Accepted by both with the same values, or refused by both."""
    record = {**BASE, **change}
    assert _api(record) == _loaders(record)


def test_type_and_status_may_be_left_out():
    """A transfer asked about before it settles defaults to a concluded transferencia."""
    record = {k: v for k, v in BASE.items() if k not in ("tipo_transacao", "status")}
    transfer = TransferIn.model_validate(record).transfer()
    assert (transfer.type, transfer.status, transfer.cents) == ("transferencia", "concluida", 85000)


def test_unknown_fields_and_booleans_are_refused():
    """A misspelt field or a boolean amount is a validation error, not silently ignored."""
    with pytest.raises(ValidationError, match="Extra inputs"):
        TransferIn.model_validate({**BASE, "valr": 1})
    with pytest.raises(ValidationError):
        TransferIn.model_validate({**BASE, "valor": True})
