"""The `ringwatch` command. Subcommands live next to the code they drive; this module only
wires them together and turns known errors into one clear line instead of a traceback."""

from __future__ import annotations

import importlib
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

# (module, attribute, command name): plain commands defined next to the code they drive.
COMMANDS = [
    ("data.cli", "generate", "generate"),
    ("ingest.cli", "load", "load"),
    ("ingest.stream_cli", "produce", "produce"),
    ("ingest.stream_cli", "stream", "stream"),
    ("graph.query_cli", "query", "query"),
    ("detectors.cli", "detect", "detect"),
    ("detectors.cli", "evaluate", "evaluate"),
    ("gnn.cli", "train", "train"),
    ("gnn.cli", "score", "score"),
    ("app.cli", "run_app", "app"),
    ("ringwatch.demo", "demo", "demo"),
]
# (module, attribute, group name): command groups.
GROUPS = [("stack.cli", "stack_app", "stack"), ("graph.cli", "graph_app", "graph")]


def _register() -> None:
    """Register every command and group; a wrong module or name fails here, loudly, instead
    of silently dropping a command."""
    for module_name, attr, name in GROUPS:
        app.add_typer(getattr(importlib.import_module(module_name), attr), name=name)
    for module_name, attr, name in COMMANDS:
        app.command(name)(getattr(importlib.import_module(module_name), attr))


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
