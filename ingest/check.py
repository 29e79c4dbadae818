"""`ringwatch check DIR`: what a load would do with a directory, told before any load.

``check_frames`` is pure. It validates each dataset with the loaders' own ``validate`` and
mapping (so its counts are a load's), groups rejected rows by reason, lists enum values no
spelling or synonym matches with the nearest known value, finds references a load would
leave dangling, and proposes the mapping entries that would fix what it can.
``check_directory`` reads the files; ``render`` writes a report for people, ``to_dict`` one
for programs.

Exports hold personal data, so examples show the row number and, for enum, timestamp and
amount columns only, the offending value; never whole rows, names, documents or keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from data import schema
from ingest import normalize
from ingest.mapping import DataMapping
from ingest.sources import dataset_files, read_file
from ingest.validate import COMMA_HINT, DAY_FIRST_HINT, validate
from ingest.writer import LOAD_ORDER

EXAMPLES = 3
_ROW = "\x00row"  # 1-based row number of each record, carried through validation
_SHOWN_KINDS = {schema.ENUM, schema.TIMESTAMP, schema.MONEY}  # never personal data

# (dataset, its columns, referenced dataset, referenced column, what a dangling row is)
REFERENCES: tuple[tuple[str, tuple[str, ...], str, str, str], ...] = (
    (
        schema.TRANSACOES,
        ("chave_pix_origem", "chave_pix_destino"),
        schema.CHAVES,
        "chave_pix",
        "transfers with a key that no chaves_pix row has (stay unlinked unless the key is "
        "another bank's)",
    ),
    (
        schema.CHAVES,
        ("cpf_cnpj",),
        schema.USUARIOS,
        "cpf_cnpj",
        "keys whose holder (cpf_cnpj) no usuarios row has",
    ),
    (
        schema.FRAUDES,
        ("id_transacao",),
        schema.TRANSACOES,
        "id_transacao",
        "fraud cases on a transfer that no transacoes_pix row has",
    ),
    (
        schema.DISPOSITIVOS,
        ("id_usuario",),
        schema.USUARIOS,
        "id_usuario",
        "devices of an account that no usuarios row has",
    ),
    (
        schema.LIMITES,
        ("id_usuario",),
        schema.USUARIOS,
        "id_usuario",
        "limits of an account that no usuarios row has",
    ),
    (
        schema.LOGS,
        ("id_usuario",),
        schema.USUARIOS,
        "id_usuario",
        "logins of an account that no usuarios row has",
    ),
    (
        schema.LOGS,
        ("id_dispositivo",),
        schema.DISPOSITIVOS,
        "id_dispositivo",
        "logins from a device that no dispositivos row has",
    ),
)


@dataclass(frozen=True)
class Example:
    row: int  # 1 = the first row after the header
    value: str | None = None  # the offending value, for enum, timestamp and amount columns


@dataclass(frozen=True)
class Reason:
    reason: str
    count: int
    examples: list[Example]


@dataclass(frozen=True)
class UnknownValue:
    column: str  # ringwatch's column name
    value: str  # as written in the file
    count: int  # every row holding it (rows may also have another reason)
    closest: str | None = None  # the nearest known value, if any is near
    kept_as: str | None = None  # loaded as this fallback value instead of being rejected


@dataclass(frozen=True)
class Gap:
    description: str
    count: int
    rows: list[int]  # example row numbers


@dataclass
class DatasetCheck:
    dataset: str
    file: str | None
    rows: int = 0
    would_load: int = 0
    rejected: int = 0
    reasons: list[Reason] = field(default_factory=list)
    unknown_values: list[UnknownValue] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    suggestion: dict[str, Any] = field(default_factory=dict)  # mapping entries that would help


@dataclass
class CheckReport:
    datasets: list[DatasetCheck]

    @property
    def rows(self) -> int:
        return sum(d.rows for d in self.datasets)

    @property
    def would_load(self) -> int:
        return sum(d.would_load for d in self.datasets)

    @property
    def rejected(self) -> int:
        return sum(d.rejected for d in self.datasets)

    def suggested_mapping(self) -> dict[str, Any]:
        return {d.dataset: d.suggestion for d in self.datasets if d.suggestion}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "would_load": self.would_load,
            "rejected": self.rejected,
            "datasets": [asdict(d) for d in self.datasets],
            "suggested_mapping": self.suggested_mapping(),
        }


def check_frames(
    frames: Mapping[str, pd.DataFrame | None],
    mapping: DataMapping | None = None,
    files: Mapping[str, str] | None = None,
) -> CheckReport:
    """Check the raw rows of each dataset (None: no file) as a load through ``mapping`` would
    read them; ``files`` names each dataset's file in the report."""
    mapping = mapping or DataMapping()
    files = files or {}
    checks, loaded = [], {}
    for dataset in LOAD_ORDER:
        frame = frames.get(dataset)
        entry = DatasetCheck(dataset, None if frame is None else files.get(dataset, dataset))
        checks.append(entry)
        if frame is None:
            continue
        source = frame.reset_index(drop=True).assign(**{_ROW: range(1, len(frame) + 1)})
        checked = validate(dataset, source, mapping)
        rows = source[_ROW][~source[_ROW].isin(checked.rejected[_ROW])].to_numpy()
        loaded[dataset] = checked.valid.assign(**{_ROW: rows})
        entry.rows, entry.would_load = len(source), len(checked.valid)
        entry.rejected = len(checked.rejected)
        entry.reasons = _reasons(dataset, checked.rejected, mapping)
        mapped = mapping.apply(dataset, source)
        entry.unknown_values = _unknown_values(dataset, mapped)
        known = {**schema.COLUMNS[dataset], **schema.EXTRA_COLUMNS.get(dataset, {})}
        entry.unused_columns = [c for c in mapped.columns if c not in known and c != _ROW]
        entry.suggestion = _suggestion(dataset, entry, mapped)
    for entry in checks:
        entry.gaps = _gaps(entry.dataset, loaded)
    return CheckReport(checks)


