"""Mapping files (``--mapping FILE``): how a bank's export differs from ringwatch's format.

A mapping is YAML, checked whole when it is read: every dataset, column and value it names
must exist in ``data.schema``, so a typo is an error naming it rather than a silent no-op.

    decimal: ","                  # every file writes amounts as 1.234,56
    separator: ";"                # CSV field separator of every file
    day_first_dates: true         # dates are written 31/12/2025 (times may follow)
    transacoes_pix:
      file: extrato_pix.csv       # the file's name in the directory
      columns:                    # column in the file: ringwatch column
        valor_transacao: valor
      values:                     # per ringwatch column: value in the file: ringwatch value
        tipo_transacao:
          TED_PIX: transferencia
      ignore: [canal, agencia]    # columns of the file ringwatch does not use

Applying a mapping (``DataMapping.apply``) is pure and idempotent: applied twice it gives the
same rows as once, so ``ringwatch produce --mapping`` and ``ringwatch stream --mapping`` may
both be given it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from data import schema
from ingest import normalize
from ringwatch import textvalues
from ringwatch.errors import RingwatchError

DECIMALS = (".", ",")
FILE_OPTIONS = ("decimal", "day_first_dates", "separator", "encoding")
DATASET_KEYS = ("file", "columns", "values", "ignore", *FILE_OPTIONS)


class MappingError(RingwatchError):
    """A mapping file that cannot be used; the message names the entry and the fix."""


@dataclass(frozen=True)
class DatasetMapping:
    """The mapping of one dataset; the defaults describe ringwatch's own format."""

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # file column -> ringwatch column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> value -> value
    ignore: tuple[str, ...] = ()
    decimal: str = "."
    day_first_dates: bool = False
    separator: str = ","
    encoding: str = "utf-8"


