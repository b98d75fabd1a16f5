"""Item analysis: difficulty, point-biserial discrimination, common wrong answers and mistakes."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

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


def point_biserial(correct: list[int], rest: list[float]) -> float | None:
    """Correlation of an item's 0/1 score with the rest of the score (the item itself left out)."""
    n = len(correct)
    if n < 2:
        return None
    p = sum(correct) / n
    if p in (0.0, 1.0):
        return None
    mean = sum(rest) / n
    sd = math.sqrt(sum((r - mean) ** 2 for r in rest) / n)
    if sd == 0:
        return None
    m1 = sum(r for c, r in zip(correct, rest, strict=True) if c) / sum(correct)
    m0 = sum(r for c, r in zip(correct, rest, strict=True) if not c) / (n - sum(correct))
    return round((m1 - m0) / sd * math.sqrt(p * (1 - p)), 4)


def analyse(labels: list[str], results: dict[str, list[ItemResult]]) -> list[ItemStats]:
    """Statistics per label over the students who submitted (one pass over the results)."""
    items = {label: ItemStats(label) for label in labels}
    wrong: dict[str, Counter[str]] = {label: Counter() for label in labels}
    behind: dict[str, dict[str, set[str]]] = {label: {} for label in labels}
    flags: dict[str, list[int]] = {label: [] for label in labels}
    rest: dict[str, list[float]] = {label: [] for label in labels}
    for student_results in results.values():
        total = sum(r.points for r in student_results)
        for result in student_results:
            label, status = result.label, result.status
            item = items.get(label)
            if item is None:
                continue
            item.submitted += 1
            flags[label].append(1 if status == "correct" else 0)
            rest[label].append(total - result.points)
            if status == "correct":
                item.answered += 1
                item.correct += 1
            elif status == "blank":
                item.blank += 1
            else:
                item.answered += 1
                if status == "unreadable":
                    item.unreadable += 1
                    continue
                shown = _shown(result.value)
                wrong[label][shown] += 1
                if result.mistakes:
                    behind[label].setdefault(shown, set()).update(result.mistakes)
                    item.mistakes.update(result.mistakes)
                else:
                    behind[label].setdefault(shown, set())
    for label, item in items.items():
        if item.submitted:
            item.difficulty = round(item.correct / item.submitted, 4)
        item.discrimination = point_biserial(flags[label], rest[label])
        ranked = sorted(wrong[label].items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        item.wrong_answers = [(v, n, tuple(sorted(behind[label][v]))) for v, n in ranked]
    return list(items.values())
