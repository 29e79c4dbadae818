"""`ringwatch load DIR --offline`: a new database built by Neo4j's offline importer.

The rows are read and validated exactly as ``ringwatch load`` reads them (rejects go to
``DIR/rejects/`` the same way); ``ingest.offline_graph`` turns the valid rows into the very
nodes and relationships the online loaders would write; ``ingest.offline_files`` writes those
to CSV files under ``var/import/`` for ``neo4j-admin database import full``, which replaces
the (empty) user database while the local Neo4j is stopped. The logins, the largest dataset,
are written chunk by chunk as they are validated (``ingest.offline_stream``) instead of being
held. The local Neo4j stops while the validation begins, so that its memory is free before
the validation needs it, and is started again after the import; the schema
(``cypher/schema/``) is then applied and brought online before this returns. The ``system``
database (users, passwords) is not touched.

Only the local stack's Neo4j can be stopped and restarted here; for a server ringwatch does
not manage, the import files are written and the command to run on that server is printed.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from data import schema
from graph.gateway import Gateway, apply_schema
from ingest.bulk import DatasetReport, write_rejects
from ingest.mapping import DataMapping, DatasetMapping
from ingest.offline_files import ImportFiles, write_tables
from ingest.offline_graph import graph_tables
from ingest.offline_stream import LoginStream
from ingest.sources import dataset_files, read_file
from ingest.validate import validate
from ingest.writer import LOAD_ORDER
from ringwatch.errors import RingwatchError
from ringwatch.settings import Settings

# The importer draws a line of dots per 5% of each stage; keep every 25%.
_DOTS = re.compile(r"^[.\-\s]+\s(\d+)%")
# Rows per validation chunk: chunks of one dataset are validated in parallel processes.
CHUNK_ROWS = 250_000
INDEX_WAIT_S = 3_600


@dataclass
class OfflineReport:
    datasets: list[DatasetReport] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0
    linked: int = 0  # PIX edges
    steps: dict[str, float] = field(default_factory=dict)  # step -> seconds
    seconds: float = 0.0
    imported: bool = False  # False when the files were only prepared (unmanaged server)
    import_dir: Path | None = None

    @property
    def written(self) -> int:
        return sum(d.written for d in self.datasets)

    @property
    def rejected(self) -> int:
        return sum(d.rejected for d in self.datasets)

    @property
    def records(self) -> int:
        return sum(d.read for d in self.datasets)


# ---------------------------------------------------------------------------- validation


def _validate_chunk(
    dataset: str, frame: pd.DataFrame, mapping: DataMapping | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    checked = validate(dataset, frame, mapping)
    return compact(checked.valid), checked.rejected


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Validated rows with text held as Arrow strings and amounts as floats instead of one
    Python object per value (``validate`` returns object columns for Cypher parameters):
    the same values, in a fraction of the memory and pickled faster between processes.
    Missing values become NaN, which the graph tables and import files treat as None."""
    columns = {}
    for name in frame.columns:
        values = frame[name]
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind == "floating":
            columns[name] = values.astype("float64")
        elif kind in ("string", "empty"):
            columns[name] = values.astype("str")
        else:
            columns[name] = values
    return pd.DataFrame(columns, index=frame.index)


