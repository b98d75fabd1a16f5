"""Scoring one answer against its key entry and naming the mistake behind a wrong one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from quizgen.bank.answer_kinds import confusion_feedback, kind_of, unit_feedback
from quizgen.bank.answers import answer_for, pair_values, pair_wrong
from quizgen.caches import bounded
from quizgen.counting.expr import Expr
from quizgen.counting.misconceptions import Misconception
from quizgen.errors import GradeError, QuizgenError
from quizgen.grading.expression import ExpressionError, Tree, evaluate
from quizgen.grading.parse import PLAIN_DIGITS, Parsed, parse_choice, read_answer
from quizgen.grading.shape import agrees

Status = Literal["correct", "partial", "wrong", "blank", "unreadable", "accepted"]
MIN_PAIR_VALUE = 10
EXACT_BELOW = 10**9  # whole answers under this are matched exactly (the relative slack is < 1)
QUOTED = 80  # characters of an unreadable answer quoted back in feedback
UNKNOWN_MISTAKE = "This number does not come from a mistake we know; compare it with the worked solution."


@dataclass(slots=True)
class ItemResult:
    """One scored answer (not frozen: a million of them are made when a course grades a term)."""

    label: str
    raw: str
    status: Status
    points: float
    max_points: float
    value: float | str | None = None
    mistakes: tuple[str, ...] = ()
    feedback: str = ""
    factor_note: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"


@dataclass
class Scorer:
    """Scores answers for one key; caches what is costly to recompute (pairs of mistakes)."""

    partial_credit: dict[str, float] = field(default_factory=dict)

    def score_answers(self, questions: list[dict[str, Any]], answers: Sequence[str]) -> list[ItemResult]:
        """Each question's result for one student's answers, given in the questions' order."""
        results = []
        for q, raw in zip(questions, answers, strict=True):
            answer = q["answer"]
            # Most answers are the answer's own digits: said correct here without the general path.
            if (
                type(answer) is int
                and raw == str(answer)
                and len(raw) <= PLAIN_DIGITS
                and q["type"] == "numeric"
                and not _in_bytes(q)
            ):
                points = float(q["points"])
                results.append(ItemResult(q["label"], raw, "correct", points, points, float(answer)))
            else:
                results.append(self.score(q, raw))
        return results

    def score(self, question: dict[str, Any], raw: str) -> ItemResult:
        if (
            raw.isdigit()
            and question["type"] == "numeric"
            and raw.isascii()
            and len(raw) <= PLAIN_DIGITS
            and not _in_bytes(question)
        ):
            return self._digits(question, raw)
        points = float(question["points"])
        if not raw.strip():
            return ItemResult(question["label"], raw, "blank", 0.0, points, feedback="No answer.")
        if question["type"] == "multiple_choice":
            return self._choice(question, parse_choice(raw, question["options"]), points)
        kind, unit = kind_of(question)
        parsed = read_answer(raw, kind, unit)
        if parsed.value is None:
            return _unreadable(question, parsed, points, kind.what + (f" in {unit}" if unit else ""))
        return self._numeric(question, parsed, points)

    def _digits(self, q: dict[str, Any], raw: str) -> ItemResult:
        """The common case, digits only: read as ``parse_number`` would, no expression to compare."""
        typed, answer = int(raw), q["answer"]
        if typed == answer and type(answer) is int:
            points = float(q["points"])
            return ItemResult(q["label"], raw, "correct", points, points, float(typed))
        tolerance = q["tolerance"]
        if type(answer) is int and not tolerance and -EXACT_BELOW < answer < EXACT_BELOW:
            # The slack below is under one here: a whole number is wrong when it is not the answer.
            names = _mistakes_equal_to(q["misconceptions"], typed)
        elif abs(typed - answer) <= tolerance + 1e-9 * max(1.0, abs(answer)):
            points = float(q["points"])
            return ItemResult(q["label"], raw, "correct", points, points, float(typed))
        else:
            names = _mistakes_at(q, float(typed), float(tolerance))
        points, value = float(q["points"]), float(typed)
        if names:
            return self._wrong(q, raw, points, value, names, _mistakes_feedback(q, names))
        pair = self._pair(q, value, None)
        if pair is not None:
            return self._wrong(q, raw, points, value, (pair[0],), pair[1])
        return ItemResult(q["label"], raw, "wrong", 0.0, points, value, feedback=UNKNOWN_MISTAKE)

    def _choice(self, q: dict[str, Any], parsed: Parsed, points: float) -> ItemResult:
        if parsed.letter is None:
            return _unreadable(q, parsed, points, f"one of {', '.join(q['options'])}")
        letter = parsed.letter
        why = q.get("option_feedback", {}).get(letter, "")
        if letter == q["answer"]:
            return ItemResult(q["label"], parsed.raw, "correct", points, points, letter, feedback=why)
        names = tuple(sorted(n for n, v in q["misconceptions"].items() if v == letter))
        return self._wrong(q, parsed.raw, points, letter, names, why or UNKNOWN_MISTAKE)

    def _numeric(self, q: dict[str, Any], parsed: Parsed, points: float) -> ItemResult:
        if parsed.value is None:
            return _unreadable(q, parsed, points, "a number")
        value = parsed.value
        if parsed.mistake is not None:
            return self._wrong(q, parsed.raw, points, value, (parsed.mistake,), unit_feedback(q, parsed.mistake))
        answer, tolerance = float(q["answer"]), float(q["tolerance"])
        note = factor_note(parsed, q.get("derivation", "")) if parsed.expression else ""
        if abs(value - answer) <= tolerance + 1e-9 * max(1.0, abs(answer)):
            return ItemResult(q["label"], parsed.raw, "correct", points, points, value, factor_note="")
        if (
            parsed.confused is not None
            and parsed.relabelled is not None
            and abs(parsed.relabelled - answer) <= tolerance + 1e-9 * max(1.0, abs(answer))
        ):
            # the right digits under a confused unit (GiB typed for GB): that mistake, not a conversion
            feedback = confusion_feedback(q, parsed.confused)
            return self._wrong(q, parsed.raw, points, value, (parsed.confused,), feedback)
        names = _mistakes_at(q, value, tolerance)
        if names and parsed.tree is not None:
            names = _typed_like(q, parsed.tree, names)
        if names:
            return self._wrong(q, parsed.raw, points, value, names, _mistakes_feedback(q, names), note)
        pair = self._pair(q, value, parsed.tree)
        if pair is not None:
            return self._wrong(q, parsed.raw, points, value, (pair[0],), pair[1], note)
        return ItemResult(
            q["label"], parsed.raw, "wrong", 0.0, points, value, feedback=UNKNOWN_MISTAKE, factor_note=note
        )

    def _wrong(
        self,
        q: dict[str, Any],
        raw: str,
        points: float,
        value: float | str,
        names: tuple[str, ...],
        feedback: str,
        note: str = "",
    ) -> ItemResult:
        credit = self.partial_credit
        share = credit.get(names[0], 0.0) if len(names) == 1 else max((credit.get(n, 0.0) for n in names), default=0.0)
        if share > 0:
            earned = round(points * share, 4)
            return ItemResult(q["label"], raw, "partial", earned, points, value, names, feedback, note)
        return ItemResult(q["label"], raw, "wrong", 0.0, points, value, names, feedback, note)

    def _pair(self, q: dict[str, Any], value: float, tree: Tree | None) -> tuple[str, str] | None:
        spec, quantity = q.get("spec"), q.get("quantity") or ""
        # Two mistakes together reach many small numbers by chance; below this a match explains nothing.
        if not spec or not quantity.startswith(("total", "trainable", "layer")) or abs(value) < MIN_PAIR_VALUE:
            return None
        framework, slack = q.get("framework") or "keras", float(q["tolerance"]) + 1e-9
        for both, number in _pair_values(spec, framework, quantity):
            if not isinstance(number, int | float) or abs(number - value) > slack:
                continue
            wrong = pair_wrong(spec, framework, quantity, both)  # worded only once its number fits
            if wrong is None or (tree is not None and wrong.expr is not None and agrees(tree, wrong.expr) is False):
                continue
            return wrong.name, wrong.explanation
        return None


