"""Item analysis: difficulty, point-biserial discrimination, common wrong answers and mistakes."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import attrgetter, mul, sub
from typing import cast

from quizgen.bulk import without_cycle_collection
from quizgen.grading.score import ItemResult


@dataclass
class ItemStats:
    label: str
    submitted: int = 0  # students whose row had this item, blank or not
    answered: int = 0  # of them, those who wrote something
    correct: int = 0
    blank: int = 0
    unreadable: int = 0
    difficulty: float | None = None
    discrimination: float | None = None
    wrong_answers: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)
    mistakes: Counter[str] = field(default_factory=Counter)


def _shown(value: float | str | None) -> str:
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:g}"
    return str(value)


def point_biserial(correct: list[int] | list[bool], rest: list[float]) -> float | None:
    """Correlation of an item's 0/1 score with the rest of the score (the item itself left out)."""
    n = len(correct)
    if n < 2:
        return None
    right = sum(correct)
    p = right / n
    if p in (0.0, 1.0):
        return None
    whole = sum(rest)
    mean = whole / n
    deviations = list(map(sub, rest, repeat(mean, n)))
    sd = math.sqrt(sum(map(mul, deviations, deviations)) / n)
    if sd == 0:
        return None
    ones = sum(compress(rest, correct))
    m1 = ones / right
    m0 = (whole - ones) / (n - right)
    return round((m1 - m0) / sd * math.sqrt(p * (1 - p)), 4)


_LABEL, _POINTS, _STATUS = attrgetter("label"), attrgetter("points"), attrgetter("status")
_VALUE, _MISTAKES = attrgetter("value"), attrgetter("mistakes")
_NOT_RIGHT = frozenset({"wrong", "partial"})
_IS_CORRECT = "correct".__eq__
TOP_WRONG = 5


@without_cycle_collection
def analyse(labels: list[str], results: dict[str, list[ItemResult]]) -> list[ItemStats]:
    """Statistics per label over the students who submitted."""
    return [_stats(label, column, rest) for label, (column, rest) in _columns(labels, results).items()]


def _columns(
    labels: list[str], results: dict[str, list[ItemResult]]
) -> dict[str, tuple[Sequence[ItemResult], list[float]]]:
    """Each label's results and, beside each, the rest of that student's score."""
    rows = list(results.values())
    totals = [sum(map(_POINTS, row)) for row in rows]
    if rows and set(map(len, rows)) == {len(labels)}:
        # Every student has as many results as labels (the usual case): transpose in C, and keep the
        # columns if each holds one label, the key's.
        columns = list(zip(*rows, strict=True))
        if all(all(map(label.__eq__, map(_LABEL, column))) for label, column in zip(labels, columns, strict=True)):
            return {
                label: (column, list(map(sub, totals, map(_POINTS, column))))
                for label, column in zip(labels, columns, strict=True)
            }
    gathered: dict[str, tuple[list[ItemResult], list[float]]] = {label: ([], []) for label in labels}
    for row, total in zip(rows, totals, strict=True):
        for result in row:
            entry = gathered.get(result.label)
            if entry is not None:
                entry[0].append(result)
                entry[1].append(total - result.points)
    return dict(gathered)


def _stats(label: str, column: Sequence[ItemResult], rest: list[float]) -> ItemStats:
    statuses = list(map(_STATUS, column))
    if "accepted" in statuses:
        statuses = [_as_scored(r) if s == "accepted" else s for r, s in zip(column, statuses, strict=True)]
    flags = list(map(_IS_CORRECT, statuses))
    submitted, correct, blank = len(statuses), sum(flags), statuses.count("blank")
    item = ItemStats(label, submitted, submitted - blank, correct, blank, statuses.count("unreadable"))
    if submitted:
        item.difficulty = round(correct / submitted, 4)
    item.discrimination = point_biserial(flags, rest)
    not_right = list(compress(column, map(_NOT_RIGHT.__contains__, statuses)))
    diagnosed = list(compress(not_right, map(_MISTAKES, not_right)))
    item.mistakes.update(chain.from_iterable(map(_MISTAKES, diagnosed)))
    item.wrong_answers = _common_wrong_answers(not_right, diagnosed)
    return item


def _as_scored(result: ItemResult) -> str:
    """An answer accepted by the instructor counts as an answer scored that way would: full credit is
    correct; less is partial (or wrong at no credit), as partial credit for a named mistake is."""
    if result.points >= result.max_points - 1e-9:
        return "correct"
    return "partial" if result.points > 0 else "wrong"


def _common_wrong_answers(
    not_right: list[ItemResult], diagnosed: list[ItemResult]
) -> list[tuple[str, int, tuple[str, ...]]]:
    """The most frequent wrong answers as shown, each with the mistakes named behind it."""
    by_value = Counter(map(_VALUE, not_right))
    if _shown_apart(by_value):
        # Distinct values are shown apart: rank the values, and show only the few ranked.
        counts = sorted(set(by_value.values()), reverse=True)[:TOP_WRONG]
        least = counts[-1] if counts else 0
        candidates = {value: n for value, n in by_value.items() if n >= least}
        wrong = {_shown(value): n for value, n in candidates.items()}
        shown = {value: _shown(value) for value in candidates}
    else:
        shown = {value: _shown(value) for value in by_value}
        wrong = {}
        for value, n in by_value.items():
            text = shown[value]
            wrong[text] = wrong.get(text, 0) + n
    ranked = heapq.nsmallest(TOP_WRONG, wrong.items(), key=lambda kv: (-kv[1], kv[0]))
    behind: dict[str, set[str]] = {text: set() for text, _ in ranked}
    ranked_values = {value for value, text in shown.items() if text in behind}
    for result in compress(diagnosed, map(ranked_values.__contains__, map(_VALUE, diagnosed))):
        behind[shown[result.value]].update(result.mistakes)
    return [(text, n, tuple(sorted(behind[text]))) for text, n in ranked]


def _shown_apart(values: Iterable[float | str | None]) -> bool:
    """Whether no two of these values are shown alike (whole numbers, or texts alone)."""
    kinds = set(map(type, values))
    if kinds == {float}:
        return all(map(float.is_integer, cast(Iterable[float], values)))
    return kinds == {str}