def _chunks(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    for start in range(0, max(len(frame), 1), rows):
        yield frame.iloc[start : start + rows]


def raw_chunks(path: Path, entry: DatasetMapping) -> Iterator[pd.DataFrame]:
    """A dataset file's rows, ``CHUNK_ROWS`` at a time, parsed as ``read_file`` parses the
    whole file (a CSV file with pandas' chunked reader and the same options), so that a large
    file is never held whole; at least one chunk, empty for a file without rows."""
    if path.suffix == ".parquet":
        yield from _chunks(read_file(path, entry), CHUNK_ROWS)
        return
    options = {"dtype": str, "keep_default_na": False, "na_filter": False}
    yielded = False
    try:
        with pd.read_csv(
            path, sep=entry.separator, encoding=entry.encoding, chunksize=CHUNK_ROWS, **options
        ) as reader:
            for chunk in reader:
                yielded = True
                yield chunk
    except (OSError, ValueError, LookupError):  # UnicodeDecodeError is a ValueError
        read_file(path, entry)  # raises the loaders' own message for this file
        raise RingwatchError(f"Cannot read {path} in chunks, though it reads whole.") from None
    if not yielded:
        yield read_file(path, entry)


def _validate_file(
    pool: ProcessPoolExecutor,
    workers: int,
    dataset: str,
    path: Path,
    mapping: DataMapping,
    sink: Callable[[pd.DataFrame], None] | None,
) -> tuple[pd.DataFrame | None, pd.DataFrame, int, int]:
    """(valid rows, or None when they went to ``sink``; rejected rows; rows read; valid
    rows) of one file, validated in chunks by ``pool`` with a few chunks in flight."""
    goods: list[pd.DataFrame] = []
    bads: list[pd.DataFrame] = []
    valid = [0]
    pending, read = deque[Future[tuple[pd.DataFrame, pd.DataFrame]]](), 0

    def done(future: Future[tuple[pd.DataFrame, pd.DataFrame]]) -> None:
        good, bad = future.result()
        valid[0] += len(good)
        bads.append(bad)
        if sink is None:
            goods.append(good)
        else:
            sink(good)

    for chunk in raw_chunks(path, mapping.of(dataset)):
        read += len(chunk)
        pending.append(pool.submit(_validate_chunk, dataset, chunk, mapping))
        if len(pending) > workers:  # a few chunks in flight, not the whole file
            done(pending.popleft())
    while pending:
        done(pending.popleft())
    bad = pd.concat(bads, ignore_index=True)
    good = pd.concat(goods, ignore_index=True) if sink is None else None
    return good, bad, read, valid[0]


def read_and_validate(
    directory: Path,
    mapping: DataMapping,
    reject_dir: Path,
    say: Callable[[str], None],
    workers: int | None = None,
    sinks: Mapping[str, Callable[[pd.DataFrame], None]] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[DatasetReport]]:
    """Every dataset file read and validated as ``ringwatch load`` does (same function, same
    reject files); large files are validated in chunks by parallel processes (validation is
    row by row, so chunking changes nothing). Returns the valid rows per dataset, except for
    a dataset with a sink: each chunk's valid rows go to it, in file order, and are not kept."""
    sinks = sinks or {}
    found = dataset_files(directory, mapping)
    for dataset in LOAD_ORDER:
        (reject_dir / f"{dataset}.csv").unlink(missing_ok=True)
    valid: dict[str, pd.DataFrame] = {}
    reports: list[DatasetReport] = []
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers) as pool:
        for dataset, path in found.items():
            entry = DatasetReport(dataset)
            reports.append(entry)
            if path is None:
                say(f"{dataset}: no file, skipped")
                continue
            began = time.monotonic()
            good, bad, entry.read, entry.written = _validate_file(
                pool, workers, dataset, path, mapping, sinks.get(dataset)
            )
            entry.rejected = len(bad)
            if entry.rejected:
                write_rejects(reject_dir, dataset, bad)
            if good is not None:
                valid[dataset] = good
            entry.seconds = time.monotonic() - began
            say(
                f"{dataset}: {entry.written:,} valid, {entry.rejected:,} rejected, read and "
                f"validated in {entry.seconds:.1f} s ({_rate(entry.read, entry.seconds)} "
                "records/s)"
            )
    return valid, reports


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "-"


# ---------------------------------------------------------------------------- the load


