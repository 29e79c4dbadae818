"""The `ringwatch` command. Subcommands live next to the code they drive; this module only
wires them together and turns known errors into one clear line instead of a traceback."""

from __future__ import annotations

import sys

import typer

from ringwatch.errors import RingwatchError
from ringwatch.settings import SettingsError

app = typer.Typer(
    name="ringwatch",
    help="Detect Pix mule rings with Neo4j Graph Data Science, GraphSAGE and Kafka.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from graph.cli import graph_app
    from ingest.cli import load
    from ringwatch.demo import demo
    from stack.cli import stack_app

    app.add_typer(stack_app, name="stack")
    app.add_typer(graph_app, name="graph")
    app.command("demo")(demo)
    app.command("load")(load)
    try:
        from data.cli import generate
    except ImportError:
        pass
    else:
        app.command("generate")(generate)


_register()


def main() -> None:
    """Entry point: run the CLI, printing ringwatch's own errors as one readable line."""
    try:
        app()
    except (RingwatchError, SettingsError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