def _in_bytes(q: dict[str, Any]) -> bool:
    """A quantity with units (``2 GiB``, ``36 hours``): its answers are read with them, not as bare digits."""
    quantity, unit = q.get("quantity"), q.get("unit")
    if (quantity is None or type(quantity) is str) and (unit is None or type(unit) is str):
        try:
            return _takes_units(quantity, unit)
        except GradeError:
            pass  # said again below, naming the question
    return kind_of(q)[0].base is not None or bool(unit)


@bounded(1024)
def _takes_units(quantity: str | None, unit: str | None) -> bool:
    return kind_of({"quantity": quantity, "unit": unit})[0].base is not None or bool(unit)


def _mistakes_at(q: dict[str, Any], value: float, tolerance: float) -> tuple[str, ...]:
    """The mistakes whose number is ``value`` (within the tolerance), by name."""
    limit = tolerance + 1e-9
    names = [n for n, v in q["misconceptions"].items() if type(v) in (int, float) and -limit <= v - value <= limit]
    if len(names) > 1:
        names.sort()
    return tuple(names)


def _mistakes_equal_to(misconceptions: dict[str, Any], typed: int) -> tuple[str, ...]:
    """``_mistakes_at`` for a whole number and no tolerance: equal, or a float within 1e-9 of it."""
    values = misconceptions.values()
    # Most numbers typed are no mistake's: two scans in C say so before any is made in Python.
    if typed not in values and float not in map(type, values):
        return ()
    names = [
        n
        for n, v in misconceptions.items()
        if (v == typed and type(v) is not bool) or (type(v) is float and -1e-9 <= v - typed <= 1e-9)
    ]
    if len(names) > 1:
        names.sort()
    return tuple(names)