@dataclass(frozen=True)
class DataMapping:
    """A whole mapping file: one ``DatasetMapping`` per dataset (defaults where not given)."""

    datasets: dict[str, DatasetMapping] = field(default_factory=dict)
    source: str = "mapping"

    def of(self, dataset: str) -> DatasetMapping:
        return self.datasets.get(dataset) or DatasetMapping()

    def apply(self, dataset: str, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` in ringwatch's columns and values: ignored columns dropped, columns
        renamed, value maps applied, decimal-comma amounts turned into numbers, day-first
        dates rewritten as ISO dates. Values the
        mapping does not cover are left for ``ingest.validate`` to read or reject."""
        entry = self.of(dataset)
        out = frame.drop(columns=[c for c in entry.ignore if c in frame.columns])
        out = out.rename(columns={k: v for k, v in entry.columns.items() if k in out.columns})
        for column, table in entry.values.items():
            if column in out.columns:
                out[column] = _map_values(out[column], table)
        for column, kind in _kinds(dataset).items():
            if column not in out.columns:
                continue
            if kind == schema.MONEY and entry.decimal == ",":
                out[column] = normalize.decimal_comma_amounts(out[column])
            if kind == schema.TIMESTAMP and entry.day_first_dates:
                out[column] = normalize.day_first_dates(out[column])
        return out

    def check_columns(self, dataset: str, file_columns: Iterable[str], where: str) -> None:
        """Fail, naming them, on columns the mapping names that the file ``where`` lacks, and
        on a rename onto a column the file already has."""
        entry, present = self.of(dataset), list(file_columns)
        problems = [
            f"{dataset}.{part}: {column!r} is not a column of {where}"
            for part, names in (("columns", entry.columns), ("ignore", entry.ignore))
            for column in names
            if column not in present
        ]
        problems += [
            f"{dataset}.columns: {source!r} is renamed to {target!r}, which {where} already has"
            " (list the file's own column under ignore, or drop the rename)"
            for source, target in entry.columns.items()
            if source in present and target in present and target not in entry.ignore
        ]
        if problems:
            raise MappingError(
                f"{self.source}: " + "; ".join(problems) + f" (columns of {where}: "
                f"{', '.join(present)})."
            )


def _kinds(dataset: str) -> dict[str, str]:
    return {**schema.COLUMNS[dataset], **schema.EXTRA_COLUMNS.get(dataset, {})}


def _map_values(value: pd.Series, table: dict[str, str]) -> pd.Series:
    """Replace the values ``table`` names (compared folded); keep every other value."""
    lookup = {normalize.fold(k): v for k, v in table.items()}
    texts = value.dropna().unique()
    folded = {t: normalize.fold(t) for t in texts if isinstance(t, str)}
    replaced = {t: lookup[f] for t, f in folded.items() if f in lookup}
    if not replaced:
        return value
    out = value.astype(object).copy()
    hit = value.isin(list(replaced))
    out[hit] = value[hit].map(replaced).to_numpy(dtype=object)
    return out


def parse_mapping(data: object, source: str = "mapping") -> DataMapping:
    """A ``DataMapping`` from the parsed YAML of a mapping file (all scalars as text)."""
    if data is None:
        return DataMapping(source=source)
    top = _table(data, source, "the file")
    defaults = {k: top[k] for k in FILE_OPTIONS if k in top}
    unknown = [k for k in top if k not in FILE_OPTIONS and k not in schema.DATASETS]
    if unknown:
        raise MappingError(
            f"{source}: unknown entr{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(map(repr, unknown))}; the top level holds "
            f"{', '.join(FILE_OPTIONS)} and the datasets {', '.join(schema.DATASETS)}."
        )
    datasets = {
        dataset: _dataset(
            dataset, {**defaults, **_table(top.get(dataset, {}), source, dataset)}, source
        )
        for dataset in schema.DATASETS
        if dataset in top or defaults
    }
    return DataMapping(datasets, source)


def load_mapping(path: Path | None) -> DataMapping:
    """Read a mapping file; no path means ringwatch's own format."""
    if path is None:
        return DataMapping()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"Cannot read the mapping file {path}: {exc}") from None
    try:
        # BaseLoader keeps every scalar as text: "NO", "on" or "01" stay what the export wrote.
        data = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 (BaseLoader builds no objects)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise MappingError(f"{path} is not valid YAML{where}: {problem}.") from None
    return parse_mapping(data, str(path))


def _table(value: object, source: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MappingError(f"{source}: {where} must be a map of names to entries (key: value).")
    return value


def _text(value: object, source: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise MappingError(f"{source}: {where} must be a non-empty text value.")
    return value


def _dataset(dataset: str, entry: dict[str, Any], source: str) -> DatasetMapping:
    unknown = [k for k in entry if k not in DATASET_KEYS]
    if unknown:
        raise MappingError(
            f"{source}: {dataset}: unknown entr{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(map(repr, unknown))}; a dataset holds {', '.join(DATASET_KEYS)}."
        )
    kinds = _kinds(dataset)
    columns = {
        _text(k, source, f"{dataset}.columns"): _text(v, source, f"{dataset}.columns.{k}")
        for k, v in _table(entry.get("columns", {}), source, f"{dataset}.columns").items()
    }
    for file_column, column in columns.items():
        if column not in kinds:
            raise MappingError(
                f"{source}: {dataset}.columns: {file_column!r} is renamed to {column!r}, which "
                f"is not a {dataset} column (columns: {', '.join(kinds)})."
            )
    values = {
        column: _value_map(dataset, column, table, source)
        for column, table in _table(entry.get("values", {}), source, f"{dataset}.values").items()
    }
    ignore = entry.get("ignore", [])
    if not isinstance(ignore, list):
        raise MappingError(f"{source}: {dataset}.ignore must be a list, e.g. [canal, agencia].")
    decimal = entry.get("decimal", ".")
    if decimal not in DECIMALS:
        raise MappingError(
            f"{source}: {dataset}.decimal is {decimal!r}; use '.' (1234.56) or ',' (1.234,56)."
        )
    try:
        day_first = textvalues.boolean(entry.get("day_first_dates", "false"))
    except (ValueError, AttributeError) as exc:
        raise MappingError(f"{source}: {dataset}.day_first_dates: {exc}.") from None
    return DatasetMapping(
        file=_text(entry["file"], source, f"{dataset}.file") if "file" in entry else None,
        columns=columns,
        values=values,
        ignore=tuple(_text(c, source, f"{dataset}.ignore") for c in ignore),
        decimal=decimal,
        day_first_dates=day_first,
        separator=_text(entry.get("separator", ","), source, f"{dataset}.separator"),
        encoding=_text(entry.get("encoding", "utf-8"), source, f"{dataset}.encoding"),
    )


def _value_map(dataset: str, column: str, table: object, source: str) -> dict[str, str]:
    where = f"{dataset}.values.{column}"
    allowed = schema.ENUMS.get(dataset, {}).get(column)
    if allowed is None:
        enums = ", ".join(schema.ENUMS.get(dataset, {})) or "none"
        raise MappingError(
            f"{source}: {where}: {column!r} is not a {dataset} column with fixed values "
            f"(those are: {enums})."
        )
    canonical = {normalize.fold(a): a for a in allowed}
    out: dict[str, str] = {}
    for spelling, value in _table(table, source, where).items():
        _text(value, source, f"{where}.{spelling}")
        if value not in allowed:
            raise MappingError(
                f"{source}: {where}: {spelling!r} maps to {value!r}, which is not a value of "
                f"{column} (allowed: {', '.join(allowed)})."
            )
        known = canonical.get(normalize.fold(spelling))
        if known is not None and known != value:
            # Keeps apply() idempotent: a loaded value is never mapped a second time.
            raise MappingError(
                f"{source}: {where}: {spelling!r} is already the value {known!r}; it cannot "
                f"be mapped to {value!r}."
            )
        out[spelling] = value
    return out
