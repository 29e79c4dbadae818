"""`ringwatch load` (a dataset directory into Neo4j) and `ringwatch check` (the same
directory, told what a load would do, writing nothing)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer

from ingest.mapping import DataMapping, load_mapping

MappingOption = Annotated[
    Path | None,
    typer.Option(
        "--mapping",
        help="YAML file saying how the export differs from ringwatch's format: file names, "
        "column renames, value maps per column, columns to ignore, decimal comma, day-first "
        "dates, CSV separator and encoding (docs/data.md, 'Bring your own data').",
    ),
]


# neo4j-admin's --max-off-heap-memory (Neo4j 5.26) takes bytes, a number with k, m or g, or a
# share of the free memory from 1% to 99%; it refuses 4GB, 4GiB, 4 G, 4T, 4.5G and 100%, but
# only when it starts, after the datasets are validated (15 min at scale 200).
_SIZE = re.compile(r"(\d+)\s*(?:([kmg])(?:i?b)?|b)?", re.IGNORECASE)
_SHARE = re.compile(r"(\d+)\s*%")


def off_heap_size(value: str | None) -> str | None:
    """``--max-off-heap`` in the form neo4j-admin's ``--max-off-heap-memory`` accepts
    (``4g``, ``4 GB`` and ``4GiB`` -> ``4G``; ``70 %`` -> ``70%``), or a one-line refusal
    naming the forms that work, before any dataset is read."""
    if value is None:
        return None
    text = value.strip()
    share = _SHARE.fullmatch(text)
    if share is not None and 1 <= int(share.group(1)) <= 99:
        return f"{int(share.group(1))}%"
    size = _SIZE.fullmatch(text)
    if size is not None and int(size.group(1)) > 0:
        return f"{int(size.group(1))}{(size.group(2) or '').upper()}"
    raise typer.BadParameter(
        f"{value!r} is not a size neo4j-admin takes. Give a whole number of bytes "
        "(4000000000), a whole number with K, M or G (512M, 4G), or a share of the free "
        "memory from 1% to 99% (70%), e.g. --max-off-heap 4G."
    )


def load(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Folder with the seven dataset files "
            "(CSV or Parquet, as `ringwatch generate` writes, or a bank export with --mapping)."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Rows per Neo4j transaction.")] = 10_000,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where rejected rows are written with a reason (default: DIR/rejects)."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    mapping: MappingOption = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Build a new database with neo4j-admin's offline importer instead (much "
            "faster for a first load): same validation, rejects and graph; stops and restarts "
            "the local Neo4j. Refuses a database that holds data unless --replace.",
        ),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="With --offline: replace a database that holds data."),
    ] = False,
    compress_import_files: Annotated[
        bool,
        typer.Option(
            "--compress-import-files",
            help="With --offline: gzip the CSV files written for neo4j-admin (about a sixth "
            "of their disk: 6.8 GB as text at 10 M transfers) for some CPU while they are "
            "written and read. They are deleted once the import succeeds either way.",
        ),
    ] = False,
    max_off_heap: Annotated[
        str | None,
        typer.Option(
            "--max-off-heap",
            metavar="SIZE",
            callback=off_heap_size,
            help="With --offline: cap neo4j-admin's memory beside its heap (its "
            "--max-off-heap-memory): 4G, 512M, a number of bytes, or a share of the free "
            "memory such as 70%. Its own default, 90% of the free memory, can starve "
            "other processes on a shared machine. The heap is RINGWATCH_NEO4J_HEAP. "
            "Applies to the import "
            "ringwatch runs on its own Neo4j; the command it prints for another server "
            "leaves the cap out.",
        ),
    ] = None,
    from_archive: Annotated[
        Path | None,
        typer.Option(
            help="Rebuild the graph from the bronze archive at this path (`ringwatch "
            "archive`, docs/archive.md) instead of a folder: every archived message, decoded "
            "and validated as `ringwatch stream` does.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="With --from-archive: only messages whose Kafka timestamp is at or before "
            "this ISO-8601 time (UTC unless it names an offset), e.g. 2025-03-01T12:00:00Z.",
        ),
    ] = None,
) -> None:
    """Bulk-load the datasets in DIRECTORY: validated, batched and idempotent (loading twice
    gives the same graph). Invalid rows are written to a reject file, as they were in the
    file and with a reason, and the load goes on. Run `ringwatch check` first to see them.
    With --offline, the same graph is built as a new database by Neo4j's importer; with
    --from-archive, the graph is rebuilt from the archived Kafka messages."""
    from graph.gateway import Gateway
    from ingest.bulk import load_directory
    from ringwatch.errors import RingwatchError
    from ringwatch.settings import load_settings

    mapped = load_mapping(mapping)
    if (directory is None) == (from_archive is None):
        raise RingwatchError("Give a folder to load, or --from-archive PATH (not both).")
    if until is not None and from_archive is None:
        raise RingwatchError("--until only applies to --from-archive.")
    if from_archive is not None:
        if offline:
            raise RingwatchError("--offline loads a folder; it cannot read --from-archive.")
        _load_from_archive(from_archive, until, mapped, progress)
        return
    assert directory is not None
    if replace and not offline:
        raise RingwatchError("--replace only applies to --offline (an online load adds data).")
    if not offline and (compress_import_files or max_off_heap is not None):
        raise RingwatchError(
            "--compress-import-files and --max-off-heap only apply to --offline (they are "
            "options of neo4j-admin's import); add --offline or leave them out."
        )
    if offline:
        _load_offline(directory, rejects, mapped, replace, compress_import_files, max_off_heap)
        return
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        report = load_directory(
            gateway, directory, batch_size, rejects, progress, typer.echo, mapped
        )
    rate = report.written / report.seconds if report.seconds else 0.0
    typer.echo(
        f"Loaded {report.written:,} records ({report.rejected:,} rejected, "
        f"{report.linked:,} transfers linked) in {report.seconds:.1f} s: "
        f"{rate:,.0f} records/s."
    )


def _load_from_archive(path: Path, until: str | None, mapping: DataMapping, progress: bool) -> None:
    from archive.rebuild import parse_until, rebuild
    from graph.gateway import Gateway
    from ringwatch.settings import load_settings

    moment = parse_until(until) if until is not None else None
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        report = rebuild(gateway, path, moment, mapping=mapping, progress=progress, say=typer.echo)
    rate = report.written / report.seconds if report.seconds else 0.0
    typer.echo(
        f"Rebuilt from {path}: {report.written:,} records written from {report.messages:,} "
        f"archived messages ({report.rejected:,} rejected, {report.duplicates:,} duplicate "
        f"copies dropped, {report.linked:,} transfers linked) in {report.seconds:.1f} s: "
        f"{rate:,.0f} records/s."
    )


def _load_offline(
    directory: Path,
    rejects: Path | None,
    mapping: DataMapping,
    replace: bool,
    compress: bool,
    max_off_heap: str | None,
) -> None:
    from ingest.offline import offline_load
    from ringwatch.settings import load_settings

    report = offline_load(
        load_settings(),
        directory,
        replace=replace,
        mapping=mapping,
        reject_dir=rejects,
        say=typer.echo,
        compress=compress,
        max_off_heap=max_off_heap,
    )
    if not report.imported:
        return
    rate = report.written / report.seconds if report.seconds else 0.0
    typer.echo(
        f"Imported {report.written:,} records ({report.rejected:,} rejected) as "
        f"{report.nodes:,} nodes and {report.relationships:,} relationships "
        f"({report.linked:,} transfers linked) in {report.seconds:.1f} s: "
        f"{rate:,.0f} records/s."
    )


def check(
    directory: Annotated[
        Path, typer.Argument(help="Folder with the dataset files, as `ringwatch load` takes it.")
    ],
    mapping: MappingOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
) -> None:
    """Read every dataset file in DIRECTORY as `ringwatch load` would and report, per
    dataset: rows that would load and be rejected, each reason with its count and example
    rows, unknown values with the closest known one, columns not used, and references a
    load would leave dangling; then a mapping that would fix what it can. Connects to
    nothing and writes nothing. Exits 1 when any row would be rejected, 0 otherwise."""
    from ingest.check import check_directory, render

    report = check_directory(directory, load_mapping(mapping))
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render(report))
    if report.rejected:
        raise typer.Exit(1)
