"""Reading a key.json written by ``quizgen generate`` (for trace, grade and export)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quizgen.bank.answer_kinds import kind_of
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


class LabelOrder:
    """A key's question labels in the order first met, gathered student by student."""

    def __init__(self) -> None:
        self._seen: dict[str, None] = {}
        self._previous: tuple[str, ...] = ()

    def add(self, labels: tuple[str, ...]) -> None:
        if labels != self._previous:  # students mostly share one list of labels
            self._seen.update(dict.fromkeys(labels))
            self._previous = labels

    @property
    def labels(self) -> list[str]:
        return list(self._seen)


def labels_of(student: dict[str, Any]) -> tuple[str, ...]:
    return tuple(q["label"] for q in student["questions"])


def all_labels(key: dict[str, Any]) -> list[str]:
    """Every question label of the key, in the order first met."""
    order = LabelOrder()
    for student in key["students"]:
        order.add(labels_of(student))
    return order.labels


def _first_problem(data: dict[str, Any]) -> str:
    if not isinstance(data.get("assignment"), str):
        return "'assignment' must be the assignment's title"
    seen: set[str] = set()
    for n, student in enumerate(data["students"]):
        problem = _student_problem(n, student) or _again(n, student, seen)
        if problem:
            return problem
    return ""


def _again(n: int, student: dict[str, Any], seen: set[str]) -> str:
    """A student id met before (grades and feedback files are per student id)."""
    student_id = student["student_id"]
    if student_id in seen:
        return f"students[{n}].student_id '{student_id}' is given twice"
    seen.add(student_id)
    return ""


def _student_problem(n: int, student: Any) -> str:
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
        if question["type"] == "numeric" and "unit" in question:
            try:
                kind_of(question)
            except GradeError as error:
                return f"{where}.unit: {error}"
    return ""


