"""Text typed by a person (``--param k=v``, a form field, an environment variable) turned into
a value, with one set of rules for every caller. Each function raises ``ValueError`` whose
message says what the text should look like; callers add which parameter it was.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def boolean(text: str) -> bool:
    """true/false, yes/no, on/off or 1/0, in any case."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("use true or false")


def integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("use a whole number, e.g. 10") from None


def number(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError("use a number, e.g. 0.5") from None


def local_datetime(text: str) -> str:
    """An ISO date or date-time, normalised to ``YYYY-MM-DDTHH:MM:SS`` (stored queries read it
    with ``localdatetime()``; a time zone, if given, is dropped)."""
    try:
        return datetime.fromisoformat(text.strip()).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ValueError("use an ISO date-time, e.g. 2025-03-01T09:00:00") from None


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
      | (?P<word>[A-Za-z_]\w*)
      | (?P<punct>[\[\]{}:,])
    )""",
    re.X,
)
_WORDS: dict[str, Any] = {"true": True, "false": False, "null": None}


def cypher_literal(text: str) -> Any:
    """A Cypher literal as the ``(example: ...)`` of a stored query's header writes it: lists,
    maps (keys bare or quoted), 'strings', numbers, true, false and null."""
    tokens: list[tuple[str, str]] = []
    position, text = 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read {text[position:]!r} as a Cypher literal")
        kind = match.lastgroup or ""
        tokens.append((kind, match[kind]))
        position = match.end()
    if not tokens:
        raise ValueError("empty value")
    value, used = _literal(tokens, 0)
    if used != len(tokens):
        raise ValueError(f"unexpected {tokens[used][1]!r} after the value")
    return value


def _literal(tokens: list[tuple[str, str]], at: int) -> tuple[Any, int]:
    if at >= len(tokens):
        raise ValueError("the value ends too early")
    kind, token = tokens[at]
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", token[1:-1]), at + 1
    if kind == "number":
        return (float(token) if re.search(r"[.eE]", token) else int(token)), at + 1
    if kind == "word" and token.lower() in _WORDS:
        return _WORDS[token.lower()], at + 1
    if token == "[":
        items: list[Any] = []
        at += 1
        while tokens[at : at + 1] != [("punct", "]")]:
            item, at = _literal(tokens, at)
            items.append(item)
            at = _separator(tokens, at, "]")
        return items, at + 1
    if token == "{":
        entries: dict[str, Any] = {}
        at += 1
        while tokens[at : at + 1] != [("punct", "}")]:
            key_kind, key = tokens[at] if at < len(tokens) else ("", "")
            if key_kind not in ("word", "string") or tokens[at + 1 : at + 2] != [("punct", ":")]:
                raise ValueError("write a map as {key: value, ...}")
            entries[key.strip("'\"")], at = _literal(tokens, at + 2)
            at = _separator(tokens, at, "}")
        return entries, at + 1
    raise ValueError(f"unexpected {token!r}")


def _separator(tokens: list[tuple[str, str]], at: int, close: str) -> int:
    if tokens[at : at + 1] == [("punct", ",")]:
        return at + 1
    if tokens[at : at + 1] == [("punct", close)]:
        return at
    raise ValueError(f"expected ',' or {close!r}")
