"""The `ringwatch` command. Subcommands live next to the code they drive; this module only
wires them together and turns known errors into one clear line instead of a traceback."""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any

import typer

from graph import gateway
from ringwatch.errors import RingwatchError
from ringwatch.settings import SettingsError

app = typer.Typer(
    name="ringwatch",
    help="Detect Pix mule rings with Neo4j Graph Data Science, GraphSAGE and Kafka.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module, attribute, command name, Neo4j component): plain commands defined next to the code
# they drive. The component picks the command's Neo4j credentials (NEO4J_<COMPONENT>_USER /
# _PASSWORD, falling back to NEO4J_USER / NEO4J_PASSWORD); None: always the shared ones.
COMMANDS: list[tuple[str, str, str, str | None]] = [
    ("data.cli", "generate", "generate", None),
    ("ingest.cli", "load", "load", "loader"),
    ("ingest.cli", "check", "check", None),
    ("ingest.stream_cli", "produce", "produce", None),
    ("ingest.stream_cli", "stream", "stream", "loader"),
    ("archive.cli", "archive", "archive", None),  # Kafka -> Delta only, no Neo4j
    ("graph.query_cli", "query", "query", "analyst"),
    ("detectors.cli", "detect", "detect", "detector"),
    ("detectors.cli", "evaluate", "evaluate", "detector"),
    ("gnn.cli", "train", "train", "gnn"),
    ("gnn.cli", "score", "score", "gnn"),
    ("decide.cli", "decide", "decide", "decider"),
    ("api.cli", "api", "api", "api"),
    ("app.cli", "run_app", "app", None),  # the app's pages and console choose their own
    ("ringwatch.demo", "demo", "demo", None),
]
# (module, attribute, group name): command groups (administration: the shared credentials).
GROUPS = [
    ("stack.cli", "stack_app", "stack"),
    ("graph.cli", "graph_app", "graph"),
    ("app.audit_cli", "audit_app", "audit"),
    ("decide.cli", "rules_app", "rules"),
]


def _as_component(command: Callable[..., Any], component: str | None) -> Callable[..., Any]:
    """The command, run with ``component``'s Neo4j credentials."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        gateway.run_as(component)
        return command(*args, **kwargs)

    return run


def _register() -> None:
    """Register every command and group; a wrong module or name fails here, loudly, instead
    of silently dropping a command."""
    for module_name, attr, name in GROUPS:
        app.add_typer(getattr(importlib.import_module(module_name), attr), name=name)
    for module_name, attr, name, component in COMMANDS:
        command = getattr(importlib.import_module(module_name), attr)
        app.command(name)(_as_component(command, component))


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
