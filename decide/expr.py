"""The rules' condition language: a small, safe subset of Python expression syntax.

A condition is parsed with Python's own parser (``ast``) and then checked against a fixed
allow-list; it is never handed to ``eval``. What a condition may contain:

- fields ``root.name`` of the five roots ``transfer``, ``sender``, ``receiver``, ``model``
  and ``params`` (each root's names are fixed; an unknown name is an error at load time);
- literals: numbers, text in quotes, ``true``/``false``/``none`` (or Python's spelling),
  and lists of literals ``['open', 'confirmed']``;
- ``and``, ``or``, ``not``; ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``,
  ``not in``; ``+``, ``-``, ``*``, ``/``; parentheses;
- the window counts ``sender.transfers_last(M)`` and ``sender.amount_last(M)``: the sender's
  transfers (and their total in reais) in the ``M`` minutes before this transfer, ``M`` a
  whole number of minutes.

A missing value (``none``: an unknown account, a score not computed yet) makes every
comparison with it false and every sum with it missing, so a rule never fires on missing
evidence. A condition is compiled once into nested closures; evaluating it reads a ``Facts``
mapping (root -> name -> value) and does nothing else. Roots whose values are known when the
condition is compiled (a rule's ``params``, passed as ``constants``) become literals, and a
comparison of a field with a literal is one closure that reads the field itself: every
transfer runs every condition, so each closure call saved counts.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Facts = Mapping[str, Mapping[str, Any]]
Compiled = Callable[[Facts], Any]

WINDOW_FUNCTIONS = ("transfers_last", "amount_last")
MAX_WINDOW_MINUTES = 24 * 60
_ALIASES = {"true": True, "false": False, "none": None, "null": None}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class ExpressionError(ValueError):
    """A condition that is not valid; the message names the problem."""


def window_key(function: str, minutes: int) -> str:
    """The name under which the facts carry a window count, e.g. ``transfers_last(10)``."""
    return f"{function}({minutes})"


@dataclass(frozen=True)
class Expression:
    """A checked, compiled condition."""

    text: str
    evaluate: Compiled
    fields: frozenset[tuple[str, str]]  # (root, name) read
    windows: frozenset[tuple[str, int]]  # (function, minutes) of sender windows


def parse(
    text: str,
    schema: Mapping[str, frozenset[str]],
    constants: Mapping[str, Mapping[str, Any]] | None = None,
) -> Expression:
    """Check ``text`` against the allow-list and the ``schema`` of fields (root -> names) and
    compile it; an ``ExpressionError`` says what is wrong and where in the text. Fields of a
    root in ``constants`` (root -> name -> value, e.g. a rule's ``params``) are compiled as
    those values instead of being read from the facts."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        column = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"not a valid expression{column}: {exc.msg}") from None
    compiler = _Compiler(schema, constants or {})
    compiled = compiler.compile(tree.body)
    return Expression(text, compiled, frozenset(compiler.fields), frozenset(compiler.windows))


class _Compiler:
    def __init__(
        self, schema: Mapping[str, frozenset[str]], constants: Mapping[str, Mapping[str, Any]]
    ) -> None:
        self.schema = schema
        self.constants = constants
        self.fields: set[tuple[str, str]] = set()
        self.windows: set[tuple[str, int]] = set()
        # What some compiled closures are, for the comparisons that read them inline.
        self.literal: dict[Compiled, Any] = {}
        self.field: dict[Compiled, tuple[str, str]] = {}

    def _literal(self, value: Any) -> Compiled:
        def constant(facts: Facts) -> Any:
            return value

        self.literal[constant] = value
        return constant

    def _field(self, root: str, name: str) -> Compiled:
        def read(facts: Facts) -> Any:
            return facts[root].get(name)

        self.field[read] = (root, name)
        return read

    def compile(self, node: ast.expr) -> Compiled:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(
                f"{_describe(node)} is not allowed (column {node.col_offset + 1}); conditions "
                "use fields, literals, and/or/not, comparisons and + - * /"
            )
        compiled: Compiled = method(node)
        return compiled

    def _Constant(self, node: ast.Constant) -> Compiled:
        if not isinstance(node.value, int | float | str | bool) and node.value is not None:
            raise ExpressionError(f"the literal {node.value!r} is not allowed")
        return self._literal(node.value)

    def _List(self, node: ast.List | ast.Tuple) -> Compiled:
        values = []
        for item in node.elts:
            if not isinstance(item, ast.Constant | ast.Name):
                raise ExpressionError("a list may hold only literals")
            values.append(self.compile(item)({}))
        return self._literal(tuple(values))

    _Tuple = _List

    def _Name(self, node: ast.Name) -> Compiled:
        if node.id.lower() in _ALIASES or node.id in ("True", "False", "None"):
            return self._literal(_ALIASES.get(node.id.lower()))
        roots = ", ".join(self.schema)
        raise ExpressionError(f"{node.id!r} is not a field: write root.name (roots: {roots})")

    def _Attribute(self, node: ast.Attribute) -> Compiled:
        if not isinstance(node.value, ast.Name) or node.value.id not in self.schema:
            roots = ", ".join(self.schema)
            raise ExpressionError(f"field .{node.attr} needs one of the roots {roots}")
        root, name = node.value.id, node.attr
        if name not in self.schema[root]:
            known = ", ".join(sorted(self.schema[root])) or "none"
            raise ExpressionError(f"{root}.{name} is not a field (fields of {root}: {known})")
        self.fields.add((root, name))
        if root in self.constants:
            return self._literal(self.constants[root][name])
        return self._field(root, name)

    def _Call(self, node: ast.Call) -> Compiled:
        func = node.func
        if (
            not isinstance(func, ast.Attribute)
            or not isinstance(func.value, ast.Name)
            or func.value.id != "sender"
            or func.attr not in WINDOW_FUNCTIONS
        ):
            raise ExpressionError(
                "the only calls are sender.transfers_last(M) and sender.amount_last(M)"
            )
        if (
            len(node.args) != 1
            or node.keywords
            or not isinstance(node.args[0], ast.Constant)
            or not isinstance(node.args[0].value, int)
            or isinstance(node.args[0].value, bool)
            or not 0 < node.args[0].value <= MAX_WINDOW_MINUTES
        ):
            raise ExpressionError(
                f"sender.{func.attr}(M) takes one whole number of minutes, 1 to "
                f"{MAX_WINDOW_MINUTES}"
            )
        minutes = node.args[0].value
        self.windows.add((func.attr, minutes))
        return self._field("sender", window_key(func.attr, minutes))

    def _BoolOp(self, node: ast.BoolOp) -> Compiled:
        parts = [self.compile(v) for v in node.values]
        # Plain loops: every transfer runs these, and a generator per call costs more.
        if isinstance(node.op, ast.And):

            def conjunction(facts: Facts) -> bool:
                for part in parts:  # noqa: SIM110 (no generator per call)
                    if not part(facts):
                        return False
                return True

            return conjunction

        def disjunction(facts: Facts) -> bool:
            for part in parts:  # noqa: SIM110 (no generator per call)
                if part(facts):
                    return True
            return False

        return disjunction

    def _UnaryOp(self, node: ast.UnaryOp) -> Compiled:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda facts: not bool(operand(facts))
        if isinstance(node.op, ast.USub):
            return lambda facts: _negate(operand(facts))
        raise ExpressionError(f"the operator {_describe(node.op)} is not allowed")

    def _BinOp(self, node: ast.BinOp) -> Compiled:
        function = _ARITHMETIC.get(type(node.op))
        if function is None:
            raise ExpressionError(f"the operator {_describe(node.op)} is not allowed")
        left, right = self.compile(node.left), self.compile(node.right)

        def arithmetic(facts: Facts) -> Any:
            a, b = left(facts), right(facts)
            if a is None or b is None or isinstance(a, str) or isinstance(b, str):
                return None
            if function is operator.truediv and b == 0:
                return None
            return function(a, b)

        return arithmetic

    def _Compare(self, node: ast.Compare) -> Compiled:
        functions = []
        for op in node.ops:
            function = _COMPARE.get(type(op))
            if function is None:
                raise ExpressionError(f"the comparison {_describe(op)} is not allowed")
            functions.append(function)
        operands = [self.compile(node.left), *(self.compile(c) for c in node.comparators)]
        if len(functions) == 1 and operands[1] in self.literal:  # field < 5, the usual case
            return self._compare_literal(functions[0], operands[0], self.literal[operands[1]])
        if len(functions) == 1:  # a < b without the chain's lists
            function, (left, right) = functions[0], operands

            def compare_one(facts: Facts) -> bool:
                a, b = left(facts), right(facts)
                if a is None or b is None:
                    return False
                try:
                    return bool(function(a, b))
                except TypeError:  # text compared with a number: not true
                    return False

            return compare_one

        def compare(facts: Facts) -> bool:
            values = [o(facts) for o in operands]
            for function, a, b in zip(functions, values, values[1:], strict=False):
                if a is None or b is None:
                    return False
                try:
                    if not function(a, b):
                        return False
                except TypeError:  # text compared with a number: not true
                    return False
            return True

        return compare

    def _compare_literal(
        self, function: Callable[[Any, Any], bool], left: Compiled, b: Any
    ) -> Compiled:
        """``left OP b`` for a literal ``b``, reading ``left`` inline when it is a field;
        the same outcomes as the general comparison."""
        if b is None:  # none never compares
            return self._literal(False)
        if left in self.field:
            root, name = self.field[left]

            def compare_field(facts: Facts) -> bool:
                a = facts[root].get(name)
                if a is None:
                    return False
                try:
                    return bool(function(a, b))
                except TypeError:  # text compared with a number: not true
                    return False

            return compare_field

        def compare_literal(facts: Facts) -> bool:
            a = left(facts)
            if a is None:
                return False
            try:
                return bool(function(a, b))
            except TypeError:
                return False

        return compare_literal


def _negate(value: Any) -> Any:
    return None if value is None or isinstance(value, str) else -value


def _describe(node: ast.AST) -> str:
    names = {
        "Subscript": "indexing ([...])",
        "Lambda": "lambda",
        "IfExp": "if ... else",
        "Dict": "a dict",
        "Set": "a set",
        "ListComp": "a comprehension",
        "JoinedStr": "an f-string",
        "Pow": "**",
        "Mod": "%",
        "FloorDiv": "//",
        "Is": "is",
        "IsNot": "is not",
    }
    return names.get(type(node).__name__, type(node).__name__)
