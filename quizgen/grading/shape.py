"""Whether what a student typed (``4*72*(48+72+1)``) has the shape of a mistake's derivation."""

from __future__ import annotations

import itertools
from typing import Any

from quizgen.counting.expr import Expr, Num, Product
from quizgen.grading.expression import Tree

MAX_PERMUTED = 6  # children matched in any order up to this many; beyond, in the order written


def _value(tree: Tree) -> float:
    op, body = tree
    if op == "n":
        return float(body)
    values = [_value(child) for child in body]
    result = 1.0 if op == "*" else 0.0
    for v in values:
        result = result * v if op == "*" else result + v
    return result


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def agrees(tree: Tree, expr: Expr) -> bool | None:
    """True where the typed shape is the derivation's, False where it plainly differs, None if unsure.

    A number typed for a whole sub-expression is fine (``4*72*121`` for ``4·72·(49+72)``); a sum
    with other terms is not (``(48+72+1)`` against ``(49+72)``). Products of another length and
    regrouped expressions (``4*72*49 + 4*72*72``) cannot be told apart from the mistake: None.
    """
    if isinstance(expr, Num) or tree[0] == "n":
        return _close(_value(tree), expr.evaluate())
    children: tuple[Any, ...] = expr.factors if isinstance(expr, Product) else expr.terms
    kind = "*" if isinstance(expr, Product) else "+"
    typed = tree[1]
    if tree[0] != kind:
        return None
    if len(typed) != len(children):
        return False if kind == "+" else None
    orders = itertools.permutations(children) if len(children) <= MAX_PERMUTED else [children]
    best: bool | None = False
    for order in orders:
        verdicts = [agrees(t, e) for t, e in zip(typed, order, strict=True)]
        if all(v is True for v in verdicts):
            return True
        if all(v is not False for v in verdicts):
            best = None
    return best
