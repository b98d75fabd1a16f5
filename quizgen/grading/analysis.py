"""Item analysis: difficulty, point-biserial discrimination, common wrong answers and mistakes."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import attrgetter, mul, sub

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
    deviations = [r - mean for r in rest]
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
    if rows and all(list(map(_LABEL, row)) == labels for row in rows):
        # Every student has every label in the same order (the usual case): transpose in C.
        return {
            label: (column, list(map(sub, totals, map(_POINTS, column))))
            for label, column in zip(labels, zip(*rows, strict=True), strict=True)
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
    flags = [status == "correct" for status in statuses]
    submitted, correct, blank = len(statuses), sum(flags), statuses.count("blank")
    item = ItemStats(label, submitted, submitted - blank, correct, blank, statuses.count("unreadable"))
    if submitted:
        item.difficulty = round(correct / submitted, 4)
    item.discrimination = point_biserial(flags, rest)
    not_right = [result for result, status in zip(column, statuses, strict=True) if status in _NOT_RIGHT]
    by_value = Counter(map(_VALUE, not_right))
    shown = {value: _shown(value) for value in by_value}
    wrong: dict[str, int] = {}
    for value, n in by_value.items():
        text = shown[value]
        wrong[text] = wrong.get(text, 0) + n
    ranked = heapq.nsmallest(5, wrong.items(), key=lambda kv: (-kv[1], kv[0]))
    diagnosed = [result for result in not_right if result.mistakes]
    item.mistakes.update(chain.from_iterable(map(_MISTAKES, diagnosed)))
    behind: dict[str, set[str]] = {text: set() for text, _ in ranked}
    for result in diagnosed:
        names = behind.get(shown[result.value])
        if names is not None:
            names.update(result.mistakes)
    item.wrong_answers = [(v, n, tuple(sorted(behind[v]))) for v, n in ranked]
    return item
