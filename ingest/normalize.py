"""Values as bank exports write them, read into ringwatch's format: pure, vectorised functions.

``ingest.validate`` uses them for every loader (bulk, stream) and ``ringwatch check``, so all
three read a value the same way. Enum spellings are compared on their folded form (lower case,
no accents, spaces and hyphens as ``_``); timestamps may be a date alone or carry an offset;
amounts may use a decimal comma, and dates may be day-first, when a mapping file says so.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

from data import schema

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
LOCAL_TIME = rf"{_DATE}(?:[T ]{_TIME})?"
ZONED_TIME = rf"{_DATE}[T ]{_TIME}\s?(?:Z|[+-]\d{{2}}(?::?\d{{2}})?)"
# Day-first dates as Brazilian systems write them: 31/12/2025, optionally with a time.
DAY_FIRST = r"(\d{1,2})/(\d{1,2})/(\d{4})((?:[T ]\S.*)?)"
# Brazilian amounts: 1.234,56 or 1234,56 or 1234 (thousands dots, decimal comma).
DECIMAL_COMMA = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"


def fold(text: str) -> str:
    """The spelling enum values are compared on: 'Em Análise' and 'EM-ANALISE' -> 'em_analise'."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", bare.strip().lower())


def enum_lookup(
    allowed: tuple[str, ...],
    synonyms: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Folded spelling -> canonical value: the allowed values, their documented synonyms, and
    a mapping file's value map, which wins over both."""
    lookup = {fold(value): value for value in allowed}
    for table in (synonyms or {}), (overrides or {}):
        lookup.update({fold(spelling): value for spelling, value in table.items()})
    return lookup


def column_lookup(
    dataset: str, column: str, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The enum lookup of one column of a dataset (see ``enum_lookup``)."""
    return enum_lookup(
        schema.ENUMS[dataset][column],
        schema.SYNONYMS.get(dataset, {}).get(column),
        overrides,
    )


def enum_values(text: pd.Series, lookup: Mapping[str, str]) -> pd.Series:
    """The canonical value of each text (object dtype); missing where the text is missing or
    no spelling in ``lookup`` matches it. Folds each distinct value once."""
    table = {value: lookup.get(fold(value)) for value in text.dropna().unique()}
    return pd.Series(text.map(table).to_numpy(dtype=object), index=text.index, dtype=object)


def closest(value: str, lookup: Mapping[str, str]) -> str | None:
    """The canonical value whose spelling is nearest to ``value``, if any is reasonably near."""
    # 0.8 catches typos and gender endings (ativoo, confirmado) but not look-alike words of
    # another meaning (pendente is not improcedente), which would be a harmful suggestion.
    match = difflib.get_close_matches(fold(value), list(lookup), n=1, cutoff=0.8)
    return lookup[match[0]] if match else None


def timestamps(text: pd.Series) -> pd.Series:
    """Brasília wall-clock time of each text (naive datetimes; NaT where unreadable).

    Accepted: ``YYYY-MM-DD`` (midnight), ``YYYY-MM-DDTHH:MM[:SS[.fff]]`` (a space instead of
    ``T`` too) as Brasília local time, and the same date-times with an offset (``Z``,
    ``-03:00``, ``+0000``), converted to Brasília time with its historical rules.
    """
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    local = text.str.fullmatch(LOCAL_TIME).fillna(False).astype(bool)
    if local.any():
        parsed = pd.to_datetime(text[local], format="ISO8601", errors="coerce")
        result[local] = _nanosecond_range(parsed)
    zoned = text.str.fullmatch(ZONED_TIME).fillna(False).astype(bool)
    if zoned.any():
        instants = pd.to_datetime(text[zoned], format="ISO8601", errors="coerce", utc=True)
        wall = instants.dt.tz_convert(schema.TIME_ZONE).dt.tz_localize(None)
        result[zoned] = _nanosecond_range(wall)
    return result


def _nanosecond_range(parsed: pd.Series) -> pd.Series:
    """``parsed`` as nanosecond datetimes; those a nanosecond clock cannot hold (before 1677
    or after 2262, e.g. a mistyped year 2300) become NaT, an unreadable time, instead of
    failing the whole batch."""
    held = (parsed >= pd.Timestamp.min) & (parsed <= pd.Timestamp.max)
    return parsed.where(held).astype("datetime64[ns]")


def day_first_dates(value: pd.Series) -> pd.Series:
    """Day-first dates (``31/12/2025``, ``1/2/2025 08:30``) rewritten as ISO dates
    (``2025-12-31``, ``2025-02-01 08:30``); every other value is returned unchanged."""
    if value.empty:
        return value
    is_text = value.map(type).eq(str)
    parts = value.where(is_text).astype("string").str.strip().str.extract(f"^{DAY_FIRST}$")
    readable = parts[0].notna()
    if not readable.any():
        return value
    iso = (
        parts[2][readable]
        + "-"
        + parts[1][readable].str.zfill(2)
        + "-"
        + parts[0][readable].str.zfill(2)
        + parts[3][readable].fillna("")
    )
    out = value.astype(object).copy()
    out[readable] = iso.to_numpy(dtype=object)
    return out


def decimal_comma_amounts(value: pd.Series) -> pd.Series:
    """Amounts written with a decimal comma (``1.234,56``) as numbers; every other value
    (numbers, missing, text that is not such an amount) is returned unchanged."""
    if value.empty:
        return value
    is_text = value.map(type).eq(str)
    text = value.where(is_text).astype("string").str.strip()
    readable = text.str.fullmatch(DECIMAL_COMMA).fillna(False).astype(bool)
    if not readable.any():
        return value
    plain = text[readable].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out = value.astype(object).copy()
    out[readable] = pd.to_numeric(plain).astype(float).to_numpy(dtype=object)
    return out
