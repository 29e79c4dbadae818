"""`ringwatch stack ...`: the local Neo4j + GDS and Kafka servers."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer

from ringwatch.settings import load_settings
from stack.manager import Stack
from stack.process import human_bytes

stack_app = typer.Typer(
    help="Start, stop and inspect the local Neo4j + GDS and Kafka servers "
    "(assembled from pinned Maven Central jars; no Docker needed).",
    no_args_is_help=True,
)


@stack_app.command()
def up() -> None:
    """Assemble the servers (first time only), start them and wait until they answer.

    Safe to run twice. Data lives in var/stack/ and survives `down`/`up`. The Neo4j password
    is generated at first start into var/stack/neo4j.password and never printed.
    """
    stack = Stack(load_settings())
    timings = stack.up(say=typer.echo)
    typer.echo(f"Stack ready in {max(timings.values()):.1f} s.")


@stack_app.command()
def down() -> None:
    """Stop Kafka and Neo4j cleanly (Neo4j checkpoints first). Data is kept."""
    Stack(load_settings()).down(say=typer.echo)


@stack_app.command()
def status(
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing; exit 0 only if both run.")
    ] = False,
) -> None:
    """Show versions, addresses, PIDs and data sizes; exit 1 if a service is down."""
    stack = Stack(load_settings())
    if quiet:
        raise typer.Exit(0 if stack.is_up() else 1)
    rows = stack.status()
    typer.echo(f"{'service':32} {'detail':14} {'address':26} {'pid':>8} {'data':>10}")
    for row in rows:
        pid = str(row.pid) if row.pid else "stopped"
        typer.echo(
            f"{row.name:32} {row.version:14} {row.address:26} {pid:>8} "
            f"{human_bytes(row.data_bytes):>10}"
        )
    typer.echo(f"jar cache (var/stack): {human_bytes(stack.jar_cache_bytes())}")
    if not stack.is_up():
        typer.echo("Not everything is running: start it with `ringwatch stack up`.")
        raise typer.Exit(1)


@stack_app.command()
def logs(
    service: Annotated[str, typer.Argument(help="neo4j, neo4j-debug or kafka")] = "neo4j",
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines to show.")] = 50,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing.")] = False,
) -> None:
    """Print the end of a service's log from var/stack/logs/."""
    names = {"neo4j": "neo4j.log", "neo4j-debug": "debug.log", "kafka": "kafka.log"}
    if service not in names:
        raise typer.BadParameter(f"choose one of: {', '.join(names)}")
    path = load_settings().stack_dir / "logs" / names[service]
    if not path.exists():
        typer.echo(f"No log yet at {path}: has `ringwatch stack up` run?")
        raise typer.Exit(1)
    cmd = ["tail", f"-n{lines}", *(["-F"] if follow else []), str(path)]
    sys.exit(subprocess.call(cmd))
