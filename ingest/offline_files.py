"""The CSV files ``neo4j-admin database import full`` reads: one per node label and per
relationship type, under the importer's typed header, written from the graph tables of
``ingest.offline_graph``.

A file is written whole (``write_import_files``) or in parts as rows arrive
(``TableFile.append``, for datasets streamed during validation); both give the same bytes,
since each row's text depends on that row alone. With ``compress`` the files are gzipped
(``.csv.gz``, which the importer reads as they are): about a sixth of the disk, for about a
second of CPU per 100 MB of text.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.offline_graph import GraphTables, NodeTable, RelTable


@dataclass(frozen=True)
class ImportFiles:
    """CSV files for the importer: (label or type, path) pairs."""

    directory: Path
    nodes: list[tuple[str, Path]]
    relationships: list[tuple[str, Path]]
    multiline: bool

    def arguments(self, database: str, max_off_heap: str | None = None) -> list[str]:
        """``neo4j-admin database import full`` arguments for these files; ``max_off_heap``
        (e.g. ``4g``) caps the importer's memory beside its heap, 90% of the free memory by
        default."""
        # The database name comes first: the file lists take every argument that follows.
        args = [
            "database",
            "import",
            "full",
            database,
            "--overwrite-destination=true",
            "--bad-tolerance=0",
            "--skip-duplicate-nodes=false",
            "--skip-bad-relationships=false",
            "--id-type=string",
            f"--multiline-fields={'true' if self.multiline else 'false'}",
            f"--report-file={self.directory / 'import.report'}",
        ]
        if max_off_heap is not None:
            args.append(f"--max-off-heap-memory={max_off_heap}")
        args += [f"--nodes={label}={path}" for label, path in self.nodes]
        args += [f"--relationships={rel}={path}" for rel, path in self.relationships]
        return args


def _arrow(frame: pd.DataFrame, columns: list[str], types: dict[str, str]) -> pa.Table:
    arrays = []
    for column in columns:
        values = frame[column]
        if types.get(column) == "double":
            arrays.append(pa.array(pd.to_numeric(values), type=pa.float64(), from_pandas=True))
        elif types.get(column) == "long":
            arrays.append(pa.array(pd.to_numeric(values), type=pa.int64(), from_pandas=True))
        elif isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            arrays.append(pa.array(values.array))  # the Arrow buffers, no Python strings
        else:
            arrays.append(
                pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            )
    return pa.Table.from_arrays(arrays, names=columns)


def _spans_lines(table: pa.Table) -> bool:
    """True when a text value holds a line break (the importer then needs
    ``--multiline-fields``)."""
    for column in table.columns:
        text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        if text and len(column) and pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
            return True
    return False


def _suffix(compress: bool) -> str:
    return ".csv.gz" if compress else ".csv"


def _open(path: Path, mode: str) -> io.BufferedIOBase:
    if path.suffix == ".gz":
        # Level 1: 100 MB/s and a sixth of the size; the default level 9 writes 3 MB/s.
        return gzip.GzipFile(path, mode, compresslevel=1)
    return path.open(mode)  # type: ignore[return-value]


def _typed(name: str, types: dict[str, str]) -> str:
    kind = types.get(name)
    return f"{name}:{kind}" if kind else name


@dataclass
class TableFile:
    """One import file, opened with its header line, to which frames of the table's
    columns are appended; ``multiline`` tells whether any text written spans lines."""

    kind: str  # the label or relationship type
    node: bool  # a node file, else a relationship file
    path: Path
    columns: list[str]
    types: dict[str, str]
    multiline: bool = False
    rows: int = 0
    _out: io.BufferedIOBase | None = field(default=None, repr=False)

    @classmethod
    def nodes(cls, table: NodeTable, directory: Path, compress: bool = False) -> TableFile:
        """The ``nodes_<label>.csv`` file of ``table`` (its first rows not yet written)."""
        props = [c for c in table.frame.columns if c not in (table.id, table.extra_label)]
        header = [f"{table.id}:ID({table.label})"] + [_typed(c, table.types) for c in props]
        columns = [table.id, *props]
        if table.extra_label is not None:
            header.append(":LABEL")
            columns.append(table.extra_label)
        path = directory / f"nodes_{table.label}{_suffix(compress)}"
        return cls._open(table.label, True, path, header, columns, table.types)

    @classmethod
    def relationships(cls, table: RelTable, directory: Path, compress: bool = False) -> TableFile:
        """The ``rels_<type>.csv`` file of ``table`` (its first rows not yet written)."""
        start, end, *props = list(table.frame.columns)
        header = [f":START_ID({table.start})", f":END_ID({table.end})"]
        header += [_typed(c, table.types) for c in props]
        path = directory / f"rels_{table.type}{_suffix(compress)}"
        return cls._open(table.type, False, path, header, [start, end, *props], table.types)

    @classmethod
    def _open(
        cls,
        kind: str,
        node: bool,
        path: Path,
        header: list[str],
        columns: list[str],
        types: dict[str, str],
    ) -> TableFile:
        out = _open(path, "wb")
        out.write((",".join(header) + "\n").encode("utf-8"))
        return cls(kind, node, path, columns, types, _out=out)

    def append(self, frame: pd.DataFrame) -> None:
        """Write ``frame``'s rows (its columns by name) after those already written."""
        if self._out is None:
            raise ValueError(f"{self.path} is closed")
        table = _arrow(frame, self.columns, self.types)
        pacsv.write_csv(table, self._out, pacsv.WriteOptions(include_header=False))
        self.multiline = self.multiline or _spans_lines(table)
        self.rows += len(frame)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def reopen(self) -> None:
        """Open the closed file again to append after its rows (a gzipped file gets a
        second gzip member, which gzip readers, the importer's too, read on into)."""
        if self._out is None:
            self._out = _open(self.path, "ab")

    def read(self) -> io.BufferedIOBase:
        """The (closed) file's text, header first, uncompressed."""
        self.close()
        return _open(self.path, "rb")

    def __enter__(self) -> TableFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def write_tables(
    tables: Iterable[NodeTable | RelTable],
    directory: Path,
    streamed: list[TableFile] | None = None,
    compress: bool = False,
) -> tuple[ImportFiles, list[TableFile]]:
    """One CSV per label and per relationship type (gzipped with ``compress``), in the
    importer's header format, each written as soon as ``tables`` yields it, next to the
    (closed) ``streamed`` files already written in ``directory``; the files, and every file
    with its row count."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        if isinstance(table, NodeTable):
            file = TableFile.nodes(table, directory, compress)
        else:
            file = TableFile.relationships(table, directory, compress)
        with file:
            file.append(table.frame)
        written.append(file)
        del table  # the generator may release its rows now
    every = written + list(streamed or [])
    nodes = [(f.kind, f.path) for f in every if f.node]
    rels = [(f.kind, f.path) for f in every if not f.node]
    multiline = any(f.multiline for f in every)
    return ImportFiles(directory, nodes, rels, multiline), every


def write_import_files(
    tables: GraphTables,
    directory: Path,
    streamed: list[TableFile] | None = None,
    compress: bool = False,
) -> ImportFiles:
    """``write_tables`` for tables already built: nodes first, then relationships."""
    every: list[NodeTable | RelTable] = [*tables.nodes, *tables.relationships]
    return write_tables(every, directory, streamed, compress)[0]
