"""``quizgen grade``: read a key and submissions, write grades, feedback, report and gradebooks."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from markupsafe import Markup

from quizgen.bulk import without_cycle_collection
from quizgen.errors import GradeError
from quizgen.files import atomic_folder, write_file
from quizgen.grading.accept import Acceptor, read_acceptances
from quizgen.grading.analysis import analyse
from quizgen.grading.charts import bar_chart, histogram
from quizgen.grading.csvout import SafeWriter
from quizgen.grading.feedback import write_feedback
from quizgen.grading.notebooks import ReturnedNotebooks, read_notebooks
from quizgen.grading.score import ItemResult, Scorer
from quizgen.grading.submissions import Intake, Row, read_rows
from quizgen.quiz.keyfile import KeyFile, LabelOrder, labels_of
from quizgen.render.pages import Renderer

GRADEBOOKS = ("canvas", "moodle")
_RESULT_LABEL, _POINTS, _MAX_POINTS = attrgetter("label"), attrgetter("points"), attrgetter("max_points")
PROGRESS_EVERY = 1000


@dataclass
class Outcome:
    """Everything grading learnt, for the summary: nothing read is left out of it."""

    key: dict[str, Any]
    labels: list[str]
    results: dict[str, list[ItemResult]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, list[int]] = field(default_factory=dict)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    intake: Intake = field(default_factory=Intake)
    notebooks: ReturnedNotebooks | None = None
    accepted: list[dict[str, Any]] = field(default_factory=list)

    def where(self, line: int) -> str:
        """Where a row came from: its notebook, or its line of the CSV."""
        if self.notebooks is not None and line in self.notebooks.files:
            return self.notebooks.files[line]
        return f"line {line}"

    def status(self, student_id: str) -> str:
        """Why a student of the key has no grade."""
        if self.notebooks is not None and student_id in self.notebooks.held:
            return f"not graded: {len(self.notebooks.held[student_id])} notebooks"
        return "no submission"

    @property
    def missing(self) -> list[str]:
        return [s["student_id"] for s in self.key["students"] if s["student_id"] not in self.results]

    def summary(self) -> dict[str, Any]:
        return {
            "students_in_key": len(self.key["students"]),
            "rows_read": self.intake.rows_read,
            "graded": len(self.results),
            "no_submission": self.missing,
            "duplicates": {sid: {"lines": lines, "kept": lines[-1]} for sid, lines in sorted(self.duplicates.items())},
            "unknown_students": [{"line": line, "student_id": sid} for line, sid in self.unknown],
            "rejected_rows": [
                {"line": line, "reason": reason, "text": text} for line, reason, text in self.intake.rejected
            ],
            "missing_columns": self.intake.missing_columns,
            "extra_columns": self.intake.extra_columns,
            "duplicate_columns": self.intake.duplicate_columns,
            "delimiter": self.intake.delimiter,
            "notes": self.intake.notes,
            "problems": self.problems(),
            "unreadable_answers": self.unreadable(),
            "accepted_answers": self.accepted,
            **({"notebooks": self._notebooks()} if self.notebooks is not None else {}),
        }

    def _notebooks(self) -> dict[str, Any]:
        assert self.notebooks is not None
        return {
            "read": self.notebooks.notebooks,
            "not_graded_several_of_one_student": self.notebooks.held,
            "names_another_student": self.notebooks.flagged,
        }

    def unreadable(self) -> list[dict[str, str]]:
        """Every answer no grammar rule reads, as typed, for the instructor to accept or not."""
        return [
            {"student_id": sid, "label": r.label, "answer": r.raw, "why": r.feedback}
            for sid, results in sorted(self.results.items())
            for r in results
            if r.status == "unreadable"
        ]

    def why_nothing_graded(self) -> str:
        """Why no row could be graded, in words a user can act on."""
        intake = self.intake
        if intake.not_utf8 and not intake.has_student_id:
            return "it is not UTF-8 text (a spreadsheet? export it as CSV, UTF-8)"
        if not intake.columns and not intake.rejected:
            return "the file is empty"
        if not intake.has_student_id:
            return "its header has no student_id column"
        if len(intake.missing_columns) == len(self.labels) and intake.has_student_id:
            return f"no column of its header is a question label of the key ({', '.join(self.labels[:6])}, …)"
        if not intake.rows_read:
            return "it has a header but no rows"
        if self.unknown:
            return f"none of its student ids is in the key ({len(self.unknown)} unknown)"
        return "every row was rejected (no student_id in any row)"

    def problems(self) -> list[str]:
        """What the user should see besides the totals: columns and rows that were not used as given."""
        intake = self.intake
        lines = []
        if intake.missing_columns:
            lines.append(f"missing columns (graded as blank): {', '.join(intake.missing_columns)}")
        if intake.extra_columns:
            lines.append(f"columns that are no question of the key (ignored): {', '.join(intake.extra_columns)}")
        lines += [
            f"{self.where(line)}: {reason}" if line else f"{text}: {reason}" for line, reason, text in intake.rejected
        ]
        lines += [f"{self.where(line)}: student '{sid}' is not in the key" for line, sid in self.unknown]
        lines += [
            f"student '{sid}' has {len(found)} rows (lines {', '.join(map(str, found))}): the last is graded"
            for sid, found in sorted(self.duplicates.items())
        ]
        if self.notebooks is not None:
            lines += [
                f"student '{sid}' has {len(files)} notebooks ({', '.join(files)}): neither is graded; keep one"
                for sid, files in sorted(self.notebooks.held.items())
            ]
            lines += [flag["message"] for flag in self.notebooks.flagged]
        return lines + intake.notes


class Grading:
    """Submissions read first, then the key's students scored one by one as the key is read, so
    that a large course's key is never in memory whole: of each student only the roster entry is
    kept, beside the results."""

    def __init__(
        self,
        head: dict[str, Any],
        data: bytes,
        progress: Callable[[int, int], None] | None = None,
        notebooks: ReturnedNotebooks | None = None,
        acceptor: Acceptor | None = None,
    ) -> None:
        self.head = head
        self.notebooks = notebooks
        self.acceptor = acceptor
        self.intake = Intake()
        self.progress = progress
        self.rows: dict[str, Row] = {}
        self.row_lines: dict[str, list[int]] = {}
        for row in read_rows(data, self.intake):
            self.rows[row.student_id] = row
            self.row_lines.setdefault(row.student_id, []).append(row.line)
            if progress is not None and self.intake.rows_read % PROGRESS_EVERY == 0:
                progress(self.intake.rows_read, 0)
        self.scorer = Scorer(dict(head.get("partial_credit", {})))
        self.roster: list[dict[str, Any]] = []
        self.labels = LabelOrder()
        self.results: dict[str, list[ItemResult]] = {}
        self.lines: dict[str, int] = {}
        self.duplicates: dict[str, list[int]] = {}
        self._shapes: dict[tuple[tuple[str, ...], tuple[Any, ...]], list[dict[str, Any]]] = {}

    def grade(self, student: dict[str, Any]) -> list[ItemResult] | None:
        """The student's results (None: no row of theirs)."""
        questions = student["questions"]
        labels = labels_of(student)
        self.labels.add(labels)
        self.roster.append(self._on_roster(student, labels))
        student_id = student["student_id"]
        row = self.rows.pop(student_id, None)  # graded once: the row is not needed again
        if row is None:
            return None
        results = self.scorer.score_answers(questions, self.intake.answers(row.cells, labels))
        if self.notebooks is not None and self.notebooks.unassigned:
            results = [self._unassigned(student_id, r) for r in results]
        if self.acceptor is not None:
            results = self.acceptor.apply(student_id, results)
        self.results[student_id] = results
        lines = self.row_lines[student_id]
        self.lines[student_id] = lines[-1]
        if len(lines) > 1:
            self.duplicates[student_id] = lines
        if self.progress is not None and len(self.results) % PROGRESS_EVERY == 0:
            self.progress(self.intake.rows_read, len(self.results))
        return results

    def explained(self, student: dict[str, Any]) -> dict[str, Any]:
        """The student as their feedback shows them: with why they were not graded, where it is not
        that nothing came from them (two notebooks)."""
        files = self.notebooks.held.get(student["student_id"]) if self.notebooks is not None else None
        if not files:
            return student
        handed = f"{len(files)} notebooks of yours were handed in ({', '.join(files)})"
        why = f"{handed}, so neither was graded: ask your instructor."
        return {**student, "not_graded": why}

    def _unassigned(self, student_id: str, result: ItemResult) -> ItemResult:
        """A blank answer whose notebook cell holds something that does not assign the label."""
        assert self.notebooks is not None
        text = self.notebooks.unassigned.get((student_id, result.label))
        if text is None or result.status != "blank" or not text.strip():
            return result
        label, shown = result.label, " ".join(text.split())[:60]
        why = f"Your answer cell for {label} does not assign {label} (it holds '{shown}'): write {label} = your answer."
        return ItemResult(label, text, "unreadable", 0.0, result.max_points, feedback=why)

    def _on_roster(self, student: dict[str, Any], labels: tuple[str, ...]) -> dict[str, Any]:
        """What grades, gradebooks and the report need of a key's student: not the questions' texts,
        and their labels and points as one list shared by every student asked alike."""
        kept: dict[str, Any] = {k: student[k] for k in ("student_id", "name", "email") if k in student}
        shape = (labels, tuple(q["points"] for q in student["questions"]))
        questions = self._shapes.get(shape)
        if questions is None:
            questions = self._shapes[shape] = [{"label": lb, "points": pt} for lb, pt in zip(*shape, strict=True)]
        kept["questions"] = questions
        return kept

    def outcome(self, settle_accepted: bool = True) -> Outcome:
        labels = self.labels.labels
        self.intake.settle(labels)
        known = {student["student_id"] for student in self.roster}
        unknown = sorted((line, sid) for sid, lines in self.row_lines.items() if sid not in known for line in lines)
        if self.progress is not None:
            self.progress(self.intake.rows_read, len(self.results))
        key = {**self.head, "students": self.roster}
        accepted: list[dict[str, Any]] = []
        if self.acceptor is not None and settle_accepted:
            self.acceptor.check(known, set(self.results))
            accepted = sorted(self.acceptor.accepted, key=lambda a: (a["student_id"], a["label"]))
        outcome = Outcome(key, labels, self.results, self.lines, self.duplicates, unknown, self.intake, self.notebooks)
        outcome.accepted = accepted
        return outcome


