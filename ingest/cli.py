"""`ringwatch load`: bulk-load a dataset directory into Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph.gateway import Gateway
from ingest.bulk import load_directory
from ringwatch.settings import load_settings


def load(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Folder with the seven dataset files "
            "(CSV or Parquet, as `ringwatch generate` writes)."
        ),
    ],
    batch_size: Annotated[int, typer.Option(help="Rows per Neo4j transaction.")] = 10_000,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where rejected rows are written with a reason (default: DIR/rejects)."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Bulk-load the datasets in DIRECTORY: validated, batched and idempotent (loading twice
    gives the same graph). Invalid rows are written to a reject file and the load goes on."""
    with Gateway(load_settings()) as gateway:
        gateway.verify()
        report = load_directory(gateway, directory, batch_size, rejects, progress, typer.echo)
    rate = report.written / report.seconds if report.seconds else 0.0
    typer.echo(
        f"Loaded {report.written:,} records ({report.rejected:,} rejected, "
        f"{report.linked:,} transfers linked) in {report.seconds:.1f} s: "
        f"{rate:,.0f} records/s."
    )
