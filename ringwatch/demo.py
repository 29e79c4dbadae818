"""`ringwatch demo`: the end-to-end walk-through that `make demo` runs.

Today it checks the stack and GDS, then generates a synthetic Pix dataset; later stages
(load through Kafka, detect, train, open the app) are added as they land.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph.gateway import Gateway
from ringwatch.settings import load_settings


def demo(
    out: Annotated[Path, typer.Option(help="Where the demo dataset is written.")] = Path(
        "var/demo"
    ),
    scale: Annotated[
        float, typer.Option(help="Dataset scale (1 = DOMAIN.md default volumes).")
    ] = 1.0,
) -> None:
    """Run the demo: check Neo4j + GDS, then generate a synthetic dataset."""
    settings = load_settings()
    with Gateway(settings) as gateway:
        gateway.verify()
        versions = gateway.run("admin/gds_version")[0]
        procedures = gateway.run("admin/gds_procedures")[0]["procedures"]
    typer.echo(
        f"[1/2] Neo4j {versions['neo4j']} with GDS {versions['gds']} answering at "
        f"{settings.neo4j_uri}: {procedures} GDS procedures available."
    )
    try:
        from data.cli import generate
    except ImportError:
        typer.echo("[2/2] The data generator is not available in this build.")
        return
    typer.echo(f"[2/2] Generating a synthetic Pix dataset (scale {scale}) into {out} ...")
    generate(out=out, scale=scale, seed=7, format="csv")
