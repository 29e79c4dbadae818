"""Stored Cypher: every statement ringwatch runs lives in ``cypher/<folder>/<name>.cypher``.

A file starts with a header of ``//`` comment lines::

    // Members of a ring and their roles.
    // @param ring_id: string, the ring's id (example: R0001)
    // @param limit: integer, most rows returned (example: 100)

The first lines are the description; ``@param`` lines document each ``$parameter`` with its
type (``string``, ``integer``, ``float``, ``boolean``, ``datetime`` or ``list``). A query is
referred to by its path under ``cypher/`` without the extension, e.g. ``analyst/ring_members``.
``StoredQuery.bind`` turns parameter text (``ringwatch query -p``, the app's forms) into values
of those types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ringwatch import textvalues
from ringwatch.errors import RingwatchError
from ringwatch.settings import PROJECT_ROOT

CYPHER_DIR = PROJECT_ROOT / "cypher"
_PARAM_LINE = re.compile(
    r"^//\s*@param\s+(?P<name>\w+)\s*:\s*(?P<type>\w+)\s*,?\s*(?P<doc>.*?)"
    r"(?:\(example:\s*(?P<example>.*)\))?\s*$"
)
_PARAM_USE = re.compile(r"\$(\w+)")
# Statements Neo4j runs only in an implicit (auto-commit) transaction of their own.
_IMPLICIT = re.compile(
    r"\bIN\s+TRANSACTIONS\b|^\s*(CREATE|DROP)\s+(\w+\s+)?(CONSTRAINT|INDEX)\b", re.I | re.M
)


# How the text of a parameter of each declared type becomes its value.
PARSERS: dict[str, Callable[[str], Any]] = {
    "string": str,
    "integer": textvalues.integer,
    "float": textvalues.number,
    "boolean": textvalues.boolean,
    "datetime": textvalues.local_datetime,
    "list": textvalues.cypher_literal,
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    doc: str
    example: str | None

    def parse(self, text: str) -> Any:
        """The value of ``text`` for this parameter's declared type."""
        parser = PARSERS.get(self.type)
        if parser is None:
            known = ", ".join(PARSERS)
            raise RingwatchError(f"@param {self.name} has type {self.type!r}; use one of {known}.")
        try:
            return parser(text)
        except ValueError as exc:
            raise RingwatchError(
                f"Parameter {self.name}={text!r} is not a valid {self.type}: {exc}."
            ) from None


@dataclass(frozen=True)
class StoredQuery:
    """A named, documented Cypher statement (or several, separated by ``;``)."""

    name: str
    description: str
    params: tuple[Param, ...]
    text: str

    @property
    def used_params(self) -> set[str]:
        return set(_PARAM_USE.findall(_strip_comments(self.text)))

    def statements(self) -> list[str]:
        """The statements in the file, split on ``;`` at line ends."""
        body = _strip_comments(self.text)
        return [s.strip() for s in re.split(r";\s*$", body, flags=re.M) if s.strip()]

    def bind(self, text_params: Mapping[str, str]) -> dict[str, Any]:
        """Parameter values from their text, typed as the header declares. A parameter not
        given takes its example; an undeclared name, or a missing one without an example,
        fails with a message naming the parameters."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(text_params) - set(declared))
        if unknown:
            known = ", ".join(declared) or "none"
            raise RingwatchError(
                f"{self.name or 'The query'} has no parameter {', '.join(unknown)} "
                f"(parameters: {known})."
            )
        values: dict[str, Any] = {}
        for p in self.params:
            text = text_params.get(p.name, p.example)
            if text is None:
                raise RingwatchError(f"{self.name} needs the parameter {p.name} ({p.doc}).")
            values[p.name] = p.parse(text)
        return values

    @property
    def implicit(self) -> bool:
        """Whether each statement must run in an implicit transaction of its own: Neo4j
        demands it for ``CALL { ... } IN TRANSACTIONS`` and for schema commands."""
        return any(_IMPLICIT.search(s) for s in self.statements())


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def parse(name: str, text: str) -> StoredQuery:
    """Read a stored query's header and body."""
    description: list[str] = []
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            if stripped:
                break
            continue
        match = _PARAM_LINE.match(stripped)
        if match:
            params.append(
                Param(
                    match["name"],
                    match["type"],
                    match["doc"].strip(" ,"),
                    match["example"].strip() if match["example"] else None,
                )
            )
        elif not params:
            description.append(stripped.lstrip("/ ").strip())
    return StoredQuery(name, " ".join(d for d in description if d), tuple(params), text)


@cache
def load(name: str) -> StoredQuery:
    """Load ``cypher/<name>.cypher``; the name may not leave the cypher folder."""
    path = (CYPHER_DIR / f"{name}.cypher").resolve()
    if CYPHER_DIR.resolve() not in path.parents or not path.exists():
        raise RingwatchError(f"No stored query named {name!r} (looked for {path}).")
    return parse(name, path.read_text())


def inline(text: str) -> StoredQuery:
    """Cypher that is not stored in a file (the app's console, test set-up) as a nameless
    query, so that it runs through the same ``Gateway.query``."""
    return parse("", text)


def list_queries(folder: str) -> list[StoredQuery]:
    """All stored queries in ``cypher/<folder>/``, sorted by name."""
    base = CYPHER_DIR / folder
    return [load(f"{folder}/{p.stem}") for p in sorted(base.glob("*.cypher"))]


def schema_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or CYPHER_DIR / "schema").glob("*.cypher"))