class KeyFile:
    """A key.json read student by student: a large course's key is never in memory whole.

    ``head`` holds the fields before the students' list (quizgen writes its keys with sorted fields,
    so the title and partial credit come first); a key that gives ``partial_credit`` after the
    students, or not at all, is read whole instead. Problems are a ``GradeError`` naming the file,
    raised when the reading reaches them.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._whole: dict[str, Any] | None = None
        try:
            self._reader: _JsonReader | None = _JsonReader(path)
        except _Problem as problem:
            raise self._error(str(problem)) from None
        try:
            self.head = self._reader.head_before("students")
        except _Problem as problem:
            self.close()
            raise self._error(str(problem)) from None
        if "partial_credit" not in self.head or self._reader.at_end:
            self.close()
            self._whole = read_key(path)
            self.head = {k: v for k, v in self._whole.items() if k != "students"}
        elif not isinstance(self.head.get("assignment"), str):
            self.close()
            raise self._error("not a usable key.json: 'assignment' must be the assignment's title")

    def __enter__(self) -> KeyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _error(self, message: str) -> GradeError:
        return GradeError(f"{self.path}: {message}")

    def whole(self) -> dict[str, Any]:
        """The key with every student at once (for what needs them all, as notebooks' labels do)."""
        if self._whole is None:
            self._whole = {"students": list(self.students())}
            self._whole.update(self.head)
        return self._whole

    def students(self) -> Iterator[dict[str, Any]]:
        """Every student's entry in order, each checked as ``read_key`` checks them (read once)."""
        if self._whole is not None:
            yield from self._whole["students"]
            return
        if self._reader is None:
            raise ValueError("the students of a key file are read once")
        seen: set[str] = set()
        try:
            for n, student in enumerate(self._reader.array_items()):
                problem = _student_problem(n, student) or _again(n, student, seen)
                if problem:
                    raise self._error(f"not a usable key.json: {problem}")
                yield student
            tail = self._reader.rest_of_object()
        except _Problem as problem:
            raise self._error(str(problem)) from None
        finally:
            self.close()
        twice = sorted(set(tail) & {*self.head, "students"})
        if twice:
            raise self._error(f"not a key.json file: '{twice[0]}' is given twice")
        self.head.update(tail)


class _Problem(Exception):
    pass


_BLANK = re.compile(r"[ \t\n\r]*")
_NUMBER_STARTS = frozenset("-0123456789")
_AFTER_NUMBER = re.compile(r"[^-+.0-9eE]")
_CHUNK = 1 << 20


class _JsonReader:
    """The one JSON object of a file, its fields read one by one and one array field item by item."""

    def __init__(self, path: Path) -> None:
        try:
            self._handle = path.open(encoding="utf-8")
        except OSError as error:
            raise _Problem(f"cannot read the key: {error.strerror}") from None
        self._text, self._at, self._eof = "", 0, False
        self._lines_before, self._column_before = 0, 0  # where the text kept begins in the file
        self._decoder = json.JSONDecoder()
        self.at_end = False  # the object ended before the field asked for

    def close(self) -> None:
        self._handle.close()

    def _more(self) -> bool:
        try:
            chunk = self._handle.read(_CHUNK)
        except UnicodeDecodeError as error:
            raise _Problem(f"not a key.json file: {error}") from None
        except OSError as error:
            raise _Problem(f"cannot read the key: {error.strerror}") from None
        if not chunk:
            self._eof = True
            return False
        done = self._text[: self._at]
        newlines = done.count("\n")
        self._lines_before += newlines
        self._column_before = len(done) - done.rfind("\n") - 1 if newlines else self._column_before + len(done)
        self._text = self._text[self._at :] + chunk
        self._at = 0
        return True

    def _where(self, at: int) -> str:
        """``line L column C`` of the file for a position in the text kept."""
        newlines = self._text.count("\n", 0, at)
        line = self._lines_before + newlines + 1
        column = at - self._text.rfind("\n", 0, at) if newlines else self._column_before + at + 1
        return f"line {line} column {column}"

    def _next(self) -> str:
        """The next character that is not blank (not consumed), or "" at the end of the file."""
        while True:
            self._at = _BLANK.match(self._text, self._at).end()  # type: ignore[union-attr]
            if self._at < len(self._text) or not self._more():
                return self._text[self._at : self._at + 1]

    def _expect(self, char: str, what: str) -> None:
        if self._next() != char:
            raise self._expected(what)
        self._at += 1

    def _expected(self, what: str) -> _Problem:
        return _Problem(f"not a key.json file: expected {what}: {self._where(self._at)}")

    def _value(self) -> Any:
        if self._next() in _NUMBER_STARTS:
            # A number is whole only once what follows it has been read ("0." may be "0.5").
            while not _AFTER_NUMBER.search(self._text, self._at) and self._more():
                pass
        while True:
            try:
                value, end = self._decoder.raw_decode(self._text, self._at)
            except json.JSONDecodeError as error:
                if self._more():  # the value may only be cut short by the end of what was read
                    continue
                raise _Problem(f"not a key.json file: {error.msg}: {self._where(error.pos)}") from None
            self._at = end
            return value

    def _field(self) -> str:
        name = self._value()
        if not isinstance(name, str):
            raise self._expected("a field name in quotes")
        self._expect(":", "':' after a field name")
        return name

    def _after_field(self) -> bool:
        """Past a field's value: True if another field follows, False at the object's end."""
        char = self._next()
        if char not in (",", "}"):
            raise self._expected("',' or '}' after a field")
        self._at += 1
        if char == "}" and self._next():
            raise self._expected("nothing after the key")
        return char == ","

    def head_before(self, field: str) -> dict[str, Any]:
        """The fields before ``field``, leaving the reading at its value (``at_end`` if it never comes)."""
        self._expect("{", "a JSON object")
        head: dict[str, Any] = {}
        if self._next() == "}":
            self._at += 1
            self.at_end = True
            return head
        while True:
            name = self._field()
            if name == field:
                return head
            head[name] = self._value()
            if not self._after_field():
                self.at_end = True
                return head

    def array_items(self) -> Iterator[Any]:
        self._expect("[", "a list of students")
        if self._next() == "]":
            self._at += 1
            return
        while True:
            yield self._value()
            char = self._next()
            if char not in (",", "]"):
                raise self._expected("',' or ']' after a student")
            self._at += 1
            if char == "]":
                return

    def rest_of_object(self) -> dict[str, Any]:
        rest: dict[str, Any] = {}
        while self._after_field():
            name = self._field()
            rest[name] = self._value()
        return rest
