"""Declarative rules: versioned YAML files under ``rules/``, checked strictly at load.

A rules file::

    version: "2026.12.1"          # required: recorded on every alert
    rules:
      - id: night_limit           # unique, lowercase letters, digits and _
        description: Individuals may send at most R$ 1,000 per night period.
        severity: review          # review or block: what the rule asks for when it fires
        score: 0.6                # 0-1; the decision's score is the highest fired score
        params: {limit: 1000.00}  # optional numbers or text, read as params.NAME
        when: transfer.night and sender.night_total + transfer.amount > params.limit
        reason: Night transfers of {sender.id} would reach more than {params.limit}.

``when`` is a condition in the language of ``decide.expr``; ``reason`` is text in which
``{root.name}`` is replaced by the field's value (amounts as R$). Anything wrong (YAML
syntax, a missing or unknown key, a bad severity, a field that does not exist, a duplicate
id) is a ``RulesError`` naming the file, the line and the problem, raised before the engine
reads a single transfer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from decide import expr, facts
from ringwatch.errors import RingwatchError
from ringwatch.money import brl
from ringwatch.settings import PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "rules"
DEFAULT_RULES = RULES_DIR / "pix.yaml"
SEVERITIES = ("review", "block")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PLACEHOLDER = re.compile(r"\{(\w+)\.(\w+)\}")
_RULE_KEYS = {"id", "description", "severity", "score", "params", "when", "reason"}
_REQUIRED = ("id", "description", "severity", "when", "reason")


class RulesError(RingwatchError):
    """A rules file that cannot be used; the message names the file, line and problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    severity: str
    score: float
    params: Mapping[str, Any]
    when: expr.Expression
    reason: str
    line: int

    def fires(self, known: expr.Facts) -> bool:
        """Whether the condition holds on ``known`` (the rule's ``params`` are compiled into
        the condition, so ``known`` needs no ``params`` root)."""
        return bool(self.when.evaluate(known))

    @property
    def reads(self) -> frozenset[tuple[str, str]]:
        """The fields (root, name) the condition and the reason read, ``params`` aside."""
        named = {(root, name) for root, name in _PLACEHOLDER.findall(self.reason)}
        return frozenset(f for f in self.when.fields | named if f[0] != "params")

    def explain(self, known: expr.Facts) -> str:
        """The rule's reason with its placeholders filled from ``known``."""
        values = {**known, "params": self.params}

        def fill(match: re.Match[str]) -> str:
            root, name = match[1], match[2]
            return _show(root, name, values[root].get(name))

        return _PLACEHOLDER.sub(fill, self.reason)


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    source: str

    @cached_property
    def windows(self) -> frozenset[tuple[str, int]]:
        """Every sender window (function, minutes) a rule reads."""
        return frozenset(w for r in self.rules for w in r.when.windows)

    @cached_property
    def reads(self) -> dict[str, frozenset[str]]:
        """Root -> the fields of it that ``decide`` must compute for these rules: those their
        conditions and reasons read, and those the decision itself reads
        (``decide.facts.ALWAYS``). Derived from the compiled rules, so a rule that reads a
        field no other rule reads gets it computed."""
        wanted = {root: set(names) for root, names in facts.ALWAYS.items()}
        for rule in self.rules:
            for root, name in rule.reads:
                wanted.setdefault(root, set()).add(name)
        return {root: frozenset(wanted.get(root, ())) for root in facts.FIELDS}

    @property
    def longest_window_minutes(self) -> int:
        return max((m for _, m in self.windows), default=0)


