"""Tokenizer and parser of the architecture spec language into layer calls with positions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Union

from quizgen.caches import bounded
from quizgen.errors import SpecError

MAX_NESTING = 4
MAX_INT = 10**12

Value = Union[int, float, bool, str, None, tuple["Value", ...], "Call"]

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\n]+)
      | (?P<comment>\#[^\n]*)
      | (?P<arrow>->)
      | (?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<string>'[^'\n]*'|"[^"\n]*")
      | (?P<punct>[(),=\[\]])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Arg:
    value: Value
    line: int = 1
    column: int = 1
    name: str | None = None


@dataclass(frozen=True)
class Call:
    """``Name(arg, key=value, …)`` as written, with where it starts."""

    name: str
    args: tuple[Arg, ...] = ()
    line: int = 1
    column: int = 1
    kwargs: dict[str, Arg] = field(default_factory=dict, compare=False, hash=False)

    def canonical(self) -> str:
        return self._canonical

    @cached_property
    def _canonical(self) -> str:
        """Written once per call: a model's layers are named in every count of it."""
        parts = [render_value(a.value) for a in self.args]
        parts += [f"{k}={render_value(a.value)}" for k, a in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})"


def render_value(value: Value) -> str:
    if isinstance(value, Call):
        return value.canonical()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "(" + ", ".join(render_value(v) for v in value) + ")"
    if value is None:
        return "None"
    if isinstance(value, str) and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", value):
        return repr(value)
    return str(value)


def tokenize(text: str, source: str = "spec") -> list[Token]:
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        column = pos - line_start + 1
        if match is None:
            char = text[pos]
            raise SpecError(f"unexpected character {char!r}", line, column, source)
        kind = match.lastgroup or ""
        chunk = match.group()
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, chunk, line, column))
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            line_start = pos + chunk.rindex("\n") + 1
        pos = match.end()
    tokens.append(Token("end", "", line, pos - line_start + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token], source: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.source = source

    def error(self, message: str, token: Token | None = None) -> SpecError:
        token = token or self.peek()
        return SpecError(message, token.line, token.column, self.source)

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, text: str, what: str) -> Token:
        token = self.peek()
        if token.text != text or token.kind not in ("punct", "arrow"):
            found = f"'{token.text}'" if token.text else "end of spec"
            raise self.error(f"expected {what}, found {found}")
        return self.take()

    def model(self) -> list[Call]:
        if self.peek().kind == "end":
            raise self.error("empty spec: write layers such as 'Input(3) -> LSTM(5)'")
        layers = [self.call(0)]
        while self.peek().kind == "arrow":
            self.take()
            layers.append(self.call(0))
        token = self.peek()
        if token.kind != "end":
            raise self.error(f"expected '->' between layers, found '{token.text}'")
        return layers

    def call(self, depth: int) -> Call:
        token = self.peek()
        if token.kind != "name":
            found = f"'{token.text}'" if token.text else "end of spec"
            raise self.error(f"expected a layer name, found {found}")
        if depth >= MAX_NESTING:
            raise self.error("layers are nested too deeply")
        self.take()
        self.expect("(", f"'(' after '{token.text}'")
        args: list[Arg] = []
        kwargs: dict[str, Arg] = {}
        if self.peek().text != ")":
            while True:
                self.argument(depth, args, kwargs)
                if self.peek().text == ",":
                    self.take()
                    continue
                break
        self.expect(")", f"',' or ')' in '{token.text}(...)'")
        return Call(token.text, tuple(args), token.line, token.column, kwargs)

    def argument(self, depth: int, args: list[Arg], kwargs: dict[str, Arg]) -> None:
        token = self.peek()
        nxt = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else token
        if token.kind == "name" and nxt.text == "=":
            self.take()
            self.take()
            if token.text in kwargs:
                raise self.error(f"option '{token.text}' given twice", token)
            kwargs[token.text] = Arg(self.value(depth), token.line, token.column, token.text)
            return
        if kwargs:
            raise self.error("a positional argument cannot follow a named one", token)
        if token.kind == "name" and nxt.text == "(":
            args.append(Arg(self.call(depth + 1), token.line, token.column))
        elif token.kind == "number":
            args.append(Arg(self.number(self.take()), token.line, token.column))
        elif token.text in ("(", "[") or token.kind == "string":
            args.append(Arg(self.value(depth), token.line, token.column))
        elif token.kind == "name" and token.text == "None":
            self.take()
            args.append(Arg(None, token.line, token.column))
        elif token.kind == "name" and token.text.lower() in ("true", "false"):
            self.take()
            args.append(Arg(token.text.lower() == "true", token.line, token.column))
        elif token.kind == "name":
            self.take()
            args.append(Arg(token.text, token.line, token.column))
        else:
            found = f"'{token.text}'" if token.text else "end of spec"
            raise self.error(f"expected a number, a layer or name=value, found {found}", token)

    def value(self, depth: int, items_depth: int = 0) -> Value:
        token = self.peek()
        nxt = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else token
        if token.kind == "number":
            return self.number(self.take())
        if token.kind == "string":
            self.take()
            return token.text[1:-1]
        if token.kind == "name" and nxt.text == "(":
            return self.call(depth + 1)
        if token.kind == "name":
            self.take()
            lowered = token.text.lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            if token.text == "None":
                return None
            return token.text
        if token.text in ("(", "["):
            if items_depth >= MAX_NESTING:
                raise self.error("values are nested too deeply", token)
            self.take()
            close = ")" if token.text == "(" else "]"
            items: list[Value] = []
            while self.peek().text != close:
                items.append(self.value(depth, items_depth + 1))
                if self.peek().text != ",":
                    break
                self.take()
            self.expect(close, f"'{close}' closing the {'tuple' if close == ')' else 'list'}")
            return tuple(items)
        found = f"'{token.text}'" if token.text else "end of spec"
        raise self.error(f"expected a value after '=', found {found}", token)

    def number(self, token: Token) -> int | float:
        text = token.text
        if token.kind != "number":
            raise self.error(f"expected a number, found '{text}'", token)
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
            if abs(value) > MAX_INT:
                raise self.error(f"{text} is too large (at most {MAX_INT})", token)
            return value
        number = float(text)
        if number != number or abs(number) > MAX_INT:
            raise self.error(f"{text} is out of range", token)
        return number


def parse(text: str, source: str = "spec") -> list[Call]:
    """Parse a one-line model description into its layer calls (errors name line and column)."""
    return list(_parse_cached(text, source))


@bounded(2048)
def _parse_cached(text: str, source: str) -> tuple[Call, ...]:
    return tuple(_Parser(tokenize(text, source), source).model())
