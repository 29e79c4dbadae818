"""`ringwatch graph ...`: schema and housekeeping of the Neo4j graph."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from graph import migrations
from graph.gateway import Gateway, apply_schema
from ringwatch.settings import load_settings

graph_app = typer.Typer(
    help="Create the graph schema, bring an older graph up to date, or wipe the graph.",
    no_args_is_help=True,
)


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
def migrate(
    page: Annotated[
        int, typer.Option(help="Accounts per transaction (smaller pages need less heap).")
    ] = migrations.PAGE,
) -> None:
    """Bring a graph loaded by an older ringwatch up to the current graph model: build each
    account's USED_DEVICE summaries (first and last login, first successful login, logins,
    failures per device) from its logins. Stop the stream loaders first. Safe to stop and
    run again: each page of accounts is recomputed whole. Takes about as long as reading
    every login once (7.9 min for 20 M logins on 2 cores)."""
    with Gateway(load_settings()) as gateway:
        missing, logins, total = migrations.used_device_missing(gateway)
        if not logins:
            typer.echo("No logins in the graph: nothing to migrate.")
            return
        if not missing:
            typer.echo("USED_DEVICE summaries exist already; recomputing them from the logins.")
        with tqdm(total=total, desc="accounts", unit="accounts") as bar:

            def advance(done: int, _written: int) -> None:
                bar.update(done - bar.n)

            written = migrations.backfill_used_device(gateway, page, advance)
    typer.echo(f"Wrote {written:,} USED_DEVICE summaries from {logins:,} logins.")


@graph_app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: delete ALL data.")] = False,
) -> None:
    """Delete every node and relationship, in batches. Schema is kept. Needs --yes."""
    if not yes:
        typer.echo("This deletes all data in the graph. Re-run with --yes to confirm.")
        raise typer.Exit(1)
    settings = load_settings()
    with Gateway(settings) as gateway:
        before = gateway.query("admin/count_nodes", mode="read").rows[0]["nodes"]
        gateway.query("admin/reset_batch")
    typer.echo(f"Deleted {before} nodes.")
    kept = archive_audit_copy(settings.audit_file, datetime.now(UTC))
    if kept is not None:
        typer.echo(f"The audit trail went with the graph; its file copy is kept as {kept}.")


def archive_audit_copy(path: Path, now: datetime) -> Path | None:
    """Move the audit trail's file copy aside (``trail-<UTC time>.jsonl``) once the graph and
    its trail are deleted, so that the next trail starts a clean chain and ``audit verify``
    does not compare it with the old one. Returns where it went, None when there was none."""
    if not path.exists():
        return None
    kept = path.with_name(f"{path.stem}-{now.strftime('%Y%m%dT%H%M%SZ')}{path.suffix}")
    path.rename(kept)
    return kept
