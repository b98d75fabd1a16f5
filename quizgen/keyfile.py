"""Reading a key.json written by ``quizgen generate`` (for trace, grade and export)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from quizgen.bulk import without_cycle_collection
from quizgen.errors import GradeError


@without_cycle_collection
def read_key(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GradeError(f"{path}: cannot read the key: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GradeError(f"{path}: not a key.json file: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("students"), list):
        raise GradeError(f"{path}: not a key.json file (no 'students' list)")
    problem = _first_problem(data)
    if problem:
        raise GradeError(f"{path}: not a usable key.json: {problem}")
    return data


QUESTION_FIELDS: dict[str, type | tuple[type, ...]] = {
    "label": str,
    "type": str,
    "points": (int, float),
    "tolerance": (int, float),
    "misconceptions": dict,
}


def _first_problem(data: dict[str, Any]) -> str:
    if not isinstance(data.get("assignment"), str):
        return "'assignment' must be the assignment's title"
    for n, student in enumerate(data["students"]):
        if not isinstance(student, dict) or not isinstance(student.get("student_id"), str):
            return f"students[{n}].student_id is missing"
        if not isinstance(student.get("questions"), list):
            return f"students[{n}].questions is missing"
        for k, question in enumerate(student["questions"]):
            where = f"students[{n}].questions[{k}]"
            if not isinstance(question, dict):
                return f"{where} is not an object"
            for name, kind in QUESTION_FIELDS.items():
                if not isinstance(question.get(name), kind):
                    return f"{where}.{name} is missing or of the wrong type"
            if question["type"] not in ("numeric", "multiple_choice"):
                return f"{where}.type must be numeric or multiple_choice"
            if question["type"] == "numeric" and not isinstance(question.get("answer"), (int, float)):
                return f"{where}.answer must be a number"
            if question["type"] == "multiple_choice" and not isinstance(question.get("options"), dict):
                return f"{where}.options is missing"
    return ""