def check_directory(directory: Path, mapping: DataMapping | None = None) -> CheckReport:
    """Read every dataset file of ``directory`` through ``mapping`` and check it; writes
    nothing anywhere."""
    mapping = mapping or DataMapping()
    found = dataset_files(directory, mapping)
    frames = {d: None if p is None else read_file(p, mapping.of(d)) for d, p in found.items()}
    names = {d: p.name for d, p in found.items() if p is not None}
    return check_frames(frames, mapping, names)


def _reasons(dataset: str, rejected: pd.DataFrame, mapping: DataMapping) -> list[Reason]:
    if rejected.empty:
        return []
    kinds = {**schema.COLUMNS[dataset], **schema.EXTRA_COLUMNS.get(dataset, {})}
    file_column = {v: k for k, v in mapping.of(dataset).columns.items()}
    out = []
    for reason, count in rejected["reason"].value_counts(sort=True).items():
        head = rejected[rejected["reason"] == reason].head(EXAMPLES)
        column = str(reason).split(":", 1)[0]
        shown = file_column.get(column, column)
        show = kinds.get(column) in _SHOWN_KINDS and shown in head.columns
        examples = [
            Example(int(row), _short(value) if show and not pd.isna(value) else None)
            for row, value in zip(head[_ROW], head[shown] if show else head[_ROW], strict=True)
        ]
        out.append(Reason(str(reason), int(count), examples))
    return out


def _unknown_values(dataset: str, mapped: pd.DataFrame) -> list[UnknownValue]:
    out = []
    for column in schema.ENUMS.get(dataset, {}):
        if column not in mapped.columns:
            continue
        value = mapped[column]
        text = value[value.map(type).eq(str)].str.strip()
        text = text[text != ""]
        lookup = normalize.column_lookup(dataset, column)
        unknown = text[normalize.enum_values(text, lookup).isna()]
        fallback = schema.FALLBACKS.get(dataset, {}).get(column)
        for spelling, count in unknown.value_counts(sort=True).items():
            out.append(
                UnknownValue(
                    column,
                    str(spelling),
                    int(count),
                    # A new fraud category is kept, not guessed: no nearest value for it.
                    closest=None if fallback else normalize.closest(str(spelling), lookup),
                    kept_as=fallback[0] if fallback else None,
                )
            )
    return out


def _suggestion(dataset: str, entry: DatasetCheck, mapped: pd.DataFrame) -> dict[str, Any]:
    """The mapping entries that would fix what ``check`` can tell: columns a file seems to
    name differently, value spellings near a known value, a decimal comma, day-first dates
    and a semicolon separator."""
    if len(mapped.columns) <= 2 and any(";" in str(c) for c in mapped.columns):
        return {"separator": ";"}  # nothing else can be told before the file is split
    suggestion: dict[str, Any] = {}
    missing = [c for c in schema.COLUMNS[dataset] if c not in mapped.columns]
    renames = {}
    for column in missing:
        free = [c for c in entry.unused_columns if c not in renames]
        guess = _column_guess(column, free) or _column_by_values(
            schema.COLUMNS[dataset][column], {c: mapped[c] for c in free}
        )
        if guess is not None:
            renames[guess] = column
    if renames:
        suggestion["columns"] = renames
    values: dict[str, dict[str, str]] = {}
    for unknown in entry.unknown_values:
        if unknown.closest is not None:
            values.setdefault(unknown.column, {})[unknown.value] = unknown.closest
    if values:
        suggestion["values"] = values
    if any(r.reason.endswith(COMMA_HINT) for r in entry.reasons):
        suggestion["decimal"] = ","
    if any(r.reason.endswith(DAY_FIRST_HINT) for r in entry.reasons):
        suggestion["day_first_dates"] = "true"
    return suggestion


