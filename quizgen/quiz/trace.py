"""``quizgen trace``: which students' variants match numbers or an architecture seen elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\w])|(?<![\w.])\d+(?:\.\d+)?(?![\w])")


def numbers_in(text: str) -> set[str]:
    """Numbers as written, normalised: ``1,760`` and ``1760`` are the same; ``3.0`` is ``3``."""
    found = set()
    for match in _NUMBER.findall(text):
        value = float(match.replace(",", ""))
        found.add(str(int(value)) if value.is_integer() else f"{value:g}")
    return found


@dataclass(frozen=True)
class Match:
    student_id: str
    label: str
    template_id: str
    matched: tuple[str, ...]
    score: float
    spec_match: bool


def _public_numbers(question: dict[str, Any]) -> set[str]:
    parts = [
        question.get("stem", ""),
        question.get("prompt", ""),
        question.get("spec", ""),
        question.get("spec_b", ""),
        " ".join(str(v) for v in question.get("params", {}).values()),
    ]
    parts.append(" ".join(str(v) for v in question.get("options", {}).values()))
    if question.get("type") == "numeric":
        parts.append(str(question.get("answer", "")))
    return numbers_in(" ".join(parts))


def _questions(student: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Key items grouped by question: the parts ``Q3a``, ``Q3b`` of a question are traced together."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in student.get("questions", []):
        number = re.match(r"Q\d+", item["label"])
        grouped.setdefault(number.group() if number else item["label"], []).append(item)
    return grouped


def trace(students: Iterable[dict[str, Any]], text: str, limit: int = 10) -> list[Match]:
    """Students whose variant shares the most of the numbers (or the architecture) in ``text``."""
    wanted = numbers_in(text)
    compact = re.sub(r"\s+", "", text)
    matches: list[Match] = []
    for student in students:
        for label, items in _questions(student).items():
            public = set().union(*(_public_numbers(item) for item in items))
            shared = tuple(sorted(wanted & public, key=lambda n: (float(n), n)))
            spec = re.sub(r"\s+", "", items[0].get("spec", "") or "")
            spec_match = bool(spec) and spec in compact
            if not shared and not spec_match:
                continue
            # Share of the quoted numbers explained, and of the variant's numbers quoted; a spec match counts most.
            score = (len(shared) / max(len(wanted), 1)) + 0.5 * (len(shared) / max(len(public), 1))
            score += 2.0 if spec_match else 0.0
            matches.append(
                Match(student["student_id"], label, items[0]["template_id"], shared, round(score, 4), spec_match)
            )
    matches.sort(key=lambda m: (-m.score, m.student_id, m.label))
    return matches[:limit]
