"""Money as Brazilians write it, everywhere ringwatch shows an amount: R$ 15.931,28."""

from __future__ import annotations

import math


def brl(value: float | None) -> str:
    """``R$ 12.345,67``; ``-`` for a missing amount."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"R$ {text}"
