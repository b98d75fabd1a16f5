"""Regrades: an instructor's list of answers to accept (``quizgen grade … --accept FILE``).

Each row names a student (or ``*`` for every student), a label, the answer as typed (``answer``)
or the value it reads as (``value``), the credit to give (``points``, or ``share`` of the item's
points) and a ``reason`` the student reads. A YAML list of mappings or a CSV with those columns.
A row that matches no graded answer is an error naming its file and line, so a typo never goes
unnoticed; when two rows match one answer the later row counts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from quizgen.errors import GradeError
from quizgen.grading.score import ItemResult

FIELDS = ("student", "label", "answer", "value", "points", "share", "reason")
ALIASES = {"student_id": "student", "id": "student", "question": "label", "typed": "answer"}


@dataclass
class Acceptance:
    where: str  # file:line
    student: str  # a student id, or "*" for every student
    label: str
    answer: str | None
    value: str | None
    points: float | None
    share: float | None
    reason: str
    matched: int = field(default=0, compare=False)
    typed: str | None = field(default=None, compare=False)  # what the student typed, when not this

    def matches(self, result: ItemResult) -> bool:
        if result.label.casefold() != self.label.casefold():
            return False
        if self.answer is not None:
            return _spaced(result.raw) == _spaced(self.answer)
        assert self.value is not None
        if isinstance(result.value, str):
            return result.value.upper() == self.value.strip().upper()
        if result.value is None:
            return False
        number = _number(self.value)
        return number is not None and abs(result.value - number) <= 1e-9 * max(1.0, abs(number))

    def described(self) -> str:
        what = f"answer '{self.answer}'" if self.answer is not None else f"value {self.value}"
        who = "any student" if self.student == "*" else f"student '{self.student}'"
        return f"{self.label} {what} of {who}"


def _spaced(text: str) -> str:
    return " ".join(text.split())


def _number(text: str) -> float | None:
    try:
        number = float(text.replace(",", "").strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def read_acceptances(path: Path) -> list[Acceptance]:
    """The rows of an accept file; GradeError naming file, line and field for anything unusable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise GradeError(f"{path}: cannot read the accept file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise GradeError(f"{path}: the accept file is not UTF-8 text") from None
    rows = _csv_rows(path, text) if path.suffix.lower() == ".csv" else _yaml_rows(path, text)
    return [_acceptance(f"{path}:{line}", row) for line, row in rows]


def _yaml_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise GradeError(f"{where}: not valid YAML: {problem}") from None
    if data is None:
        return []
    if isinstance(data, dict) and set(data) == {"accept"}:
        data = data["accept"]
        assert isinstance(node, yaml.MappingNode)
        node = node.value[0][1]
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise GradeError(f"{path}: an accept file is a list of answers to accept (or 'accept:' and that list)")
    rows = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            raise GradeError(f"{path}:{line}: each entry is a mapping of {', '.join(FIELDS)}")
        rows.append((line, {str(k): v for k, v in item.items()}))
    return rows


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows = []
    for cells in reader:
        if not "".join(cells).strip():
            continue
        if header is None:
            header = [ALIASES.get(c.strip().casefold(), c.strip().casefold()) for c in cells]
            unknown = [c for c in header if c not in FIELDS]
            if unknown:
                raise GradeError(
                    f"{path}:{reader.line_num}: unknown column '{unknown[0]}' (columns: {', '.join(FIELDS)})"
                )
            continue
        rows.append((reader.line_num, {k: v for k, v in zip(header, cells, strict=False) if v.strip()}))
    return rows


def _acceptance(where: str, row: dict[str, Any]) -> Acceptance:
    row = {ALIASES.get(k.casefold(), k.casefold()): v for k, v in row.items() if v is not None and str(v).strip()}
    unknown = [k for k in row if k not in FIELDS]
    if unknown:
        raise GradeError(f"{where}: unknown field '{unknown[0]}' (fields: {', '.join(FIELDS)})")
    for name in ("student", "label", "reason"):
        if name not in row:
            raise GradeError(f"{where}: field '{name}' is missing")
    if ("answer" in row) == ("value" in row):
        raise GradeError(
            f"{where}: give either 'answer' (as typed) or 'value', not {'both' if row.get('answer') else 'neither'}"
        )
    if ("points" in row) == ("share" in row):
        raise GradeError(f"{where}: give either 'points' or 'share', not {'both' if 'points' in row else 'neither'}")
    credit = "points" if "points" in row else "share"
    amount = _number(str(row[credit]))
    if amount is None or amount < 0 or (credit == "share" and amount > 1):
        limits = "a number from 0 to 1" if credit == "share" else "a number of points, 0 or more"
        raise GradeError(f"{where}: field '{credit}' is '{row[credit]}', not {limits}")
    return Acceptance(
        where,
        str(row["student"]).strip(),
        str(row["label"]).strip(),
        str(row["answer"]) if "answer" in row else None,
        str(row["value"]).strip() if "value" in row else None,
        amount if credit == "points" else None,
        amount if credit == "share" else None,
        " ".join(str(row["reason"]).split()),
    )


class Acceptor:
    """Applies the rows to each student's results as they are graded, and says which matched nothing."""

    def __init__(self, rows: list[Acceptance]) -> None:
        self.rows = rows
        self.by_student: dict[str, list[Acceptance]] = {}
        for row in rows:
            self.by_student.setdefault(row.student, []).append(row)
        self.anyone = self.by_student.pop("*", [])
        self.accepted: list[dict[str, Any]] = []

    def apply(self, student_id: str, results: list[ItemResult]) -> list[ItemResult]:
        rows = self.by_student.get(student_id, []) + self.anyone
        if not rows:
            return results
        out = []
        for result in results:
            match = None
            for row in rows:
                if row.matches(result):
                    row.matched += 1
                    match = row if match is None or _line(row) > _line(match) else match
                elif row.student != "*" and row.label.casefold() == result.label.casefold():
                    row.typed = result.raw
            out.append(result if match is None else self._accepted(student_id, result, match))
        return out

    def _accepted(self, student_id: str, result: ItemResult, row: Acceptance) -> ItemResult:
        points = row.points if row.points is not None else round(result.max_points * (row.share or 0.0), 4)
        if points > result.max_points + 1e-9:
            raise GradeError(f"{row.where}: {points:g} points is more than {result.label}'s {result.max_points:g}")
        self.accepted.append(
            {
                "student_id": student_id,
                "label": result.label,
                "answer": result.raw,
                "points": points,
                "reason": row.reason,
            }
        )
        feedback = f"Accepted by your instructor: {row.reason} ({points:g} of {result.max_points:g} points)."
        return ItemResult(
            result.label,
            result.raw,
            "accepted",
            points,
            result.max_points,
            result.value,
            result.mistakes,
            feedback,
            result.factor_note,
        )

    def check(self, known: set[str], graded: set[str]) -> None:
        """GradeError for the first row that matched no answer, saying why where it can."""
        unmatched = [row for row in self.rows if not row.matched]
        if not unmatched:
            return
        row = unmatched[0]
        if row.student != "*" and row.student not in known:
            why = f"student '{row.student}' is not in the key"
        elif row.typed is not None:
            why = f"they typed '{' '.join(row.typed.split())}'"
        elif row.student != "*" and row.student not in graded:
            why = f"student '{row.student}' has no graded submission"
        elif row.student != "*":
            why = f"student '{row.student}' was not asked {row.label}"
        else:
            why = "no student typed that"
        more = f" ({len(unmatched) - 1} more rows match nothing)" if len(unmatched) > 1 else ""
        raise GradeError(f"{row.where}: accepts {row.described()}, but {why}{more}")


def _line(row: Acceptance) -> int:
    return int(row.where.rsplit(":", 1)[1])
