"""`ringwatch query`: run one of the analysts' stored queries and print a table."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
import typer

from graph.gateway import Gateway
from graph.queries import StoredQuery, list_queries, load
from ringwatch.errors import RingwatchError
from ringwatch.settings import load_settings

FOLDER = "analyst"


def parameters(query: StoredQuery, given: list[str]) -> dict[str, Any]:
    """Parameters from ``name=value`` texts, typed by ``StoredQuery.bind`` (undocumented names
    fail, missing ones take the example)."""
    texts: dict[str, str] = {}
    for item in given:
        if "=" not in item:
            raise RingwatchError(f"--param {item!r} must look like name=value.")
        key, raw = item.split("=", 1)
        texts[key.strip()] = raw
    return query.bind(texts)


def query(
    name: Annotated[
        str | None, typer.Argument(help="Query name, e.g. ring_members (see --list).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="A parameter as name=value; repeat for several. Values are read as the "
            "query's header types them (lists as Cypher literals, e.g. \"['a', 'b']\"; "
            "booleans as true/false). Parameters not given take the example value from the "
            "query's header.",
        ),
    ] = None,
    list_all: Annotated[bool, typer.Option("--list", help="List the queries and exit.")] = False,
    max_rows: Annotated[int, typer.Option(help="Most rows printed.")] = 100,
) -> None:
    """Run an analysts' query from cypher/analyst/ (read-only) and print the result table."""
    if list_all or name is None:
        for q in list_queries(FOLDER):
            params = ", ".join(f"{p.name}: {p.type}" for p in q.params)
            typer.echo(f"{q.name.split('/', 1)[1]:32} {q.description}")
            typer.echo(f"{'':32} parameters: {params or 'none'}")
        return
    stored = load(f"{FOLDER}/{name}")
    values = parameters(stored, param or [])
    with Gateway(load_settings()) as gateway:
        rows = gateway.query(stored, values, mode="read").rows
    frame = pd.DataFrame(rows)
    if frame.empty:
        typer.echo("(no rows)")
        return
    with pd.option_context(
        "display.max_columns", None, "display.width", 200, "display.max_colwidth", 60
    ):
        typer.echo(frame.head(max_rows).to_string(index=False))
    if len(frame) > max_rows:
        typer.echo(f"... {len(frame) - max_rows} more rows (raise --max-rows)")