def _column_guess(column: str, candidates: list[str]) -> str | None:
    """A file column that probably holds ``column``: one whose folded name contains it as a
    word (valor_transacao for valor), else the nearest name."""
    folded = {normalize.fold(c): c for c in candidates}
    for name, original in folded.items():
        if column in name.split("_") or name.startswith(column):
            return original
    return normalize.closest(column, folded)


def _column_by_values(kind: str, candidates: Mapping[str, pd.Series]) -> str | None:
    """The one file column whose values read as ``kind`` (timestamps or amounts), judged on
    its first rows; None when no column or several do."""
    readers = {
        schema.TIMESTAMP: lambda t: normalize.timestamps(t).notna(),
        schema.MONEY: lambda t: (
            pd.to_numeric(t, errors="coerce").notna()
            | t.str.fullmatch(normalize.DECIMAL_COMMA).fillna(False).astype(bool)
        ),
    }
    read = readers.get(kind)
    if read is None:
        return None
    fits = []
    for name, value in candidates.items():
        text = value.head(1000)
        text = text[text.map(type).eq(str)].astype("string").str.strip()
        if len(text) and read(text).mean() >= 0.9:
            fits.append(name)
    return fits[0] if len(fits) == 1 else None


def _gaps(dataset: str, loaded: Mapping[str, pd.DataFrame]) -> list[Gap]:
    out = []
    for source, columns, target, target_column, description in REFERENCES:
        if source != dataset or source not in loaded or target not in loaded:
            continue
        rows = loaded[source]
        known = set(loaded[target][target_column].dropna())
        dangling = pd.Series(False, index=rows.index)
        for column in columns:
            dangling |= rows[column].notna() & ~rows[column].isin(known)
        if dangling.any():
            examples = [int(r) for r in rows[_ROW][dangling].head(EXAMPLES)]
            out.append(Gap(description, int(dangling.sum()), examples))
    return out


def _short(value: object, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def render(report: CheckReport) -> str:
    """The report as text for a terminal: per dataset, then the suggested mapping."""
    lines: list[str] = []
    for d in report.datasets:
        if d.file is None:
            lines.append(f"{d.dataset}: no file (nothing to load)")
            continue
        lines.append(
            f"{d.dataset} ({d.file}): {d.rows:,} rows, {d.would_load:,} would load, "
            f"{d.rejected:,} would be rejected"
        )
        for r in d.reasons:
            shown = ", ".join(
                f"row {e.row}" + ("" if e.value is None else f" {e.value!r}") for e in r.examples
            )
            lines.append(f"  {r.count:>8,}  {r.reason}  (e.g. {shown})")
        for u in d.unknown_values:
            hint = (
                f"loaded as {u.kept_as!r}, the original kept beside it"
                if u.kept_as
                else f"closest known value: {u.closest!r}"
                if u.closest
                else "no known value is close: map it in a mapping file"
            )
            lines.append(f"  unknown {u.column} {u.value!r} ({u.count:,} rows): {hint}")
        if d.unused_columns:
            lines.append(
                f"  columns not used: {', '.join(d.unused_columns)} "
                "(list them under ignore: to say so)"
            )
        for g in d.gaps:
            rows = ", ".join(str(r) for r in g.rows)
            lines.append(f"  {g.count:>8,}  {g.description} (loaded anyway; e.g. rows {rows})")
    suggested = report.suggested_mapping()
    if suggested:
        lines += ["", "A mapping that would fix some of this (check it, then pass --mapping):", ""]
        text = yaml.safe_dump(suggested, sort_keys=False, allow_unicode=True)
        lines += ["  " + line for line in text.splitlines()]
    lines += [
        "",
        f"{report.would_load:,} of {report.rows:,} rows would load; "
        f"{report.rejected:,} would be rejected.",
    ]
    return "\n".join(lines)
