"""Custom weighted indexes: small arithmetic formulas over a survey's answers.

`0.5 * nps + 10 * csat / 5`, `max(csat, ces) - 1`, `if(nps >= 9, 100, 0)`: numbers, answer
ids, + - * / and parentheses, min(), max() and if(condition, then, else) with one comparison
as the condition. Nothing else.

Formulas are written by analysts and stored as data, so they are untrusted text: they are
parsed with Python's `ast` and every node is checked against a whitelist (no attribute, no
subscript, no power, no call but the three above, no name but the survey's numeric answers).
They are never given to eval or exec: evaluation walks the checked tree here. Length, depth
and size limits keep a hostile formula from costing more than a few microseconds.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Collection, Mapping
from functools import lru_cache

MAX_CHARS = 500
MAX_DEPTH = 12
MAX_NODES = 120
MAX_LITERAL = 1e9
FUNCTIONS = frozenset({"min", "max", "if"})
# `if` is a Python keyword: the parser sees it under a name no answer id can have.
_IF_ALIAS = "if__"
_IF_CALL = re.compile(r"\bif\s*\(")
_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_COMPARE: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
}


class FormulaError(ValueError):
    """A formula that is refused, with the reason in words."""


@lru_cache(maxsize=256)
def _parsed(formula: str) -> ast.expr:
    if not formula.strip():
        raise FormulaError("the formula is empty")
    if len(formula) > MAX_CHARS:
        raise FormulaError(f"the formula is longer than {MAX_CHARS} characters")
    try:
        tree = ast.parse(_IF_CALL.sub(f"{_IF_ALIAS}(", formula), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError("the formula is not valid arithmetic") from exc
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise FormulaError(f"the formula has more than {MAX_NODES} parts")
    return tree.body


def check(formula: str, answer_ids: Collection[str]) -> frozenset[str]:
    """Raise FormulaError naming what is wrong; answer the ids the formula reads."""
    names: set[str] = set()
    _check(_parsed(formula), set(answer_ids), names, depth=0)
    return frozenset(names)


def _check(node: ast.expr, known: set[str], names: set[str], *, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula nests deeper than {MAX_DEPTH} levels")
    if isinstance(node, ast.Constant | ast.Name):
        _check_leaf(node, known, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, known, names, depth=depth + 1)
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        if isinstance(node.op, ast.Div) and _is_zero(node.right):
            raise FormulaError("the formula divides by 0")
        _check(node.left, known, names, depth=depth + 1)
        _check(node.right, known, names, depth=depth + 1)
    elif isinstance(node, ast.Call):
        for argument in _call_arguments(node):
            _check(argument, known, names, depth=depth + 1)
    elif isinstance(node, ast.Compare):
        raise FormulaError("a comparison may only be the condition of if()")
    else:
        # Name the operator of an arithmetic node (Pow, Mod, BitXor...), else the node.
        part = node.op if isinstance(node, ast.BinOp | ast.UnaryOp) else node
        raise FormulaError(f"{type(part).__name__} is not allowed in a formula")


def _check_leaf(node: ast.Constant | ast.Name, known: set[str], names: set[str]) -> None:
    if isinstance(node, ast.Constant):
        _check_number(node.value)
        return
    if node.id not in known:
        raise FormulaError(f"{node.id!r} is not a numeric answer of this survey")
    names.add(node.id)


def _check_number(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormulaError("only numbers may be written in a formula")
    if not math.isfinite(value) or abs(value) > MAX_LITERAL:
        raise FormulaError(f"numbers must be at most {MAX_LITERAL:g}")


def _is_zero(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _is_zero(node.operand)
    return isinstance(node, ast.Constant) and not isinstance(node.value, bool) and node.value == 0


def _call_arguments(node: ast.Call) -> list[ast.expr]:
    """The arguments to check: a condition's two sides in place of the condition itself."""
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in {"min", "max", _IF_ALIAS} or node.keywords:
        raise FormulaError("only min(), max() and if() may be called")
    if name == _IF_ALIAS:
        if len(node.args) != 3:
            raise FormulaError("if() takes a condition, a value when true and a value when false")
        condition = node.args[0]
        if not (isinstance(condition, ast.Compare) and len(condition.ops) == 1):
            raise FormulaError("the condition of if() must be one comparison such as nps >= 9")
        if type(condition.ops[0]) not in _COMPARE:
            raise FormulaError("the condition of if() compares with < <= > >= == or !=")
        return [condition.left, condition.comparators[0], *node.args[1:]]
    if len(node.args) < 2 or any(isinstance(a, ast.Starred) for a in node.args):
        raise FormulaError(f"{name}() takes two or more values")
    return list(node.args)


def evaluate(formula: str, answers: Mapping[str, object]) -> float | None:
    """The formula's value, or None when an answer it needs is missing (or not a number),
    or the arithmetic has no finite answer (a division by an answer that is 0)."""
    node = _parsed(formula)
    try:
        value = _value(node, answers)
    except (_Missing, ZeroDivisionError, OverflowError):
        return None
    return value if math.isfinite(value) else None


class _Missing(Exception):
    pass


def _value(node: ast.expr, answers: Mapping[str, object]) -> float:
    """Walks a tree `check` accepted; anything else is refused again, never executed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return _answer(answers.get(node.id))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand, answers)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_value(node.left, answers), _value(node.right, answers))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node.func.id, node.args, answers)
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")


def _call(name: str, args: list[ast.expr], answers: Mapping[str, object]) -> float:
    if name == _IF_ALIAS:
        condition = args[0]
        assert isinstance(condition, ast.Compare), "check() accepts only a comparison here"
        compare = _COMPARE[type(condition.ops[0])]
        left, right = _value(condition.left, answers), _value(condition.comparators[0], answers)
        # Only the branch taken is evaluated: an unanswered follow-up on the other side is not needed.
        return _value(args[1] if compare(left, right) else args[2], answers)
    values = [_value(arg, answers) for arg in args]
    if name == "min":
        return min(values)
    if name == "max":
        return max(values)
    raise FormulaError(f"{name}() is not allowed in a formula")


def _answer(value: object) -> float:
    """A scale answer as it is; a yes/no answer as 1 or 0."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    raise _Missing
