"""Reading what a student typed: numbers written many ways, expressions, option letters or text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from quizgen.grading.expression import ExpressionError, Tree, evaluate

MINUS = dict.fromkeys(map(ord, "−‒–—﹣－"), "-")
GROUP_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009'’_](?=\d{3}(?!\d))")
NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?|[+-]?\.\d+(?:[eE][+-]?\d+)?")
EXPRESSION_MARK = re.compile(r"\d\s*[*·×xX⋅∙•/+]\s*[\d(]|\(\s*\d")
LETTER = re.compile(r"^\(?\s*([A-Ha-h])\s*[).:]?$")


@dataclass(frozen=True)
class Parsed:
    """A read answer: a number (maybe from an expression) or a letter; ``None`` value if unreadable."""

    raw: str
    value: float | None = None
    letter: str | None = None
    factors: tuple[float, ...] = ()
    expression: bool = False
    tree: Tree | None = None

    @property
    def blank(self) -> bool:
        return not self.raw.strip()

    @property
    def readable(self) -> bool:
        return self.value is not None or self.letter is not None


def normalize(text: str) -> str:
    """Unicode digits to ASCII, minus signs to '-', compatibility forms folded (full-width digits)."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", text).translate(MINUS)
    out = []
    for char in folded:
        digit = unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None and not char.isascii() else char)
    return "".join(out)


MAX_ABS = 1e30  # a training run's FLOPs reach 10²⁵


PLAIN_DIGITS = 15  # the longest integer read without the general parser
PLAIN_INTEGER = re.compile(rf"[ \t\r\n]*[+-]?[0-9]{{1,{PLAIN_DIGITS}}}[ \t\r\n]*")


def parse_number(raw: str) -> Parsed:
    """Lenient numeric reading; anything it cannot read is kept raw with no value."""
    if PLAIN_INTEGER.fullmatch(raw):
        return Parsed(raw, float(int(raw)))
    parsed = _parse_number(raw)
    if parsed.value is not None and not abs(parsed.value) <= MAX_ABS:
        return Parsed(raw)
    return parsed


def _parse_number(raw: str) -> Parsed:
    text = normalize(raw).strip()
    if not text:
        return Parsed(raw)
    grouped = GROUP_SPACES.sub("", text)
    if EXPRESSION_MARK.search(grouped):
        candidate = re.sub(r"(?i)\s*(?:=.*|params?|parameters?|weights?)\s*$", "", grouped)
        try:
            result = evaluate(candidate.replace(",", ""))
            typed = result.tree if result.tree is not None and result.tree[0] != "n" else None
            return Parsed(raw, result.value, factors=result.factors, expression=len(result.factors) > 1, tree=typed)
        except ExpressionError:
            pass
    numbers = NUMBER.findall(grouped)
    if len(numbers) == 1:
        try:
            return Parsed(raw, float(numbers[0].replace(",", "")))
        except ValueError:
            return Parsed(raw)
    if len(numbers) > 1 and re.fullmatch(r"\d+,\d{1,2}", grouped):
        return Parsed(raw, float(grouped.replace(",", ".")))  # a decimal comma: "1,5"
    return Parsed(raw)


UNITS = {
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
    "bit": 1 / 8,
    "bits": 1 / 8,
}
WITH_UNIT = re.compile(r"^\s*(?P<number>[^a-zA-Z]*?)\s*(?P<unit>[a-zA-Z]+)\s*\.?\s*$")


def parse_bytes(raw: str) -> Parsed:
    """A size in bytes: a number, or a number with a unit (``2 GiB``, ``1.5 MB``, ``4096 bytes``, ``64 bits``)."""
    match = WITH_UNIT.match(normalize(raw))
    if match and match.group("unit").lower() in UNITS:
        number = parse_number(match.group("number"))
        if number.value is not None:
            value = number.value * UNITS[match.group("unit").lower()]
            return Parsed(raw, value if abs(value) <= MAX_ABS else None)
    return parse_number(raw)


def parse_choice(raw: str, options: dict[str, str]) -> Parsed:
    text = normalize(raw).strip()
    if not text:
        return Parsed(raw)
    match = LETTER.match(text)
    if match and match.group(1).upper() in options:
        return Parsed(raw, letter=match.group(1).upper())
    wanted = _plain(text)
    for letter, option in options.items():
        if _plain(option) == wanted:
            return Parsed(raw, letter=letter)
    number = parse_number(raw)
    if number.value is not None:
        for letter, option in options.items():
            option_number = parse_number(option)
            if option_number.value is not None and abs(option_number.value - number.value) < 1e-9:
                return Parsed(raw, letter=letter)
    return Parsed(raw)


def _plain(text: str) -> str:
    return re.sub(r"[\s.]+", " ", normalize(text)).strip().lower()
