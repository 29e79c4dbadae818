"""One transfer in a ``POST /v1/decisions`` body, read by the loaders' rules.

The body carries the columns of a ``transacoes_pix`` record (what a payment system would put
on ``pix.transacoes``). ``ingest.validate`` is vectorised pandas, about a hundred times too
slow for one record per request, so this module applies the same rules to one record with
the same building blocks (``ingest.normalize``'s time patterns and enum spellings,
``ingest.validate``'s limits): a timestamp with an offset is converted to Brasília time,
local ones are Brasília time already; amounts are positive, at most R$ 1 billion, rounded
to centavos; enum values are read in any case, accents and documented synonyms. A unit
test checks that both accept and normalise the same records. ``tipo_transacao`` and
``status`` may be left out (``transferencia``, ``concluida``): the transfer has not
settled yet when it is asked about.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator

from data import schema
from decide.state import Transfer
from ingest import normalize
from ingest.validate import MAX_MONEY, MAX_TEXT

_LOCAL = re.compile(normalize.LOCAL_TIME)
_ZONED = re.compile(normalize.ZONED_TIME)
_BRASILIA = ZoneInfo(schema.TIME_ZONE)
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


@cache
def _lookup(column: str) -> dict[str, str]:
    return normalize.column_lookup(schema.TRANSACOES, column)


def brasilia_time(text: str) -> datetime:
    """The Brasília wall-clock time of an ISO-8601 date or date-time (seconds kept, as the
    loaders keep them); a ``ValueError`` saying what is accepted otherwise."""
    value = text.strip()
    try:
        if _ZONED.fullmatch(value):
            instant = datetime.fromisoformat(re.sub(r"\s+(?=[Z+-]\S*$)", "", value))
            wall = instant.astimezone(_BRASILIA).replace(tzinfo=None)
        elif _LOCAL.fullmatch(value):
            wall = datetime.fromisoformat(value)
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            "not an ISO-8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, an offset "
            "such as -03:00 allowed)"
        ) from None
    return wall.replace(microsecond=0)


def enum_value(column: str, text: str) -> str:
    """The canonical value of an enum column, read as the loaders read it."""
    found = _lookup(column).get(normalize.fold(text))
    if found is None:
        allowed = ", ".join(schema.ENUMS[schema.TRANSACOES][column])
        raise ValueError(f"unknown value (allowed: {allowed})")
    return found


class TransferIn(BaseModel):
    """A Pix transfer to decide: the columns of a ``transacoes_pix`` record."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "id_transacao": "T00012345",
                    "timestamp": "2025-03-02T21:14:09-03:00",
                    "valor": 850.0,
                    "chave_pix_origem": "ana@example.com",
                    "chave_pix_destino": "+5511912345678",
                    "tipo_transacao": "transferencia",
                    "status": "concluida",
                }
            ]
        },
    )

    id_transacao: Text = Field(description="The transfer's id (alerts are keyed by it).")
    timestamp: str = Field(
        description="When it happens: ISO-8601, Brasília time unless it carries an offset."
    )
    valor: StrictFloat | StrictInt | str = Field(
        description="Amount in reais, > 0 and at most 1,000,000,000 (a number, or its text)."
    )
    chave_pix_origem: Text = Field(description="The paying Pix key.")
    chave_pix_destino: Text = Field(description="The receiving Pix key.")
    tipo_transacao: str = Field(
        "transferencia", description="transferencia, qrcode, agendado, saque or devolucao."
    )
    status: str = Field("concluida", description="concluida, rejeitada or devolvida.")

    @field_validator("timestamp")
    @classmethod
    def _timestamp(cls, value: str) -> str:
        return brasilia_time(value).isoformat()

    @field_validator("valor")
    @classmethod
    def _valor(cls, value: Any) -> float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError("not a number") from None
        number = float(value)
        if number != number or number > MAX_MONEY:
            raise ValueError("amount too large" if number == number else "not a number")
        number = round(number, 2)
        if number <= 0:
            raise ValueError("amount must be > 0")
        return number

    @field_validator("tipo_transacao")
    @classmethod
    def _tipo(cls, value: str) -> str:
        return enum_value("tipo_transacao", value)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return enum_value("status", value)

    @field_validator("chave_pix_destino")
    @classmethod
    def _other_key(cls, value: str, info: Any) -> str:
        if value == info.data.get("chave_pix_origem"):
            raise ValueError("same key as chave_pix_origem")
        return value

    def transfer(self) -> Transfer:
        """The engine's view of this record."""
        return Transfer.of_row(self.model_dump())