def _mistakes_feedback(q: dict[str, Any], names: tuple[str, ...]) -> str:
    feedback = q["misconception_feedback"]
    if len(names) == 1:
        return str(feedback.get(names[0], names[0]))
    texts = list(dict.fromkeys(feedback.get(n, n) for n in names))
    if len(texts) == 1:
        return texts[0]
    return f"This number fits {len(texts)} known mistakes. " + " ".join(texts)


def _typed_like(q: dict[str, Any], tree: Tree, names: tuple[str, ...]) -> tuple[str, ...]:
    """The mistakes whose derivation the typed expression does not contradict."""
    spec, quantity = q.get("spec"), q.get("quantity")
    if not spec or not quantity:
        return names
    shapes = _mistake_shapes(spec, q.get("spec_b"), q.get("framework") or "keras", quantity)
    return tuple(n for n in names if n not in shapes or agrees(tree, shapes[n]) is not False)


@bounded(4096)
def _mistake_shapes(spec: str, spec_b: str | None, framework: str, quantity: str) -> dict[str, Expr]:
    try:
        wrongs = answer_for(spec, spec_b, framework, quantity).wrongs
    except QuizgenError:
        return {}
    return {w.name: w.expr for w in wrongs if w.expr is not None}


def _unreadable(q: dict[str, Any], parsed: Parsed, points: float, expected: str) -> ItemResult:
    typed = parsed.raw.strip()
    shown = typed if len(typed) <= QUOTED else typed[: QUOTED - 1] + "…"
    because = f" ({parsed.why})" if parsed.why else ""
    message = f"Could not read '{shown}' as {expected}{because}. No points; your instructor sees it as typed."
    return ItemResult(q["label"], parsed.raw, "unreadable", 0.0, points, feedback=message)


def _pair_values(spec: str, framework: str, quantity: str) -> tuple[tuple[Misconception, int | float | str], ...]:
    try:
        return pair_values(spec, framework, quantity)
    except QuizgenError:
        return ()


def split_factors(text: str) -> list[str]:
    """Top-level factors of a derivation's left side: ``4·5·(3+5+1)`` → ``['4', '5', '(3+5+1)']``."""
    factors, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "·" and depth == 0:
            factors.append(current.strip())
            current = ""
        else:
            current += char
    factors.append(current.strip())
    return factors


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _expected(text: str, value: float) -> str:
    """``(3+5+1) = 9`` for a worked sub-expression, just ``6`` for a plain number."""
    return _fmt(value) if text.strip() == _fmt(value) else f"{text} = {_fmt(value)}"


def factor_note(parsed: Parsed, derivation: str) -> str:
    """Which factor of a typed product differs from the worked solution's, when both are products."""
    if not parsed.expression or " = " not in derivation:
        return ""
    left = derivation.split(" = ")[0]
    if re.search(r"[+]\s*\d+·", left) or "⇒" in derivation:
        return ""
    texts = split_factors(left)
    try:
        expected = [evaluate(t).value for t in texts]
    except ExpressionError:
        return ""
    got = list(parsed.factors)
    if len(got) != len(expected):
        return f"Your product has {len(got)} factors; the worked solution {left} has {len(expected)}."
    off = [(k, g, e) for k, (g, e) in enumerate(zip(got, expected, strict=True)) if abs(g - e) > 1e-9]
    if not off:
        return ""
    parts = [f"factor {k + 1} is {_fmt(g)} where {_expected(texts[k], e)} belongs" for k, g, e in off]
    return "In your product, " + "; ".join(parts) + "."
