"""Derivations as data: small arithmetic trees that evaluate and render as text, HTML, LaTeX."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Union

from quizgen.caches import registered

Expr = Union["Num", "Product", "Sum"]


# Not frozen (a frozen dataclass is slow to build, and a model's count builds thousands of these);
# never changed once built, hashed by value.
@dataclass(slots=True, unsafe_hash=True)
class Num:
    """A literal factor or term; ``label`` names what it counts (``units``, ``inputs``…)."""

    value: int
    label: str | None = None

    def evaluate(self) -> int:
        return self.value


@dataclass(slots=True, unsafe_hash=True, init=False)
class Product:
    factors: tuple[Expr, ...]
    total: int = field(compare=False, hash=False, repr=False)

    def __init__(self, factors: tuple[Expr, ...]) -> None:
        result = 1
        for factor in factors:
            result *= factor.value if factor.__class__ is Num else factor.total  # type: ignore[union-attr]
        self.factors = factors
        self.total = result

    def evaluate(self) -> int:
        return self.total


@dataclass(slots=True, unsafe_hash=True, init=False)
class Sum:
    terms: tuple[Expr, ...]
    total: int = field(compare=False, hash=False, repr=False)

    def __init__(self, terms: tuple[Expr, ...]) -> None:
        result = 0
        for term in terms:
            result += term.value if term.__class__ is Num else term.total  # type: ignore[union-attr]
        self.terms = terms
        self.total = result

    def evaluate(self) -> int:
        return self.total


num = Num
"""``num(value, label)``: a labelled number."""


def mul(*factors: Expr | int) -> Expr:
    """A product; nested products are flattened and a lone factor stands for itself."""
    flat: list[Expr] = []
    for factor in factors:
        kind = factor.__class__
        if kind is Product:
            flat.extend(factor.factors)  # type: ignore[union-attr]
        elif kind is Num or kind is Sum:
            flat.append(factor)  # type: ignore[arg-type]
        else:
            flat.append(Num(factor))  # type: ignore[arg-type]
    if not flat:
        return Num(1)
    return flat[0] if len(flat) == 1 else Product(tuple(flat))


def add(*terms: Expr | int | None) -> Expr:
    """A sum; ``None`` terms are dropped, nested sums flattened, a lone term stands for itself."""
    flat: list[Expr] = []
    for term in terms:
        kind = term.__class__
        if kind is Sum:
            flat.extend(term.terms)  # type: ignore[union-attr]
        elif kind is Num or kind is Product:
            flat.append(term)  # type: ignore[arg-type]
        elif term is not None:
            flat.append(Num(term))  # type: ignore[arg-type]
    if not flat:
        return Num(0)
    return flat[0] if len(flat) == 1 else Sum(tuple(flat))


def _render(expr: Expr, times: str, plus: str, number, open_: str = "(", close: str = ")") -> str:
    if isinstance(expr, Num):
        return number(expr)
    if isinstance(expr, Product):
        parts = []
        for factor in expr.factors:
            text = _render(factor, times, plus, number, open_, close)
            parts.append(f"{open_}{text}{close}" if isinstance(factor, Sum) else text)
        return times.join(parts)
    return plus.join(_render(term, times, plus, number, open_, close) for term in expr.terms)


def _needs_spaced_plus(expr: Expr) -> bool:
    """Top-level sums of products read better with spaces: ``4·16·8 + 4·16·16``."""
    return isinstance(expr, Sum) and any(not isinstance(t, Num) for t in expr.terms)


_TEXTS: dict[int, tuple[Expr, str]] = registered({})
_TEXTS_SIZE = 4096


def to_text(expr: Expr) -> str:
    """Plain text: ``4·5·(3+5+1)`` (remembered per expression object: a model's layers are described
    again in the explanation of every mistake about them)."""
    hit = _TEXTS.get(id(expr))
    if hit is not None and hit[0] is expr:
        return hit[1]
    if expr.__class__ is Sum:
        text = (" + " if _needs_spaced_plus(expr) else "+").join(map(_text, expr.terms))  # type: ignore[union-attr]
    else:
        text = _text(expr)
    if len(_TEXTS) >= _TEXTS_SIZE:
        _TEXTS.clear()
    _TEXTS[id(expr)] = (expr, text)
    return text


def _text(expr: Expr) -> str:
    """``_render`` for plain text (the most rendered form: every mistake's explanation), unrolled."""
    kind = expr.__class__
    if kind is Num:
        return str(expr.value)  # type: ignore[union-attr]
    if kind is Product:
        return "·".join(
            f"({_text(f)})" if f.__class__ is Sum else _text(f)
            for f in expr.factors  # type: ignore[union-attr]
        )
    return "+".join(map(_text, expr.terms))  # type: ignore[union-attr]


def to_latex(expr: Expr) -> str:
    """LaTeX math (without delimiters): ``4 \\cdot 5 \\cdot (3+5+1)``."""
    plus = " + " if _needs_spaced_plus(expr) else "+"
    if isinstance(expr, Sum):
        return plus.join(_render(t, r" \cdot ", "+", _plain) for t in expr.terms)
    return _render(expr, r" \cdot ", plus, _plain)


def to_html(expr: Expr) -> str:
    """HTML text (escaped) with a middle dot for multiplication."""
    return html.escape(to_text(expr))


def to_mathml(expr: Expr) -> str:
    """Presentation MathML content (the children of ``<math>``)."""

    def number(n: Num) -> str:
        return f"<mn>{n.value}</mn>"

    return _render(expr, "<mo>&#183;</mo>", "<mo>+</mo>", number, "<mo>(</mo>", "<mo>)</mo>")


def explain(expr: Expr) -> str:
    """Words for each labelled factor: ``4 weight sets × 5 units × (3 inputs + 5 recurrent + 1 bias)``."""

    def number(n: Num) -> str:
        return f"{n.value} {n.label}" if n.label else str(n.value)

    return _render(expr, " × ", " + ", number)


def _plain(n: Num) -> str:
    return str(n.value)


def factors(expr: Expr) -> list[int]:
    """The top-level factors' values (a sum counts as one factor), for comparing with an answer."""
    if isinstance(expr, Product):
        return [f.evaluate() for f in expr.factors]
    return [expr.evaluate()]


@dataclass(frozen=True)
class Derivation:
    """An expression with its value: renders as ``4·5·(3+5+1) = 180``."""

    expr: Expr

    @property
    def value(self) -> int:
        return self.expr.evaluate()

    def _is_bare(self) -> bool:
        return isinstance(self.expr, Num)

    @property
    def formula(self) -> str:
        return to_text(self.expr)

    def text(self) -> str:
        return self.formula if self._is_bare() else f"{self.formula} = {self.value}"

    def markdown(self) -> str:
        return self.text()

    def html(self) -> str:
        return html.escape(self.text())

    def latex(self) -> str:
        body = to_latex(self.expr)
        return body if self._is_bare() else f"{body} = {self.value}"

    def mathml(self) -> str:
        body = to_mathml(self.expr)
        if not self._is_bare():
            body += f"<mo>=</mo><mn>{self.value}</mn>"
        return f'<math xmlns="http://www.w3.org/1998/Math/MathML"><mrow>{body}</mrow></math>'

    def explained(self) -> str:
        """``4 weight sets × 5 units × (3 inputs + 5 recurrent + 1 bias) = 4·5·(3+5+1) = 180``."""
        words = explain(self.expr)
        if self._is_bare() or words == self.formula:
            return self.text()
        return f"{words} = {self.text()}"


def symbolic(expr: Expr, symbols: dict[str, str]) -> str:
    """Text with labelled numbers replaced by symbols: ``4·h·(3+h+1)`` for ``{"units": "h"}``."""

    def number(n: Num) -> str:
        return symbols.get(n.label or "", str(n.value))

    plus = " + " if _needs_spaced_plus(expr) else "+"
    if isinstance(expr, Sum):
        return plus.join(_render(t, "·", "+", number) for t in expr.terms)
    return _render(expr, "·", plus, number)
