"""Quizzes as Jupyter notebooks (one answer cell per item, nothing of the key inside) and the
answers read back from returned notebooks for ``quizgen grade``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.build import StudentQuiz
from quizgen.keyfile import all_labels

NBFORMAT = {"nbformat": 4, "nbformat_minor": 5}
INSTRUCTIONS = (
    "Answer each question in its code cell: replace `None` with a number (`1760`) or an expression "
    "(`4*20*(1+20+1)`); for a multiple-choice question, a letter in quotes (`'B'`). Keep the name on the "
    "left of `=`, leave the other cells as they are, save, and hand the notebook in."
)
ANSWER = re.compile(r"^\s*(?P<label>Q\d+[a-z]?)\s*=\s*(?P<value>.*?)\s*$")


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
        },
    }
    return json.dumps({"cells": cells, "metadata": meta, **NBFORMAT}, indent=1, ensure_ascii=False) + "\n"


@dataclass
class ReturnedNotebooks:
    """Answers read from a folder of notebooks, as the CSV the grader reads, and what was refused."""

    csv: bytes
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def _without_comment(line: str) -> str:
    """The line with a trailing ``# comment`` removed, quotes respected (``'#'`` stays)."""
    quote = ""
    for k, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:k]
    return line


def _answer(cell: dict[str, Any]) -> tuple[str, str] | None:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    for line in text.splitlines():
        match = ANSWER.match(_without_comment(line))
        if match:
            value = match.group("value").strip()
            if value == "None":
                value = ""
            elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            return match.group("label"), value
    return None


def read_notebooks(folder: Path, key: dict[str, Any]) -> ReturnedNotebooks:
    """Each ``*.ipynb`` of ``folder`` as one row (student id from the notebook's metadata)."""
    labels = all_labels(key)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", *labels])
    refused: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
            meta = notebook["metadata"]["quizgen"]
            cells = notebook["cells"]
            student_id = meta["student_id"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            refused.append((path.name, "not a notebook written by quizgen generate --format ipynb"))
            continue
        if meta.get("assignment") != key["assignment"] or meta.get("salt") != key.get("salt"):
            refused.append((path.name, f"a notebook of another assignment ({meta.get('assignment')!r})"))
            continue
        if not isinstance(cells, list) or fingerprint(cells) != meta.get("fingerprint"):
            refused.append(
                (path.name, f"{student_id}: cells other than the answer cells were edited, added or removed")
            )
            continue
        answers: dict[str, str] = {}
        for cell in cells:
            found = _answer(cell) if "quizgen" in cell.get("metadata", {}) else None
            if found is not None:
                answers[found[0]] = found[1]
        writer.writerow([student_id, *(answers.get(label, "") for label in labels)])
    return ReturnedNotebooks(buffer.getvalue().encode("utf-8"), refused)
