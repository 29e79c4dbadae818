"""`ringwatch audit verify`: check the hash chain of the app's audit trail and its file copy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app import audit, options
from graph.gateway import Gateway
from ringwatch.settings import load_settings

audit_app = typer.Typer(
    help="The app's tamper-evident audit trail (AuditEvent nodes, hash-chained).",
    no_args_is_help=True,
)


@audit_app.command()
def verify(
    file: Annotated[
        Path | None,
        typer.Option(
            help="The app's copy of the trail (default: $RINGWATCH_VAR_DIR/audit/trail.jsonl)."
        ),
    ] = None,
    no_file: Annotated[
        bool, typer.Option("--no-file", help="Check only the chain inside Neo4j.")
    ] = False,
) -> None:
    """Walk the audit chain in Neo4j from its first event and compare it with the file copy.
    Exit 0 when intact; exit 1 naming the first broken link (an edited, deleted, inserted or
    rewritten event)."""
    settings = load_settings()
    copy = None if no_file else (file or options.default_audit_file(settings))
    with Gateway(settings, component="app") as gateway:
        verdict = audit.verify(gateway, copy)
    for note in verdict.notes:
        typer.echo(note)
    if verdict.broken:
        typer.secho(f"Audit trail BROKEN: {verdict.broken}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    against = f"; the file copy {copy} matches" if copy and copy.exists() else ""
    typer.echo(f"Audit trail intact: {verdict.events} events, hash chain unbroken{against}.")