def load_rules(path: Path = DEFAULT_RULES) -> RuleSet:
    """Read and check a rules file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"Cannot read the rules file {path}: {exc.strerror}.") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str = "<rules>") -> RuleSet:
    """Check rules given as YAML text; ``source`` names them in messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(f"{source}{where}: not valid YAML: {problem}.") from None

    def fail(node: yaml.Node | None, problem: str) -> RulesError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return RulesError(f"{source}{line}: {problem}")

    if not isinstance(root, yaml.MappingNode):
        raise fail(root, "a rules file is a mapping with `version` and `rules`.")
    top = _mapping(root, fail)
    unknown = sorted(set(top) - {"version", "rules"})
    if unknown:
        raise fail(top[unknown[0]][0], f"unknown key {unknown[0]!r} (keys: version, rules).")
    if "version" not in top or "rules" not in top:
        raise fail(root, "a rules file needs both `version` and `rules`.")
    version_node = top["version"][1]
    version = _plain(version_node)
    if not isinstance(version, str | int | float) or not str(version).strip():
        raise fail(version_node, '`version` must be a non-empty text, e.g. "2026.12.1".')
    rules_node = top["rules"][1]
    if not isinstance(rules_node, yaml.SequenceNode) or not rules_node.value:
        raise fail(rules_node, "`rules` must be a non-empty list of rules.")
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for node in rules_node.value:
        rule = _rule(node, fail)
        if rule.id in seen:
            raise fail(node, f"rule id {rule.id!r} is used twice (first at line {seen[rule.id]}).")
        seen[rule.id] = rule.line
        rules.append(rule)
    return RuleSet(str(version).strip(), tuple(rules), source)


def _rule(node: yaml.Node, fail: Any) -> Rule:
    if not isinstance(node, yaml.MappingNode):
        raise fail(node, "each rule is a mapping with id, description, severity, when, reason.")
    keys = _mapping(node, fail)
    for key in sorted(set(keys) - _RULE_KEYS):
        raise fail(keys[key][0], f"unknown key {key!r} (keys: {', '.join(sorted(_RULE_KEYS))}).")
    for key in _REQUIRED:
        if key not in keys:
            raise fail(node, f"the rule has no `{key}`.")
    values = {key: _plain(value) for key, (_, value) in keys.items()}
    rule_id = values["id"]
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise fail(keys["id"][1], "a rule id is lowercase letters, digits and _, e.g. night_limit.")
    named = f"rule {rule_id}: "
    for key in ("description", "when", "reason"):
        if not isinstance(values[key], str) or not values[key].strip():
            raise fail(keys[key][1], f"{named}`{key}` must be a non-empty text.")
    if values["severity"] not in SEVERITIES:
        raise fail(keys["severity"][1], f"{named}severity must be review or block.")
    score = values.get("score", 1.0 if values["severity"] == "block" else 0.5)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise fail(keys["score"][1], f"{named}score must be a number from 0 to 1.")
    params = values.get("params") or {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float | str) and not isinstance(v, bool)
        for k, v in params.items()
    ):
        raise fail(keys["params"][1], f"{named}params must map names to numbers or text.")
    schema = facts.schema(frozenset(params))
    try:
        when = expr.parse(values["when"], schema, {"params": params})
    except expr.ExpressionError as exc:
        raise fail(keys["when"][1], f"{named}condition: {exc}.") from None
    for root, name in _PLACEHOLDER.findall(values["reason"]):
        if root not in schema or name not in schema[root]:
            raise fail(keys["reason"][1], f"{named}reason names {{{root}.{name}}}, not a field.")
    return Rule(
        id=rule_id,
        description=" ".join(values["description"].split()),
        severity=values["severity"],
        score=float(score),
        params=params,
        when=when,
        reason=" ".join(values["reason"].split()),
        line=node.start_mark.line + 1,
    )


def _mapping(node: yaml.MappingNode, fail: Any) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        name = _plain(key)
        if not isinstance(name, str):
            raise fail(key, f"the key {name!r} is not a name.")
        if name in out:
            raise fail(key, f"the key {name!r} appears twice.")
        out[name] = (key, value)
    return out


def _plain(node: yaml.Node) -> Any:
    """A node's Python value, built by PyYAML's safe constructor."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _show(root: str, name: str, value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if (root, name) in facts.AMOUNTS or (root == "params" and isinstance(value, float)):
        return brl(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