@without_cycle_collection
def grade_submissions(key: dict[str, Any], data: bytes, progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Score every row against a key in memory (pure: bytes in, results out).

    ``progress(rows read, students graded)`` is called every ``PROGRESS_EVERY`` rows as they are read,
    every ``PROGRESS_EVERY`` students as they are graded, and at the end.
    """
    grading = Grading({k: v for k, v in key.items() if k != "students"}, data, progress)
    for student in key["students"]:
        grading.grade(student)
    outcome = grading.outcome()
    outcome.key = key
    return outcome


def _points(value: float) -> str:
    return f"{value:g}"


class _Written(dict[float, str]):
    """Points as written, per distinct value (a course has few): looked up in C, formatted once."""

    def __missing__(self, value: float) -> str:
        text = self[value] = _points(value)
        return text


@without_cycle_collection
def grades_csv(outcome: Outcome) -> str:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    labels = outcome.labels
    writer.writerow(["student_id", "name", *labels, "total", "max", "percent", "status"])
    accepted: dict[str, list[str]] = {}
    for entry in outcome.accepted:
        accepted.setdefault(entry["student_id"], []).append(entry["label"])
    written = _Written().__getitem__
    blank = [""] * len(labels)
    for student in outcome.key["students"]:
        sid = student["student_id"]
        results = outcome.results.get(sid)
        if results is None:
            maximum = sum(float(q["points"]) for q in student["questions"])
            writer.writerow([sid, student.get("name", ""), *blank, "0", _points(maximum), "0", outcome.status(sid)])
            continue
        points = list(map(_POINTS, results))
        maximum, total = sum(map(_MAX_POINTS, results)), sum(points)
        if list(map(_RESULT_LABEL, results)) == labels:
            cells = list(map(written, points))
        else:
            by_label = {r.label: r for r in results}
            cells = [written(by_label[label].points) if label in by_label else "" for label in labels]
        percent = written(round(100 * total / maximum, 2) if maximum else 0)
        status = "graded" if sid not in accepted else f"graded; accepted {', '.join(accepted[sid])}"
        writer.writerow(
            [sid, student.get("name", ""), *cells, written(round(total, 4)), written(maximum), percent, status]
        )
    return buffer.getvalue()


@without_cycle_collection
def gradebook_csv(outcome: Outcome, kind: str) -> str:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    title = outcome.key["assignment"]
    totals = {sid: sum(r.points for r in rs) for sid, rs in outcome.results.items()}
    maximum = max((sum(float(q["points"]) for q in s["questions"]) for s in outcome.key["students"]), default=0)
    if kind == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title])
        writer.writerow(["Points Possible", "", "", "", "", _points(maximum)])
        for s in outcome.key["students"]:
            writer.writerow(
                [
                    s.get("name") or s["student_id"],
                    "",
                    s["student_id"],
                    "",
                    "",
                    _points(round(totals.get(s["student_id"], 0.0), 4)),
                ]
            )
    else:
        # Moodle's import maps each column by hand; a feedback column says which answers were accepted.
        notes: dict[str, list[str]] = {}
        for entry in outcome.accepted:
            notes.setdefault(entry["student_id"], []).append(f"{entry['label']} accepted: {entry['reason']}")
        writer.writerow(["ID number", "Email address", title, *(["Feedback"] if notes else [])])
        for s in outcome.key["students"]:
            sid = s["student_id"]
            note = ["; ".join(notes.get(sid, []))] if notes else []
            writer.writerow([sid, s.get("email", ""), _points(round(totals.get(sid, 0.0), 4)), *note])
    return buffer.getvalue()


def _report_view(outcome: Outcome) -> dict[str, Any]:
    stats = analyse(outcome.labels, outcome.results)
    percents = []
    for student in outcome.key["students"]:
        if student["student_id"] in outcome.results:
            maximum = sum(float(q["points"]) for q in student["questions"]) or 1
            percents.append(100 * sum(r.points for r in outcome.results[student["student_id"]]) / maximum)
    mistakes: dict[str, int] = {}
    for item in stats:
        for name, n in item.mistakes.items():
            mistakes[name] = mistakes.get(name, 0) + n
    top = sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    charts = {
        "difficulty": Markup(
            bar_chart("Share correct per item", [(s.label, s.difficulty or 0.0) for s in stats], 1.0, "%")
        ),
        "totals": Markup(histogram("Scores (percent of points)", percents)),
        "mistakes": Markup(
            bar_chart("Mistakes behind wrong answers", [(n, float(c)) for n, c in top], max([c for _, c in top] + [1]))
        )
        if top
        else None,
    }
    mean = sum(percents) / len(percents) if percents else 0.0
    return {"stats": stats, "charts": charts, "summary": outcome.summary(), "mean": mean, "graded": len(percents)}


def _write_outputs(outcome: Outcome, scratch: Path, gradebook: str | None, templates: Path | None) -> dict[str, Any]:
    key = outcome.key
    write_file(scratch / "grades.csv", grades_csv(outcome))
    report = Renderer(f"{key['assignment']} — grading report", templates)
    write_file(scratch / "report.html", report.render("report.html", **_report_view(outcome)))
    summary = outcome.summary()
    write_file(scratch / "summary.json", json.dumps(summary, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    if gradebook:
        write_file(scratch / f"gradebook-{gradebook}.csv", gradebook_csv(outcome, gradebook))
    return summary


def _submissions(submissions_path: Path, key: KeyFile) -> tuple[bytes, ReturnedNotebooks | None]:
    """The submissions as CSV bytes, and what was read from notebooks when they are notebooks."""
    if submissions_path.is_dir() or submissions_path.suffix.lower() == ".ipynb":
        returned = read_notebooks(submissions_path, key.whole())  # notebooks are matched with every label
        return returned.csv, returned
    try:
        return submissions_path.read_bytes(), None
    except OSError as error:
        raise GradeError(f"{submissions_path}: cannot read the submissions: {error.strerror}") from None


def _no_notebook(path: Path, returned: ReturnedNotebooks) -> GradeError:
    """Why no notebook can be graded, naming the files (up to three)."""
    reasons = [f"{name}: {reason}" for name, reason in returned.refused]
    reasons += [f"student '{sid}' has {len(fs)} notebooks ({', '.join(fs)})" for sid, fs in returned.held.items()]
    more = f"; and {len(reasons) - 3} more" if len(reasons) > 3 else ""
    return GradeError(f"{path}: no notebook can be graded: {'; '.join(reasons[:3])}{more}")


def grade(
    key_path: Path,
    submissions_path: Path,
    out_dir: Path,
    gradebook: str | None = None,
    force: bool = False,
    templates: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
    accept: Path | None = None,
) -> dict[str, Any]:
    """Grade and write the outputs; returns the summary (``problems`` lists what was not used as given).

    The submissions are read first, then the key student by student: each student is scored and their
    feedback written (by ``jobs`` processes) as the key is read. ``progress(rows read, students
    graded)`` as in ``grade_submissions``."""
    if gradebook is not None and gradebook not in GRADEBOOKS:
        raise GradeError(f"unknown gradebook '{gradebook}': use canvas or moodle")
    acceptor = Acceptor(read_acceptances(accept)) if accept is not None else None
    with KeyFile(key_path) as key:
        data, notebooks = _submissions(submissions_path, key)
        grading = Grading(key.head, data, progress, notebooks, acceptor)
        if notebooks is not None:
            grading.intake.rejected += [(0, reason, name) for name, reason in notebooks.refused]
            if not grading.rows:
                raise _no_notebook(submissions_path, notebooks)
        if not grading.rows:  # nothing to grade: the key is read for its labels, which the reason may name
            for student in key.students():
                grading.grade(student)
            why = grading.outcome(settle_accepted=False).why_nothing_graded()
            raise GradeError(f"{submissions_path}: no row can be graded: {why}")
        inputs = [key_path, submissions_path, *([templates] if templates else []), *([accept] if accept else [])]
        with atomic_folder(out_dir, force, inputs, "grade") as scratch:
            try:
                work = ((grading.explained(student), grading.grade(student)) for student in key.students())
                write_feedback(key.head["assignment"], templates, scratch / "feedback", work, jobs)
                outcome = grading.outcome()
                if not outcome.results or len(outcome.intake.missing_columns) == len(outcome.labels):
                    raise GradeError(f"{submissions_path}: no row can be graded: {outcome.why_nothing_graded()}")
                return _write_outputs(outcome, scratch, gradebook, templates)
            except TemplateError as error:
                raise GradeError(f"rendering failed: {type(error).__name__}: {error}") from None
