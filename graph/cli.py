"""`ringwatch graph ...`: schema and housekeeping of the Neo4j graph."""

from __future__ import annotations

from typing import Annotated

import typer

from graph.gateway import Gateway, apply_schema
from ringwatch.settings import load_settings

graph_app = typer.Typer(help="Create the graph schema or wipe the graph.", no_args_is_help=True)


@graph_app.command()
def init() -> None:
    """Apply constraints and indexes from cypher/schema/*.cypher (idempotent)."""
    with Gateway(load_settings()) as gateway:
        count = apply_schema(gateway)
        versions = gateway.query("admin/gds_version", mode="read").rows[0]
    typer.echo(
        f"Schema applied ({count} statements) on Neo4j {versions['neo4j']} "
        f"({versions['edition']}) with GDS {versions['gds']}."
    )


@graph_app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: delete ALL data.")] = False,
) -> None:
    """Delete every node and relationship, in batches. Schema is kept. Needs --yes."""
    if not yes:
        typer.echo("This deletes all data in the graph. Re-run with --yes to confirm.")
        raise typer.Exit(1)
    with Gateway(load_settings()) as gateway:
        before = gateway.query("admin/count_nodes", mode="read").rows[0]["nodes"]
        gateway.query("admin/reset_batch")
    typer.echo(f"Deleted {before} nodes.")
