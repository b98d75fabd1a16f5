"""The one answer grammar: what a student typed (CSV, notebook, practice page) read as a value of
the quantity asked, or as an option letter; anything else unreadable, with the reason."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from quizgen.bank.answer_kinds import KINDS, Kind
from quizgen.grading.expression import NUMBER_TEXT, SPACE, SPACES, Evaluated, ExpressionError, Tree, evaluate

MINUS = dict.fromkeys(map(ord, "−‒–—﹣－"), "-")
GROUPED = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:[ \u00a0\u202f\u2009'’_]\d{3})+(?!\d)")
"""A whole number grouped by spaces, apostrophes or underscores (``1 760``, ``1_760``); its first
group has no leading zero, so ``0 123`` is two numbers."""
NUMBER = re.compile(rf"[+-]?(?:{NUMBER_TEXT})")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
TAIL_WORD = re.compile(rf"(?P<body>.*?){SPACE}*(?P<word>[A-Za-z]+|%)", re.DOTALL)
LETTER = re.compile(r"^\(?\s*([A-Ha-h])\s*[).:]?$")
MAX_LENGTH = 200


@dataclass(frozen=True)
class Parsed:
    """A read answer: a number (maybe from an expression) or a letter; ``None`` value if unreadable
    (``why`` says what could not be read). ``mistake``: the catalogued mistake its unit shows
    (FLOPs typed where MACs were asked). ``relabelled``: where the unit typed is one a catalogued
    mistake types for the unit asked (GiB for GB), the number as typed, read in the unit asked, and
    ``confused`` that mistake: the right digits under the wrong unit earn it."""

    raw: str
    value: float | None = None
    letter: str | None = None
    factors: tuple[float, ...] = ()
    expression: bool = False
    tree: Tree | None = None
    why: str = ""
    mistake: str | None = None
    relabelled: float | None = None
    confused: str | None = None

    @property
    def blank(self) -> bool:
        return not self.raw.strip()

    @property
    def readable(self) -> bool:
        return self.value is not None or self.letter is not None


SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _power(match: re.Match[str]) -> str:
    return "^" + match.group().translate(SUPERSCRIPT_DIGITS)


def normalize(text: str) -> str:
    """Unicode digits to ASCII, minus signs to '-', compatibility forms folded (full-width digits),
    superscripts to powers (``10²³`` is ``10^23``, not 1023)."""
    if text.isascii():
        return text
    folded = unicodedata.normalize("NFKC", SUPERSCRIPTS.sub(_power, text)).translate(MINUS)
    out = []
    for char in folded:
        digit = unicodedata.decimal(char, None)
        out.append(str(digit) if digit is not None and not char.isascii() else char)
    return "".join(out)


PLAIN_DIGITS = 15  # the longest integer read without the general parser
PLAIN_INTEGER = re.compile(rf"[ \t\r\n]*[+-]?[0-9]{{1,{PLAIN_DIGITS}}}[ \t\r\n]*")


def read_answer(raw: str, kind: Kind, unit: str | None = None) -> Parsed:
    """What a student typed, read by the one answer grammar, as a value in ``unit`` of ``kind``.

    ``NUMBER [suffix] [unit]`` or ``EXPRESSION [= NUMBER [suffix]] [unit]``: grouping ``1,760``
    ``1 760`` ``1_760``, decimals, exponents; a k/M/B suffix where the kind has them (counts), on
    the final number only; an expression of + - · × * / ^ ( ); a ``= value`` tail that agrees with
    the expression (to the digits it shows); one unit word of the kind at the end. Anything else
    is unreadable, ``why`` saying what.
    """
    if PLAIN_INTEGER.fullmatch(raw):
        return Parsed(raw, float(int(raw)))
    text = normalize(raw).strip(SPACES)
    if not text:
        return Parsed(raw)
    if len(text) > MAX_LENGTH:
        return Parsed(raw, why="it is too long")
    if text.endswith("."):
        text = text[:-1].rstrip(SPACES)
    text = GROUPED.sub(_ungrouped, text)
    expected, wanted = kind.unit(unit)
    factor, dimension, suffix = expected, None, 1.0  # a bare number is in the unit asked
    confused = None
    tail = TAIL_WORD.fullmatch(text)
    if tail is not None:
        word = tail.group("word")
        text = tail.group("body")
        if word.lower() in kind.words:
            confused = kind.confused(unit, word)
            factor, dimension = kind.words[word.lower()]
            before = TAIL_WORD.fullmatch(text)
            if before is not None and before.group("word") in kind.suffixes:
                text, suffix = before.group("body"), kind.suffixes[before.group("word")]
        elif word in kind.suffixes:
            suffix = kind.suffixes[word]
        elif not re.search(r"[0-9]", text):
            return Parsed(raw, why="it is not a number or an expression of numbers")
        else:
            return Parsed(raw, why=f"'{word}' is not a unit of {kind.what}")
    if not text:
        return Parsed(raw, why="there is no number")
    if text.count("=") > 1:
        return Parsed(raw, why="it has more than one '='")
    left, _, right = text.partition("=")
    if right and not NUMBER.fullmatch(right.strip(SPACES)):
        return Parsed(raw, why="after '=' there must be one number")
    final = right.strip(SPACES) if right else left.strip(SPACES)
    if suffix != 1.0 and not NUMBER.fullmatch(final):
        return Parsed(raw, why="a k, M or B suffix follows a number, not an expression")
    limit = kind.limit
    if DECIMAL_COMMA.fullmatch(left.strip(SPACES)) and not right:
        number = float(left.strip(SPACES).replace(",", "."))
        evaluated = Evaluated(number, (number,))
    else:
        try:
            evaluated = evaluate(left, limit)
        except ExpressionError:
            return Parsed(raw, why="it is not a number or an expression of numbers")
    value = evaluated.value
    if right:
        stated = float(final.replace(",", "")) * suffix
        if not _agrees(value, stated, final, suffix):
            return Parsed(raw, why=f"the expression gives {_fmt(value)}, not {final}")
    else:
        value *= suffix
    as_typed = value
    value = value * factor / expected
    if not abs(value) <= limit:
        return Parsed(raw, why="the number is out of range")
    mistake = kind.dimension_mistake if dimension is not None and wanted is not None and dimension != wanted else None
    typed = evaluated.tree if evaluated.tree is not None and evaluated.tree[0] != "n" else None
    factors = evaluated.factors
    relabelled = as_typed if confused is not None else None
    return Parsed(
        raw,
        value,
        factors=factors,
        expression=len(factors) > 1,
        tree=typed,
        mistake=mistake,
        relabelled=relabelled,
        confused=confused,
    )


def _ungrouped(match: re.Match[str]) -> str:
    return re.sub(r"\D", "", match.group())


def _agrees(value: float, stated: float, text: str, suffix: float) -> bool:
    """Whether the number after '=' is the expression's value to the digits it shows."""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    step = 10.0 ** (int(exponent or 0) - decimals) * suffix
    return abs(value - stated) <= max(step / 2, 1e-9 * max(1.0, abs(stated)))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def parse_number(raw: str) -> Parsed:
    """A count of parameters, or any plain number: ``read_answer`` for the count kind."""
    return read_answer(raw, KINDS["count"])


def parse_bytes(raw: str) -> Parsed:
    """A size in bytes: a number, or a number with a unit (``2 GiB``, ``1.5 MB``, ``4096 bytes``, ``64 bits``)."""
    return read_answer(raw, KINDS["bytes"])


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