def _import_dir(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return settings.var_dir / "import" / f"offline-{stamp}-{os.getpid()}"


def _node_count(settings: Settings) -> int:
    with Gateway(settings) as gateway:
        gateway.verify()
        return int(gateway.query("admin/count_nodes", mode="read").rows[0]["nodes"])


def _unmanaged_advice(
    settings: Settings, files: ImportFiles, max_off_heap: str | None = None
) -> str:
    args = " ".join(files.arguments(settings.neo4j_database, max_off_heap))
    return (
        f"NEO4J_PASSWORD is set, so {settings.neo4j_uri} is a server ringwatch does not "
        "manage: it was not stopped or changed. The import files are ready in "
        f"{files.directory}. On that server's machine, stop Neo4j, run\n"
        f"  neo4j-admin {args}\n"
        "(paths as seen from that machine; this replaces the database), start Neo4j, then "
        "run `ringwatch graph init` for the constraints and indexes. Or load online with "
        "`ringwatch load DIR`."
    )


def _prepare(
    settings: Settings,
    directory: Path,
    mapping: DataMapping,
    reject_dir: Path,
    say: Callable[[str], None],
    report: OfflineReport,
    compress: bool,
) -> ImportFiles:
    """Read and validate the datasets, build the graph tables and write the import files
    (gzipped with ``compress``); the counts and step times go to ``report``."""
    began = time.monotonic()
    import_dir = _import_dir(settings)
    import_dir.mkdir(parents=True)
    # Logins go to their import files as they are validated (ingest.offline_stream); the
    # other datasets are held for the graph tables, which join them.
    try:
        logins = LoginStream(import_dir, compress)
        valid, report.datasets = read_and_validate(
            directory, mapping, reject_dir, say, sinks={schema.LOGS: logins.add}
        )
        streamed, named = logins.finish()
        report.steps["read and validate"] = time.monotonic() - began

        # Each table is written as soon as it is built, and the rows it was the last to need
        # are let go: the tables of ten million transfers are not all held at once.
        began = time.monotonic()
        files, written = write_tables(graph_tables(valid, named), import_dir, streamed, compress)
        del valid, named
    except BaseException:  # half-written files: at scale 200, gigabytes
        shutil.rmtree(import_dir, ignore_errors=True)
        raise
    report.nodes = sum(f.rows for f in written if f.node)
    report.relationships = sum(f.rows for f in written if not f.node)
    report.linked = next(f.rows for f in written if f.kind == "PIX")
    report.import_dir = files.directory
    report.steps["graph tables and import files"] = time.monotonic() - began
    say(
        f"graph: {report.nodes:,} nodes, {report.relationships:,} relationships "
        f"({report.linked:,} PIX edges), import files written to {files.directory} in "
        f"{report.steps['graph tables and import files']:.1f} s"
    )
    _release_memory()
    return files


def _timed(work: Callable[[], object]) -> float:
    """Seconds ``work()`` took."""
    began = time.monotonic()
    work()
    return time.monotonic() - began


def _release_memory() -> None:
    """Hand the freed rows' memory back to the system before the importer starts: Arrow's
    pool and glibc's malloc otherwise keep it for this process."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def offline_load(
    settings: Settings,
    directory: Path,
    *,
    replace: bool = False,
    mapping: DataMapping | None = None,
    reject_dir: Path | None = None,
    say: Callable[[str], None] = print,
    keep_files: bool = False,
    compress: bool = False,
    max_off_heap: str | None = None,
) -> OfflineReport:
    """Validate the datasets in ``directory``, import them into a new database with
    ``neo4j-admin`` (the local Neo4j is stopped and restarted), then apply the schema.

    Refuses a database that holds nodes unless ``replace``. With a server ringwatch does not
    manage, only writes the import files and returns the command to run (``imported``
    False). ``compress`` gzips the import files: a sixth of the disk, for some CPU.
    ``max_off_heap`` caps the importer's memory beside its heap (its own default is 90% of
    the free memory, which a shared machine may not have to give)."""
    from stack.manager import Stack

    mapping = mapping or DataMapping()
    reject_dir = reject_dir or directory / "rejects"
    report = OfflineReport()
    start = time.monotonic()
    managed = not settings.external_neo4j
    server = Stack(settings).neo4j if managed else None
    if server is not None:
        if server.pid() is None:
            say("Starting the local Neo4j to check that its database is empty...")
            server.start()
            server.wait_ready(settings.stack_timeout_s)
        nodes = _node_count(settings)
        if nodes and not replace:
            raise RingwatchError(
                f"The database {settings.neo4j_database!r} holds {nodes:,} nodes; an offline "
                "load builds a new database. Pass --replace to replace it, or add the data "
                "to it with `ringwatch load DIR` (without --offline)."
            )

    if server is None:
        files = _prepare(settings, directory, mapping, reject_dir, say, report, compress)
        say(_unmanaged_advice(settings, files, max_off_heap))
        report.seconds = time.monotonic() - start
        return report

    # The import replaces the database anyway: Neo4j stops (a checkpoint and the JVM's exit,
    # 7-13 s at scales 5 and 20) while the datasets are read, which leaves its memory to the
    # validation and the graph tables, which hold the most, before they need it.
    say("Stopping Neo4j for the import, while the datasets are read...")
    stopping = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo4j-stop")
    stopped = stopping.submit(_timed, server.stop)
    tail: list[str] = []

    def progress(line: str) -> None:
        tail[:] = [*tail[-11:], line]
        dots = _DOTS.match(line)
        if dots is None or int(dots[1]) % 25 == 0:
            say(f"  neo4j-admin: {line}")

    code: int | None = None
    try:
        try:
            files = _prepare(settings, directory, mapping, reject_dir, say, report, compress)
        finally:  # Neo4j must be down before the importer, or before it is started again
            report.steps["stop Neo4j (beside reading)"] = stopped.result()
            stopping.shutdown()
        began = time.monotonic()
        arguments = files.arguments(settings.neo4j_database, max_off_heap)
        code = server.admin(arguments, say=progress)
        say(f"neo4j-admin finished after {time.monotonic() - began:.1f} s")
    finally:
        say("Starting Neo4j...")
        server.start()
        server.wait_ready(settings.stack_timeout_s)
    if code != 0:
        raise RingwatchError(
            f"neo4j-admin import failed (exit {code}): {' / '.join(tail[-3:])}. Its report is "
            f"{files.directory / 'import.report'} and the files are kept in {files.directory}. "
            "The database may be empty now: run the import again once the cause is fixed."
        )
    report.steps["neo4j-admin import and restart"] = time.monotonic() - began
    if not keep_files:  # imported: their disk is needed for the indexes now
        for _, path in files.nodes + files.relationships:
            path.unlink(missing_ok=True)

    began = time.monotonic()
    with Gateway(settings) as gateway:
        apply_schema(gateway)
        gateway.query("ingest/await_indexes", {"seconds": INDEX_WAIT_S}, retry=False)
        loaded = int(gateway.query("admin/count_nodes", mode="read").rows[0]["nodes"])
    report.steps["constraints and indexes"] = time.monotonic() - began
    say(f"constraints and indexes online in {report.steps['constraints and indexes']:.1f} s")
    if loaded != report.nodes:
        raise RingwatchError(
            f"The imported database holds {loaded:,} nodes, not the {report.nodes:,} written "
            f"to the import files: see {files.directory / 'import.report'}."
        )
    report.imported = True
    if not keep_files:
        shutil.rmtree(files.directory, ignore_errors=True)
        report.import_dir = None
    report.seconds = time.monotonic() - start
    return report
