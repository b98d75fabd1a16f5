"""A small, safe arithmetic parser for answers such as ``4*5*(3+5+1)``, ``4·5·9`` or ``4x5x9``.

Never ``eval``: numbers, + - * / and parentheses only, with bounded length and depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 200
MAX_DEPTH = 20
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(.))")
TIMES = {"*", "·", "×", "x", "X", "⋅", "∙", "•"}


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Evaluated:
    value: float
    factors: tuple[float, ...]  # the top-level factors of a product (one entry if not a product)


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        number, other = match.groups()
        if number is not None:
            tokens.append(number)
        elif other is not None and not other.isspace():
            tokens.append("*" if other in TIMES else other)
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def sum(self) -> float:
        value = self.product()[0]
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.product()[0]
            value = value + right if op == "+" else value - right
        return value

    def product(self) -> tuple[float, list[float]]:
        first = self.unary()
        factors = [first]
        value = first
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.unary()
            if op == "*":
                value *= right
                factors.append(right)
            else:
                if right == 0:
                    raise ExpressionError("division by zero")
                value /= right
                factors = [value]
        return value, factors

    def unary(self) -> float:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.atom()

    def atom(self) -> float:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        if token == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError("too many parentheses")
            self.take()
            value = self.sum()
            if self.peek() != ")":
                raise ExpressionError("a parenthesis is not closed")
            self.take()
            self.depth -= 1
            return value
        if re.fullmatch(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", token):
            self.take()
            value = float(token)
            if value != value or abs(value) > 1e15:
                raise ExpressionError("number out of range")
            return value
        raise ExpressionError(f"unexpected '{token}'")


def evaluate(text: str) -> Evaluated:
    """Value and top-level factors of an arithmetic expression; ExpressionError if it is not one."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError("too long")
    tokens = _tokens(text)
    if not tokens:
        raise ExpressionError("empty")
    parser = _Parser(tokens)
    start = parser.pos
    value, factors = parser.product()
    if parser.peek() in ("+", "-"):
        parser.pos = start
        value = parser.sum()
        factors = [value]
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected '{parser.peek()}'")
    if abs(value) > 1e15:
        raise ExpressionError("number out of range")
    return Evaluated(value, tuple(factors))
