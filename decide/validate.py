"""The engine's validation of a polled batch, record by record: the loader's checks without a
DataFrame per batch.

``plan_records(messages, topics)`` returns what ``ingest.stream.plan_batch`` returns (rows
per dataset in message order, valid counts, rejections with the same causes and reasons),
but checks each decoded record in plain Python. ``plan_batch`` builds pandas frames and
costs about 25 ms per batch and dataset whatever the batch's size (2.6 ms per message in
polls of ten, measured), which is what kept the engine behind at low latency.

The values the loader's ``ingest.validate.validate`` reads in one way only (plain ASCII
text, amounts such as ``1234.56``, timestamps such as ``2025-03-10T12:00:00``) are checked
here; any other value (a date alone, an offset, a decimal comma, non-ASCII digits, a huge
number) sends its record to ``validate`` itself, together with the batch's columns, so the
outcome is the loader's by construction. As in ``validate``, a column that no record of
the batch carries rejects every record of that dataset in the batch.
``tests/unit/test_decide_validate.py`` compares both on the same batches.

If ``validate`` itself ever fails on a batch, ``plan_batch`` halves the batch until the
failing record is alone, and a record of a half may then see "missing column(s)" instead of
"missing value"; here the other records are judged on the whole batch. Verdicts are the
same. (A date no nanosecond clock holds, such as year 2300, used to be such an input; it is
now an unreadable timestamp for both.)
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd

from data import schema
from ingest import normalize
from ingest.stream import MAX_MESSAGE_BYTES, BatchPlan, Message, plan_batch
from ingest.topics import Topics
from ingest.validate import (
    _EMAIL,
    _EVP,
    _PHONE,
    MAX_MONEY,
    MAX_TEXT,
    validate,
)
from ingest.writer import records

# Datasets checked here; any other goes through ``validate`` whole (fraud types fall back
# to ``outro`` there, which this module does not do; the engine does not read fraudes).
LEAN: frozenset[str] = frozenset(schema.COLUMNS) - frozenset(schema.FALLBACKS)
_POSITION = "\x00position"
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})")
_MONEY = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?")
_IPV4 = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})")
_KEYS = {
    kind: re.compile(pattern)
    for kind, pattern in (
        ("EMAIL", _EMAIL),
        ("TELEFONE", _PHONE),
        ("EVP", _EVP),
    )
}
_CPF_W1, _CPF_W2 = range(10, 1, -1), range(11, 1, -1)
_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_DOC_WIDTH = {"CPF": 11, "CNPJ": 14}
_LOOKUP_CACHE = 4_096  # folded enum spellings remembered per column
# pandas' datetime64[ns] holds 1677-09-21 to 2262-04-11; other years are its to decide.
_YEARS = range(1678, 2262)


class _Defer(Exception):
    """This record holds a value that only ``validate`` reads for sure."""


def plan_records(
    messages: list[Message], topics: Topics, max_bytes: int = MAX_MESSAGE_BYTES
) -> BatchPlan:
    """Decode and validate a batch like ``ingest.stream.plan_batch`` (no mapping), pure: the
    same plan, with each dataset checked record by record (``check_records``)."""
    return plan_batch(messages, topics, max_bytes, validator=_check_items)


def _check_items(
    dataset: str, items: list[tuple[int, dict[str, Any]]]
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """``check_records`` in the shape ``plan_batch`` takes: valid rows in order, and
    (position, reason) of each rejected message."""
    outcomes = check_records(dataset, [obj for _, obj in items])
    valid: list[dict[str, Any]] = []
    rejected: list[tuple[int, str]] = []
    for (position, _), (row, reason) in zip(items, outcomes, strict=True):
        if row is not None:
            valid.append(row)
        else:
            rejected.append((position, str(reason)))
    return valid, rejected


def check_records(
    dataset: str, objects: list[dict[str, Any]]
) -> list[tuple[dict[str, Any] | None, str | None]]:
    """Per record of one dataset's batch, in order: (the valid row, None) or (None, the
    reason it is rejected), exactly as ``ingest.validate.validate`` decides on the batch."""
    columns = schema.COLUMNS[dataset]
    present: set[str] = set()
    for obj in objects:
        present.update(obj)
    if dataset not in LEAN:
        return _by_validate(dataset, list(enumerate(objects)), present, len(objects))
    missing = [c for c in columns if c not in present]
    if missing:
        return [(None, f"missing column(s) {missing}")] * len(objects)
    kinds = {
        **columns,
        **{c: k for c, k in schema.EXTRA_COLUMNS.get(dataset, {}).items() if c in present},
    }
    checker = _checker(dataset, tuple(kinds.items()))
    out: list[tuple[dict[str, Any] | None, str | None]] = []
    deferred: list[tuple[int, dict[str, Any]]] = []
    for index, obj in enumerate(objects):
        try:
            out.append(checker.check(obj))
        except _Defer:
            out.append((None, None))
            deferred.append((index, obj))
    if deferred:
        for index, outcome in zip(
            (i for i, _ in deferred),
            _by_validate(dataset, deferred, present, len(objects)),
            strict=True,
        ):
            out[index] = outcome
    return out


def _by_validate(
    dataset: str, items: list[tuple[int, dict[str, Any]]], present: set[str], size: int
) -> list[tuple[dict[str, Any] | None, str | None]]:
    """``validate`` on some records of a batch, in a frame with the batch's columns (so a
    column that another record carries is a missing value here, as in the whole batch).
    Should ``validate`` fail, the records are split until the failing one is isolated, as
    the stream loader does."""
    frame = pd.DataFrame([obj for _, obj in items], columns=sorted(present))
    frame[_POSITION] = list(range(len(items)))
    outcomes: list[tuple[dict[str, Any] | None, str | None]] = [(None, None)] * len(items)
    try:
        checked = validate(dataset, frame)
    except Exception as exc:
        if len(items) == 1:
            return [(None, f"validation failed: {type(exc).__name__}: {exc}")]
        half = len(items) // 2
        return _by_validate(dataset, items[:half], present, size) + _by_validate(
            dataset, items[half:], present, size
        )
    rejected = dict(
        zip(checked.rejected[_POSITION].tolist(), checked.rejected["reason"].tolist(), strict=True)
    )
    valid = iter(records(checked.valid) if not checked.valid.empty else [])
    for position in range(len(items)):  # valid rows come in the order of the records
        reason = rejected.get(position)
        outcomes[position] = (None, reason) if reason is not None else (next(valid), None)
    return outcomes


@functools.lru_cache(maxsize=64)
def _checker(dataset: str, kinds: tuple[tuple[str, str], ...]) -> _Checker:
    """The checker of a dataset with these columns, built once (its enum memos are of pure
    functions, so they may outlive a batch). Transfers with exactly their own columns get
    the specialised ``_TransferChecker``."""
    general = _Checker(dataset, dict(kinds))
    if dataset == schema.TRANSACOES and dict(kinds) == schema.COLUMNS[dataset]:
        return _TransferChecker(general)
    return general


class _Checker:
    """The checks of ``validate`` for one dataset, applied to one record at a time."""

    def __init__(self, dataset: str, kinds: dict[str, str]) -> None:
        self.dataset = dataset
        self.required = frozenset(schema.COLUMNS[dataset])
        self.limit_like = dataset == schema.LIMITES
        self.steps: list[tuple[str, Callable[[Any], tuple[Any, str | None]]]] = []
        for column, kind in kinds.items():
            self.steps.append((column, self._step(column, kind)))

    def _step(self, column: str, kind: str) -> Callable[[Any], tuple[Any, str | None]]:
        if kind == schema.MONEY:
            return lambda value: _money(column, value, self.limit_like)
        if kind == schema.TIMESTAMP:
            return lambda value: _timestamp(column, value)
        if kind == schema.ENUM:
            lookup = normalize.column_lookup(self.dataset, column)
            allowed = ", ".join(schema.ENUMS[self.dataset][column])
            folded: dict[str, str | None] = {}

            def enum(value: Any) -> tuple[Any, str | None]:
                text, reason = _text(column, value)
                if text is None:
                    return None, reason
                canonical = folded.get(text, folded)
                if canonical is folded:
                    canonical = lookup.get(normalize.fold(text))
                    if len(folded) < _LOOKUP_CACHE:
                        folded[text] = canonical
                if canonical is None:
                    return None, f"{column}: unknown value (allowed: {allowed})"
                return canonical, None

            return enum
        return lambda value: _text(column, value)

    def check(self, obj: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        row: dict[str, Any] = {}
        for column, step in self.steps:
            value = obj.get(column)
            if value is None:
                if column in self.required:
                    return None, f"{column}: missing value"
                row[column] = None
                continue
            checked, reason = step(value)
            if reason is not None:
                if column not in self.required and reason == f"{column}: missing value":
                    checked = None  # an optional column left empty is no value, not an error
                else:
                    return None, reason
            row[column] = checked
        reason = self._record_checks(row)
        return (None, reason) if reason is not None else (row, None)

    def _record_checks(self, row: dict[str, Any]) -> str | None:
        document = row.get("cpf_cnpj")
        if document is not None and not _valid_document(document):
            return "cpf_cnpj: invalid CPF/CNPJ check digits"
        if self.dataset == schema.CHAVES and not _valid_key(row["chave_pix"], row["tipo_chave"]):
            return "chave_pix: not a valid key of its tipo_chave"
        ip = row.get("ip")
        if ip is not None and not _valid_ip(ip):
            return "ip: not an IPv4 address"
        if (
            self.dataset == schema.TRANSACOES
            and row["chave_pix_origem"] == row["chave_pix_destino"]
        ):
            return "chave_pix_destino: same key as chave_pix_origem"
        return None


class _TransferChecker(_Checker):
    """``_Checker`` for transfers, with a shortcut for the usual record: text values that
    are plain, an amount ``_money`` reads, a timestamp in the one form read here, enums in
    their canonical spelling, two different keys. Such a record is valid, and its row is
    the one ``_Checker.check`` builds, field by field; any other record (anything unusual,
    anything rejected) goes to ``_Checker.check``, so the verdicts and reasons are its by
    construction. ``tests/unit/test_decide_validate.py`` compares both on random broken
    records."""

    _TIMES_KEPT = 4_096  # timestamps remembered as readable (transfers share their second)

    def __init__(self, general: _Checker) -> None:
        self.dataset, self.required, self.limit_like = (
            general.dataset,
            general.required,
            general.limit_like,
        )
        self.steps = general.steps
        enums = schema.ENUMS[schema.TRANSACOES]
        self._canonical = {
            column: frozenset(
                v
                for v in enums[column]
                if normalize.column_lookup(schema.TRANSACOES, column).get(normalize.fold(v)) == v
                and v == v.strip()
            )
            for column in ("tipo_transacao", "status")
        }
        self._times: set[str] = set()

    def check(self, obj: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        get = obj.get
        tid, at, src, dst = (
            get("id_transacao"),
            get("timestamp"),
            get("chave_pix_origem"),
            get("chave_pix_destino"),
        )
        kind, status = get("tipo_transacao"), get("status")
        if (
            type(tid) is str
            and type(at) is str
            and type(src) is str
            and type(dst) is str
            and type(kind) is str
            and type(status) is str
            and kind in self._canonical["tipo_transacao"]
            and status in self._canonical["status"]
        ):
            tid, at, src, dst = tid.strip(), at.strip(), src.strip(), dst.strip()
            if (
                0 < len(tid) <= MAX_TEXT
                and 0 < len(src) <= MAX_TEXT
                and 0 < len(dst) <= MAX_TEXT
                and src != dst
                and self._readable_time(at)
            ):
                try:
                    amount, reason = _money("valor", get("valor"), False)
                except _Defer:
                    amount, reason = None, "deferred"
                if reason is None:
                    return {
                        "id_transacao": tid,
                        "timestamp": at,
                        "valor": amount,
                        "chave_pix_origem": src,
                        "chave_pix_destino": dst,
                        "tipo_transacao": kind,
                        "status": status,
                    }, None
        return super().check(obj)

    def _readable_time(self, text: str) -> bool:
        """Whether ``_timestamp`` accepts ``text`` as it is (stripped, non-empty)."""
        if text in self._times:
            return True
        if len(text) > MAX_TEXT:
            return False
        try:
            _, reason = _timestamp("timestamp", text)
        except _Defer:
            return False
        if reason is not None:
            return False
        if len(self._times) >= self._TIMES_KEPT:
            self._times.clear()
        self._times.add(text)
        return True


def _text(column: str, value: Any) -> tuple[str | None, str | None]:
    """A present value of a text column: stripped, or the reason it is rejected."""
    if type(value) is not str:
        return None, f"{column}: wrong type"
    text = value.strip()
    if not text:
        return None, f"{column}: missing value"
    if len(text) > MAX_TEXT:
        return None, f"{column}: longer than {MAX_TEXT}"
    return text, None


def _timestamp(column: str, value: Any) -> tuple[str | None, str | None]:
    text, reason = _text(column, value)
    if text is None:
        return None, reason
    match = _TIME.fullmatch(text)
    if match is None:
        raise _Defer  # dates alone, offsets, fractions, day-first dates: validate's to read
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        at = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise _Defer from None
    if at.year not in _YEARS:
        raise _Defer
    return text, None


def _money(column: str, value: Any, limit_like: bool) -> tuple[float | None, str | None]:
    kind = type(value)
    if kind is str:
        text = value.strip()
        if not text:
            return None, f"{column}: missing value"
        if not _MONEY.fullmatch(text):
            raise _Defer  # not plain digits: validate says which hint applies
        number = float(text)
    elif kind is int or kind is float:
        if not math.isfinite(value) or abs(value) >= 2**53:
            raise _Defer
        number = float(value)
    else:
        return None, f"{column}: wrong type"
    if (number < 0) if limit_like else (number <= 0):
        return None, f"{column}: amount must be {'>= 0' if limit_like else '> 0'}"
    if number > MAX_MONEY:
        return None, f"{column}: amount too large"
    number = round(number * 100) / 100  # numpy's round(2): half to even of x * 100
    if not limit_like and number <= 0:
        return None, f"{column}: amount must be > 0"
    return number, None


def _valid_document(text: str) -> bool:
    """A CPF (11 digits) or CNPJ (14) with correct check digits and not one digit repeated."""
    if not text.isascii():
        raise _Defer
    if not text.isdigit() or len(text) not in (11, 14):
        return False
    digits = [ord(c) - 48 for c in text]
    w1, w2 = (_CPF_W1, _CPF_W2) if len(digits) == 11 else (_CNPJ_W1, _CNPJ_W2)
    if digits[-2] != _check_digit(digits, w1) or digits[-1] != _check_digit(digits, w2):
        return False
    return len(set(digits)) > 1


def _check_digit(digits: list[int], weights: Any) -> int:
    rest = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
    return 0 if rest < 2 else 11 - rest


def _valid_key(key: str, kind: str) -> bool:
    if not key.isascii():
        raise _Defer
    width = _DOC_WIDTH.get(kind)
    if width is not None:
        return _valid_document(key) and len(key) == width
    pattern = _KEYS.get(kind)
    return pattern is not None and pattern.fullmatch(key) is not None


def _valid_ip(text: str) -> bool:
    if not text.isascii():
        raise _Defer
    match = _IPV4.fullmatch(text)
    return match is not None and all(int(part) <= 255 for part in match.groups())
