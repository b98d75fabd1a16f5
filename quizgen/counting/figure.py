"""One worked figure of training or deployment arithmetic: its value, unit, how it is reached and
the convention it follows (``16·1,557,611,200 = 24,921,779,200``)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """A worked number; ``expr`` is None (its working is text, not an arithmetic tree), so it stands
    wherever a derivation of the counting core is measured."""

    name: str
    value: int | float
    unit: str
    working: str
    convention: str = ""
    expr: None = None

    @property
    def formula(self) -> str:
        return self.working

    def text(self) -> str:
        """``working = value`` (the value alone when the working is just the number)."""
        shown = number(self.value)
        return shown if self.working in ("", shown) else f"{self.working} = {shown}"

    def explained(self) -> str:
        return self.text()

    def markdown(self) -> str:
        return self.text()

    def html(self) -> str:
        from html import escape

        return escape(self.text())

    def mathml(self) -> str:
        from html import escape

        text = escape(self.text())
        return f'<math xmlns="http://www.w3.org/1998/Math/MathML"><mtext>{text}</mtext></math>'

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "unit": self.unit,
            "derivation": self.text(),
            **({"convention": self.convention} if self.convention else {}),
        }


def number(value: int | float) -> str:
    """A whole number with its digits grouped (``24,921,779,200``); a number given as a float (a
    budget, a token count) as short as it was written (``3e11``, ``5.88e23``, ``0.4``)."""
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e9:
        return f"{int(value):,}"
    return f"{value:.6g}".replace("e+", "e")


def scientific(value: int | float) -> str:
    """``8.57e22``: a large count at a glance."""
    return f"{value:.3g}".replace("e+", "e")


def whole(value: float) -> int:
    """A count of bytes or operations reached through a division, to the nearest whole one."""
    return round(value)


def quoted(text: str) -> str:
    """``'text'`` in a one-line message; text with line breaks or control characters as Python
    writes it (``'\\n'``), so that an error stays on one line."""
    return f"'{text}'" if text.isprintable() else repr(text)
