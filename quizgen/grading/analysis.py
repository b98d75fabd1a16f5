"""Item analysis: difficulty, point-biserial discrimination, common wrong answers and mistakes."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress

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
    sd = math.sqrt(sum((r - mean) ** 2 for r in rest) / n)
    if sd == 0:
        return None
    ones = sum(compress(rest, correct))
    m1 = ones / right
    m0 = (whole - ones) / (n - right)
    return round((m1 - m0) / sd * math.sqrt(p * (1 - p)), 4)


@dataclass
class _Tally:
    """One label's answers as they are read: 0/1 scores, rest of the score, results not right."""

    flags: list[bool] = field(default_factory=list)
    rest: list[float] = field(default_factory=list)
    blank: int = 0
    unreadable: int = 0
    wrong: list[ItemResult] = field(default_factory=list)


@without_cycle_collection
def analyse(labels: list[str], results: dict[str, list[ItemResult]]) -> list[ItemStats]:
    """Statistics per label over the students who submitted (one pass over the results)."""
    tallies = {label: _Tally() for label in labels}
    for student_results in results.values():
        total = sum(r.points for r in student_results)
        for result in student_results:
            tally = tallies.get(result.label)
            if tally is None:
                continue
            status = result.status
            tally.flags.append(status == "correct")
            tally.rest.append(total - result.points)
            if status == "correct":
                continue
            if status == "blank":
                tally.blank += 1
            elif status == "unreadable":
                tally.unreadable += 1
            else:
                tally.wrong.append(result)
    return [_stats(label, tally) for label, tally in tallies.items()]


def _stats(label: str, tally: _Tally) -> ItemStats:
    submitted = len(tally.flags)
    correct = sum(tally.flags)
    item = ItemStats(label, submitted, submitted - tally.blank, correct, tally.blank, tally.unreadable)
    if submitted:
        item.difficulty = round(correct / submitted, 4)
    item.discrimination = point_biserial(tally.flags, tally.rest)
    by_value = Counter(r.value for r in tally.wrong)
    wrong: Counter[str] = Counter()
    shown = {value: _shown(value) for value in by_value}
    for value, n in by_value.items():
        wrong[shown[value]] += n
    behind: dict[str, set[str]] = {text: set() for text in wrong}
    for result in tally.wrong:
        if result.mistakes:
            behind[shown[result.value]].update(result.mistakes)
            item.mistakes.update(result.mistakes)
    ranked = sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    item.wrong_answers = [(v, n, tuple(sorted(behind[v]))) for v, n in ranked]
    return item
