"""Validate dataset records before they reach Neo4j: pure, vectorised, never raises on bad data.

``validate(dataset, frame, mapping)`` splits a DataFrame of raw records (strings, as read from
CSV or JSON) into rows ready for the ingest Cypher and rejected rows, each with a reason. Bulk
load, the stream loader and ``ringwatch check`` use the same function, so all three accept
exactly the same data. Values are read tolerantly (``ingest.normalize``): enum spellings in
any case and accents, documented synonyms, date-only and offset timestamps; a mapping file
(``ingest.mapping``) covers renamed columns, other value names and decimal commas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import schema
from ingest import normalize
from ingest.mapping import DataMapping

MAX_TEXT = 256  # longest id, name, e-mail or key we accept
MAX_MONEY = 1e9  # R$ 1 billion: anything above is a data error, not a Pix

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_PHONE = r"^\+55\d{10,11}$"
_EVP = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_IPV4 = r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$"
_OCTET = r"(?:[01][0-9][0-9]|2[0-4][0-9]|25[0-5]|[0-9][0-9]?)"  # 0-255, 1-3 ASCII digits
_IPV4_ASCII = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"

_TIME_HINT = (
    "not an ISO-8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, "
    "an offset such as -03:00 allowed)"
)
DAY_FIRST_HINT = "a day-first date such as 31/12/2025 needs day_first_dates: true in a mapping"
COMMA_HINT = "not a number (a decimal comma such as 1.234,56 needs decimal: ',' in a mapping)"

_CPF_W1 = np.arange(10, 1, -1)
_CPF_W2 = np.arange(11, 1, -1)
_CNPJ_W1 = np.array([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
_CNPJ_W2 = np.array([6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])


@dataclass(frozen=True)
class Validated:
    """Rows ready to write, and rejected rows with a ``reason`` column."""

    valid: pd.DataFrame
    rejected: pd.DataFrame


def _check(digits: np.ndarray, weights: np.ndarray) -> np.ndarray:
    rest = (digits[:, : len(weights)] * weights).sum(axis=1) % 11
    return np.where(rest < 2, 0, 11 - rest)


def _digit_matrix(values: pd.Series, width: int) -> np.ndarray:
    joined = "".join(values.tolist())
    return np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, width) - 48


def valid_documents(values: pd.Series) -> pd.Series:
    """True where a value is a CPF (11 digits) or CNPJ (14 digits) with correct check digits."""
    text = values.astype("string").fillna("")
    ok = pd.Series(False, index=values.index)
    for width, w1, w2 in ((11, _CPF_W1, _CPF_W2), (14, _CNPJ_W1, _CNPJ_W2)):
        mask = text.str.fullmatch(rf"\d{{{width}}}").fillna(False).astype(bool)
        if not mask.any():
            continue
        digits = _digit_matrix(text[mask], width)
        good = (_check(digits, w1) == digits[:, width - 2]) & (
            _check(digits, w2) == digits[:, width - 1]
        )
        # 000.000.000-00 and other repeated-digit numbers pass the sums but are void.
        good &= ~(digits == digits[:, :1]).all(axis=1)
        ok[mask] = good
    return ok


def _valid_keys(keys: pd.Series, kinds: pd.Series) -> pd.Series:
    """Pix key syntax by key type (CPF/CNPJ keys also need valid check digits)."""
    ok = pd.Series(False, index=keys.index)
    docs = kinds.isin(["CPF", "CNPJ"])
    width = kinds.map({"CPF": 11, "CNPJ": 14})
    ok[docs] = valid_documents(keys[docs]) & (keys[docs].str.len() == width[docs])
    for kind, pattern in (("EMAIL", _EMAIL), ("TELEFONE", _PHONE), ("EVP", _EVP)):
        sel = kinds == kind
        ok[sel] = keys[sel].str.fullmatch(pattern).fillna(False).astype(bool)
    return ok


def _valid_ip(values: pd.Series) -> pd.Series:
    """Four dot-separated numbers of 1-3 digits, each at most 255. ASCII values (all but a
    few odd ones) go through one Arrow regex that spells out 0-255; the rest (``\\d`` also
    matches other scripts' digits) are read number by number, as they always were."""
    text = values.astype("string")
    plain = text.str.isascii().fillna(True).astype(bool)
    ok = text.str.fullmatch(_IPV4_ASCII).fillna(False).astype(bool)
    if not plain.all():
        ok[~plain] = _valid_ip_by_number(text[~plain])
    return ok


def _valid_ip_by_number(values: pd.Series) -> pd.Series:
    parts = values.str.extract(_IPV4).astype(float)
    return parts.notna().all(axis=1) & (parts <= 255).all(axis=1)


def _reject(reasons: pd.Series, mask: pd.Series, reason: str) -> None:
    """Record ``reason`` for rows in ``mask`` that have no earlier reason."""
    reasons[mask & reasons.isna()] = reason


def validate(dataset: str, frame: pd.DataFrame, mapping: DataMapping | None = None) -> Validated:
    """Split raw records of one dataset into valid rows (typed for Cypher) and rejects.

    With a mapping, rows are first put into ringwatch's columns and values; rejected rows are
    returned as they came in (the file's own columns and values) with a ``reason``."""
    columns = schema.COLUMNS[dataset]
    extras = schema.EXTRA_COLUMNS.get(dataset, {})
    source = frame.reset_index(drop=True)
    raw = source if mapping is None else mapping.apply(dataset, source)
    decimal = "." if mapping is None else mapping.of(dataset).decimal
    missing = [c for c in columns if c not in raw.columns]
    reasons = pd.Series(pd.NA, index=raw.index, dtype="object")
    if missing:
        _reject(reasons, pd.Series(True, index=raw.index), f"missing column(s) {missing}")
        return Validated(raw.iloc[0:0], source.assign(reason=reasons))

    out = pd.DataFrame(index=raw.index)
    for col, kind in {**columns, **{c: k for c, k in extras.items() if c in raw}}.items():
        value = raw[col]
        absent = value.isna()
        is_str = _is_str(value)
        text = value.where(is_str).astype("string").str.strip()
        text = text.mask(text == "")
        if col in columns:
            _reject(reasons, absent | (is_str & text.isna()), f"{col}: missing value")
        wrong_type = ~absent & ~is_str
        if kind == schema.MONEY:
            wrong_type &= ~_is_number(value)
        _reject(reasons, wrong_type, f"{col}: wrong type")
        if kind == schema.MONEY:
            # With decimal ',' the mapping already turned every readable amount into a number.
            number = pd.to_numeric(
                value.where(~is_str, text if decimal == "." else None), errors="coerce"
            )
            unread = value.notna() & number.isna()
            if decimal == ",":
                _reject(reasons, unread, f"{col}: not a number (the mapping says 1.234,56)")
            else:
                comma = text.str.fullmatch(normalize.DECIMAL_COMMA).fillna(False).astype(bool)
                _reject(reasons, unread & comma, f"{col}: {COMMA_HINT}")
                _reject(reasons, unread, f"{col}: not a number")
            limit_like = dataset == schema.LIMITES
            bad = (number < 0) if limit_like else (number <= 0)
            _reject(
                reasons,
                bad.fillna(False),
                f"{col}: amount must be {'>= 0' if limit_like else '> 0'}",
            )
            _reject(reasons, (number > MAX_MONEY).fillna(False), f"{col}: amount too large")
            number = number.round(2)
            if not limit_like:
                _reject(reasons, (number <= 0).fillna(False), f"{col}: amount must be > 0")
            out[col] = number
            continue
        _reject(
            reasons, (text.str.len() > MAX_TEXT).fillna(False), f"{col}: longer than {MAX_TEXT}"
        )
        if kind == schema.TIMESTAMP:
            parsed = normalize.timestamps(text)
            day_first = text.str.fullmatch(normalize.DAY_FIRST).fillna(False).astype(bool)
            _reject(reasons, parsed.isna() & day_first, f"{col}: {DAY_FIRST_HINT}")
            _reject(reasons, text.notna() & parsed.isna(), f"{col}: {_TIME_HINT}")
            out[col] = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S")
        elif kind == schema.ENUM:
            allowed = schema.ENUMS[dataset][col]
            canonical = normalize.enum_values(text, normalize.column_lookup(dataset, col))
            unknown = text.notna() & canonical.isna()
            fallback = schema.FALLBACKS.get(dataset, {}).get(col)
            if fallback is None:
                _reject(reasons, unknown, f"{col}: unknown value (allowed: {', '.join(allowed)})")
                out[col] = canonical
            else:
                other, original = fallback
                out[col] = canonical.where(~unknown, other)
                out[original] = text.where(unknown)
        else:
            out[col] = text
    if "cpf_cnpj" in out:
        _reject(
            reasons,
            out["cpf_cnpj"].notna() & ~valid_documents(out["cpf_cnpj"]),
            "cpf_cnpj: invalid CPF/CNPJ check digits",
        )
    if dataset == schema.CHAVES:
        _reject(
            reasons,
            out["chave_pix"].notna()
            & out["tipo_chave"].notna()
            & ~_valid_keys(out["chave_pix"], out["tipo_chave"]),
            "chave_pix: not a valid key of its tipo_chave",
        )
    if "ip" in out:
        _reject(reasons, out["ip"].notna() & ~_valid_ip(out["ip"]), "ip: not an IPv4 address")
    if dataset == schema.TRANSACOES:
        _reject(
            reasons,
            out["chave_pix_origem"] == out["chave_pix_destino"],
            "chave_pix_destino: same key as chave_pix_origem",
        )
    bad = reasons.notna()
    valid = out[~bad].astype(object).where(out[~bad].notna(), None)
    return Validated(
        valid.reset_index(drop=True),
        source[bad].assign(reason=reasons[bad]).reset_index(drop=True),
    )


def _is_str(value: pd.Series) -> pd.Series:
    if isinstance(value.dtype, pd.StringDtype):
        return value.notna()
    if value.dtype == object:
        return value.map(type).eq(str)
    return pd.Series(False, index=value.index)


def _is_number(value: pd.Series) -> pd.Series:
    """JSON may carry money as a number; booleans are not numbers here."""
    if value.dtype.kind in "iuf":
        return value.notna()
    kinds = value.map(type)
    return kinds.isin([int, float]) & value.notna()
