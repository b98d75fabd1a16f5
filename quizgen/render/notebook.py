"""Quizzes as Jupyter notebooks (one answer cell per item, nothing of the key inside); returned
notebooks are read by ``quizgen.grading.notebooks``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from quizgen.quiz.build import StudentQuiz

NBFORMAT = {"nbformat": 4, "nbformat_minor": 5}
INSTRUCTIONS = (
    "Answer each question in its code cell: replace `None` with a number (`1760`) or an expression "
    "(`4*20*(1+20+1)`); for a multiple-choice question, a letter in quotes (`'B'`). Keep the name on the "
    "left of `=`, leave the other cells as they are, save, and hand the notebook in."
)


def _source(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return lines or [""]


def _cell(kind: str, cell_id: str, text: str, label: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"deletable": False, "editable": label is not None}
    if label is not None:
        metadata["quizgen"] = {"label": label}
    cell: dict[str, Any] = {"cell_type": kind, "id": cell_id, "metadata": metadata, "source": _source(text)}
    if kind == "code":
        cell.update({"execution_count": None, "outputs": []})
    return cell


def cell_digest(cell: dict[str, Any]) -> str:
    """A short hash of one cell's text: quizgen's own cells are checked one by one when graded."""
    source = cell.get("source", "")
    text = "".join(map(str, source)) if isinstance(source, list) else str(source)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(cells: list[dict[str, Any]]) -> str:
    """A hash of every cell but the answer cells: it changes when anything else is edited."""
    digest = hashlib.sha256()
    for cell in cells:
        if "quizgen" not in cell.get("metadata", {}):
            digest.update(("".join(cell.get("source", [])) + "\0").encode())
    return digest.hexdigest()


def quiz_notebook(quiz: StudentQuiz, title: str, salt: str) -> str:
    """One student's quiz as an nbformat 4.5 notebook (JSON text)."""
    student = quiz.student
    who = f"{student.name} ({student.student_id})" if student.name else student.student_id
    cells = [_cell("markdown", "intro", f"# {title}\n\n{who} · {quiz.points:g} points\n\n{INSTRUCTIONS}")]
    labels = []
    for question in quiz.questions:
        variant = question.variant
        text = f"## {question.label}. {variant.title} ({variant.points:g} pt)\n\n{variant.prompt.strip()}"
        cells.append(_cell("markdown", f"q{question.number}", text))
        for label, item in question.items():
            if variant.parts:
                cells.append(
                    _cell(
                        "markdown", f"q{question.number}{item.label}-text", f"**({item.label})** {item.prompt.strip()}"
                    )
                )
            if item.options:
                options = "\n".join(f"- **{letter}.** {text}" for letter, text in item.options.items())
                cells.append(_cell("markdown", f"{label.lower()}-options", options))
            hint = "a letter in quotes, such as 'B'" if item.type == "multiple_choice" else "a number or an expression"
            cells.append(_cell("code", f"{label.lower()}-answer", f"{label} = None  # {hint}", label))
            labels.append(label)
    meta = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "quizgen": {
            "assignment": title,
            "salt": salt,
            "student_id": student.student_id,
            "labels": labels,
            "fingerprint": fingerprint(cells),
            "cells": {c["id"]: cell_digest(c) for c in cells if "quizgen" not in c["metadata"]},
        },
    }
    return json.dumps({"cells": cells, "metadata": meta, **NBFORMAT}, indent=1, ensure_ascii=False) + "\n"
