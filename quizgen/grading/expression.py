"""A small, safe arithmetic parser for answers such as ``4*5*(3+5+1)``, ``4·5·9``, ``4x5x9`` or
``3.1×10^23``.

Never ``eval``: numbers (``1,760`` grouped), + - * / ^ (or ``**``) and parentheses only, with
bounded length, depth and size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 200
MAX_DEPTH = 20
SPACES = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
"""White space as JavaScript's ``\\s`` and ``trim`` know it (not Python's, which adds \\x1c-\\x1f):
the practice page's reader and this one skip the same characters."""
SPACE = f"[{SPACES}]"
NUMBER_TEXT = r"(?:[1-9]\d{0,2}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(rf"{SPACE}*(?:({NUMBER_TEXT})|(\*\*)|(.))", re.DOTALL)
MAX_EXPONENT = 400
TIMES = {"*", "·", "×", "x", "X", "⋅", "∙", "•"}


class ExpressionError(ValueError):
    pass


Tree = tuple[Any, ...]  # ("n", value) | ("*", (children…)) | ("+", (children…)); None where - or / was used


@dataclass(frozen=True)
class Evaluated:
    value: float
    factors: tuple[float, ...]  # the top-level factors of a product (one entry if not a product)
    tree: Tree | None = None  # the shape of what was typed, for comparing with a derivation


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        number, power, other = match.groups()
        if number is not None:
            tokens.append(number)
        elif power is not None:
            tokens.append("^")
        elif other is not None and other not in SPACES:
            tokens.append("*" if other in TIMES else other)
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str], limit: float) -> None:
        self.tokens = tokens
        self.limit = limit
        self.pos = 0
        self.depth = 0
        self.plain = True  # only + and ×: the typed shape can be compared with a derivation

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def sum(self) -> tuple[float, Tree]:
        value, tree, _ = self.product()
        terms = [tree]
        while self.peek() in ("+", "-"):
            op = self.take()
            right, right_tree, _ = self.product()
            if op == "-":
                self.plain = False
            value = value + right if op == "+" else value - right
            terms.append(right_tree)
        return value, _node("+", terms)

    def product(self) -> tuple[float, Tree, list[float]]:
        first, tree = self.unary()
        factors, trees = [first], [tree]
        value = first
        while self.peek() in ("*", "/"):
            op = self.take()
            right, right_tree = self.unary()
            if op == "*":
                value *= right
                factors.append(right)
                trees.append(right_tree)
            else:
                if right == 0:
                    raise ExpressionError("division by zero")
                self.plain = False
                value /= right
                factors = [value]
        return value, _node("*", trees), factors

    def unary(self) -> tuple[float, Tree]:
        if self.peek() == "-":
            self.take()
            self.plain = False
            value, tree = self.unary()
            return -value, tree
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> tuple[float, Tree]:
        base, tree = self.atom()
        if self.peek() != "^":
            return base, tree
        self.take()
        exponent, _ = self.unary()
        self.plain = False
        if abs(exponent) > MAX_EXPONENT:
            raise ExpressionError("exponent out of range")
        try:
            value = base**exponent
        except (OverflowError, ZeroDivisionError):
            raise ExpressionError("number out of range") from None
        if not isinstance(value, float | int) or not abs(value) <= self.limit:
            raise ExpressionError("number out of range")
        return float(value), ("n", float(value))

    def atom(self) -> tuple[float, Tree]:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        if token == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError("too many parentheses")
            self.take()
            result = self.sum()
            if self.peek() != ")":
                raise ExpressionError("a parenthesis is not closed")
            self.take()
            self.depth -= 1
            return result
        if token[0] in "0123456789" or (token[0] == "." and len(token) > 1):
            self.take()
            value = float(token.replace(",", ""))
            if not abs(value) <= self.limit:
                raise ExpressionError("number out of range")
            return value, ("n", value)
        raise ExpressionError(f"unexpected '{token}'")


def _node(op: str, children: list[Tree]) -> Tree:
    """A product or sum node, nested ones of the same kind flattened; a lone child stands for itself."""
    flat: list[Tree] = []
    for child in children:
        flat.extend(child[1] if child[0] == op else (child,))
    return flat[0] if len(flat) == 1 else (op, tuple(flat))


def evaluate(text: str, limit: float = 1e15) -> Evaluated:
    """Value and top-level factors of an arithmetic expression; ExpressionError if it is not one
    (or a number in it, or its value, is beyond ``limit``)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError("too long")
    tokens = _tokens(text)
    if not tokens:
        raise ExpressionError("empty")
    parser = _Parser(tokens, limit)
    start = parser.pos
    value, tree, factors = parser.product()
    if parser.peek() in ("+", "-"):
        parser.pos = start
        value, tree = parser.sum()
        factors = [value]
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected '{parser.peek()}'")
    if not abs(value) <= limit:
        raise ExpressionError("number out of range")
    return Evaluated(value, tuple(factors), tree if parser.plain else None)
