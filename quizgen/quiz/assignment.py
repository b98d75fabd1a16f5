"""Assignment files and rosters: what to generate, for whom, with errors naming file and line."""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from quizgen.bank.yaml_source import error_locations, key_line, node_at, parse_with_nodes, yaml_error_line
from quizgen.errors import AssignmentError

FORMATS = ("md", "html", "ipynb", "moodle", "moodle-mbz", "gift", "qti12", "qti21")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionRef(Strict):
    """``{id, points?, count?}`` or ``{pick: n, from: [ids or "tag:..."]}``."""

    id: str | None = None
    points: float | None = Field(None, gt=0, allow_inf_nan=False)
    count: int = Field(1, ge=1, le=20)
    pick: int | None = Field(None, ge=1)
    from_: list[str] | None = Field(None, alias="from", min_length=1)

    @model_validator(mode="after")
    def one_form(self) -> QuestionRef:
        if (self.id is None) == (self.pick is None):
            raise ValueError("give either 'id' or 'pick' with 'from'")
        if self.pick is not None and not self.from_:
            raise ValueError("from: 'pick' needs a list of ids or 'tag:...' to pick from")
        return self


Format = Literal["md", "html", "ipynb", "moodle", "moodle-mbz", "gift", "qti12", "qti21"]


def _default_formats() -> list[Format]:
    return ["md", "html"]


class Assignment(Strict):
    title: str = Field(min_length=1)
    questions: list[QuestionRef] = Field(min_length=1)
    roster: str | None = Field(None, description="CSV path relative to the assignment file")
    variants: int | None = Field(None, ge=1, le=100000, description="anonymous variants V001, V002, ...")
    formats: list[Format] = Field(default_factory=_default_formats)
    salt: str = Field(min_length=1)
    bank: list[str] = Field(
        default_factory=list,
        description="your own template files or folders, relative to this file (added to the built-in bank)",
    )
    partial_credit: dict[str, float] = Field(default_factory=dict, description="misconception → share of points")

    @model_validator(mode="after")
    def roster_or_variants(self) -> Assignment:
        if (self.roster is None) == (self.variants is None):
            raise ValueError("roster: give either a roster CSV or 'variants: N'")
        from quizgen.counting.misconceptions import CATALOGUE

        for name, share in self.partial_credit.items():
            if name not in CATALOGUE:
                close = difflib.get_close_matches(name, list(CATALOGUE), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "see 'quizgen bank mistakes'"
                raise ValueError(f"partial_credit.{name}: no such mistake ({hint})")
            if not 0 <= share <= 1:
                raise ValueError(f"partial_credit.{name}: a share from 0 to 1")
        return self


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class LoadedAssignment:
    path: Path
    spec: Assignment
    students: tuple[Student, ...]
    question_lines: tuple[int, ...]


def _fail(path: Path, line: int, message: str) -> AssignmentError:
    return AssignmentError(f"{path}:{line}: {message}")


def read_roster(path: Path) -> tuple[Student, ...]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise AssignmentError(f"{path}: cannot read the roster: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AssignmentError(f"{path}: the roster is not UTF-8 text") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise _fail(path, 1, "the roster is empty (a header with 'student_id' and one row per student)")
    columns = [h.strip().lower() for h in header]
    if "student_id" not in columns:
        raise _fail(path, 1, f"no 'student_id' column (columns: {', '.join(header)})")
    index = {name: columns.index(name) for name in ("student_id", "name", "email") if name in columns}
    students: list[Student] = []
    seen: dict[str, tuple[int, str]] = {}  # student_id ignoring case → (line, as written)
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in index.items()}
        student_id = cells["student_id"]
        if not STUDENT_ID.match(student_id):
            raise _fail(path, line, f"student_id '{student_id}' must be letters, digits and . _ @ + - (64 at most)")
        first = seen.setdefault(student_id.casefold(), (line, student_id))
        if first[1] == student_id and first[0] != line:
            raise _fail(path, line, f"student_id '{student_id}' appears twice (first on line {first[0]})")
        if first[1] != student_id:
            raise _fail(
                path,
                line,
                f"student_id '{student_id}' and '{first[1]}' (line {first[0]}) differ only in case: "
                "their folders would be one on macOS and Windows",
            )
        students.append(Student(student_id, cells.get("name", ""), cells.get("email", "")))
    if not students:
        raise _fail(path, 2, "the roster has a header but no students")
    return tuple(students)


def anonymous_students(n: int) -> tuple[Student, ...]:
    width = max(3, len(str(n)))
    return tuple(Student(f"V{k:0{width}d}") for k in range(1, n + 1))


def load_assignment(path: Path) -> LoadedAssignment:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AssignmentError(f"{path}: cannot read the assignment: {error}") from None
    try:
        data, root = parse_with_nodes(text)
    except yaml.YAMLError as error:
        line, message = yaml_error_line(error, text)
        raise _fail(path, line, f"yaml: {message}") from None
    if not isinstance(data, dict) or root is None:
        raise _fail(path, 1, "an assignment is a mapping with title, questions, roster or variants, salt")
    try:
        spec = Assignment.model_validate(data)
    except ValidationError as error:
        line, where, message = error_locations(error, root)[0]
        raise _fail(path, line, f"{where}: {message}") from None
    questions_node = node_at(root, ["questions"])
    lines = tuple(item.start_mark.line + 1 for item in getattr(questions_node, "value", []))
    if spec.roster is not None:
        roster_path = (path.parent / spec.roster).resolve()
        if not roster_path.exists():
            raise _fail(path, key_line(root, "roster") or 1, f"roster: no such file {roster_path}")
        students = read_roster(roster_path)
    else:
        students = anonymous_students(spec.variants or 0)
    return LoadedAssignment(path, spec, students, lines)
