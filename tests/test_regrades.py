"""Grading you can defend (design §6b): answers only the grammar reads, listed when unreadable;
regrades with --accept, marked wherever a grade shows; byte-identical regrades; CSV cells a
spreadsheet would run written as text."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from grading_quiz import ROSTER, make_quiz
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.cli import main
from quizgen.errors import GradeError
from quizgen.grading.accept import read_acceptances
from quizgen.grading.csvout import SafeWriter

LABELS = ["Q1a", "Q1b", "Q1c", "Q2", "Q3", "Q4"]


@pytest.fixture(scope="module")
def quiz(tmp_path_factory):
    return make_quiz(tmp_path_factory.mktemp("quiz2csv"))


def _answer(quiz, sid: str, label: str):
    return next(q for q in quiz[1][sid]["questions"] if q["label"] == label)["answer"]


def _submissions(quiz, path: Path, typed: dict[tuple[str, str], str]) -> Path:
    """Every student right on every item but the ones ``typed`` gives."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", *LABELS])
    for sid in quiz[1]:
        writer.writerow([sid, *(typed.get((sid, label), str(_answer(quiz, sid, label))) for label in LABELS)])
    path.write_text(buffer.getvalue())
    return path


def _grade(quiz, submissions: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["grade", str(quiz[0] / "key.json"), str(submissions), "--out", str(out), *extra])


def _rows(out: Path, name: str = "grades.csv") -> dict[str, dict[str, str]]:
    return {r["student_id"]: r for r in csv.DictReader(io.StringIO((out / name).read_text()))}


def test_numbers_inside_text_earn_nothing_and_are_listed_as_typed(quiz, tmp_path):
    q3 = {sid: _answer(quiz, sid, "Q3") for sid in quiz[1]}
    typed = {
        ("s01", "Q3"): f"{q3['s01']} MB",
        ("s02", "Q3"): f"{q3['s02']}%",
        ("s03", "Q3"): f"$ {q3['s03']}",
        ("s04", "Q3"): f"not {q3['s04']}",
        ("s05", "Q4"): f"{_answer(quiz, 's05', 'Q4')} parameters",  # Q4 is asked in bytes
        ("s06", "Q3"): f"{q3['s06'] + 1}-1",
    }
    result = _grade(quiz, _submissions(quiz, tmp_path / "s.csv", typed), tmp_path / "g")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "g")
    assert [rows[s]["Q3"] for s in ("s01", "s02", "s03", "s04")] == ["0"] * 4 and rows["s05"]["Q4"] == "0"
    assert rows["s06"]["percent"] == "100"
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
    listed = {(u["student_id"], u["label"]): u["answer"] for u in summary["unreadable_answers"]}
    assert listed == {k: v for k, v in typed.items() if k[0] != "s06"}
    report = (tmp_path / "g" / "report.html").read_text()
    assert "Unreadable answers" in report and f"<code>not {q3['s04']}</code>" in report


ACCEPT_YAML = """# settled after class
- {{student: s01, label: Q3, answer: "{a1} MB", points: 1, reason: "MB was a slip; the count is right"}}
- student: s02
  label: q3
  value: {v2}
  share: 0.5
  reason: half credit, agreed in office hours
"""


def _disputed(quiz, tmp_path: Path) -> Path:
    q3 = {sid: _answer(quiz, sid, "Q3") for sid in quiz[1]}
    return _submissions(quiz, tmp_path / "s.csv", {("s01", "Q3"): f"{q3['s01']} MB", ("s02", "Q3"): "12345"})


def test_accepted_answers_are_graded_as_the_file_says_and_marked_everywhere(quiz, tmp_path):
    submissions = _disputed(quiz, tmp_path)
    accept = tmp_path / "accept.yaml"
    accept.write_text(ACCEPT_YAML.format(a1=_answer(quiz, "s01", "Q3"), v2="12,345"))
    result = _grade(quiz, submissions, tmp_path / "g", "--accept", str(accept), "--gradebook", "moodle")
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "g")
    assert rows["s01"]["Q3"] == "1" and rows["s01"]["status"] == "graded; accepted Q3"
    assert rows["s02"]["Q3"] == "0.5" and rows["s02"]["status"] == "graded; accepted Q3"
    assert rows["s03"]["status"] == "graded"
    feedback = (tmp_path / "g" / "feedback" / "s01.md").read_text()
    assert "**accepted**" in feedback and "Accepted by your instructor: MB was a slip; the count is right" in feedback
    assert "(0.5 of 1 points)" in (tmp_path / "g" / "feedback" / "s02.html").read_text()
    assert "Accepted answers" in (tmp_path / "g" / "report.html").read_text()
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
    assert [(a["student_id"], a["points"]) for a in summary["accepted_answers"]] == [("s01", 1), ("s02", 0.5)]
    assert summary["unreadable_answers"] == []
    moodle = list(csv.reader(io.StringIO((tmp_path / "g" / "gradebook-moodle.csv").read_text())))
    assert moodle[0][-1] == "Feedback" and moodle[2][-1] == "Q3 accepted: half credit, agreed in office hours"


def test_an_accept_csv_works_as_the_yaml_does(quiz, tmp_path):
    submissions = _disputed(quiz, tmp_path)
    accept = tmp_path / "accept.csv"
    a1 = _answer(quiz, "s01", "Q3")
    accept.write_text(
        "student,label,answer,value,points,share,reason\n"
        f's01,Q3,{a1} MB,,1,,"MB was a slip; the count is right"\n'
        's02,q3,,12345,,0.5,"half credit, agreed in office hours"\n'
    )
    assert _grade(quiz, submissions, tmp_path / "g", "--accept", str(accept)).exit_code == 0
    yaml_file = tmp_path / "accept.yaml"
    yaml_file.write_text(ACCEPT_YAML.format(a1=a1, v2="12345"))
    assert _grade(quiz, submissions, tmp_path / "g2", "--accept", str(yaml_file)).exit_code == 0
    for name in ("grades.csv", "summary.json", "feedback/s01.md", "feedback/s02.html"):
        assert (tmp_path / "g" / name).read_bytes() == (tmp_path / "g2" / name).read_bytes(), name


def test_an_answer_accepted_from_any_student(quiz, tmp_path):
    typed = {(sid, "Q4"): f"{_answer(quiz, sid, 'Q4') / 2**10:.6g} kilobytes" for sid in ("s03", "s05")}
    submissions = _submissions(quiz, tmp_path / "s.csv", typed)
    accept = tmp_path / "accept.yaml"
    rows = [
        f"- {{student: '*', label: Q4, answer: '{text}', share: 1, reason: kilobytes as KiB}}"
        for text in typed.values()
    ]
    accept.write_text("\n".join(rows) + "\n")
    result = _grade(quiz, submissions, tmp_path / "g", "--accept", str(accept))
    assert result.exit_code == 0, result.output
    assert _rows(tmp_path / "g")["s05"]["percent"] == "100"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "- {student: s09, label: Q3, value: 1, points: 1, reason: r}",
            "accept.yaml:2: accepts Q3 value 1 of student 's09', but student 's09' is not in the key",
        ),
        (
            "- {student: s03, label: Q3, answer: '17', points: 1, reason: r}",
            "accept.yaml:2: accepts Q3 answer '17' of student 's03', but they typed '",
        ),
        (
            "- {student: s03, label: Q9, value: 1, points: 1, reason: r}",
            "accept.yaml:2: accepts Q9 value 1 of student 's03', but student 's03' was not asked Q9",
        ),
        (
            "- {student: s03, label: Q3, value: 1, share: 1.5, reason: r}",
            "accept.yaml:2: field 'share' is '1.5', not a number from 0 to 1",
        ),
        ("- {student: s03, label: Q3, value: 1, points: 1}", "accept.yaml:2: field 'reason' is missing"),
        (
            "- {student: s03, label: Q3, value: 1, answer: '1', points: 1, reason: r}",
            "give either 'answer' (as typed) or 'value', not both",
        ),
        (
            "- {student: s02, label: Q3, value: 12345, points: 5, reason: r}",
            "accept.yaml:2: 5 points is more than Q3's 1",
        ),
        (
            "- {student: s03, label: Q3, value: 1, points: 1, reason: r, grade: A}",
            "accept.yaml:2: unknown field 'grade'",
        ),
        ("- [s03, Q3]", "accept.yaml:2: each entry is a mapping"),
        ("- {student: s03, label: Q3\n", "accept.yaml:4: not valid YAML: expected"),
    ],
)
def test_an_accept_row_that_cannot_be_used_is_an_error_naming_file_and_line(quiz, tmp_path, row, message):
    submissions = _disputed(quiz, tmp_path)
    accept = tmp_path / "accept.yaml"
    accept.write_text(f"# regrades\n{row}\n")
    result = _grade(quiz, submissions, tmp_path / "g", "--accept", str(accept))
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "g").exists()


@settings(max_examples=80, deadline=None)  # writes a file per example
@given(
    st.text(max_size=80)
    | st.lists(
        st.dictionaries(
            st.sampled_from(["student", "label", "answer", "value", "points", "share", "reason", "x"]),
            st.text(max_size=5) | st.floats() | st.integers(),
        ),
        max_size=3,
    ).map(json.dumps)
)
def test_any_accept_file_is_read_or_refused_in_one_line(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("acc") / "accept.yaml"
    path.write_text(text)
    try:
        read_acceptances(path)
    except GradeError as error:
        assert "\n" not in str(error) and str(path) in str(error)


def test_regrading_the_same_inputs_writes_byte_identical_files(quiz, tmp_path):
    submissions = _disputed(quiz, tmp_path)
    accept = tmp_path / "accept.yaml"
    accept.write_text(ACCEPT_YAML.format(a1=_answer(quiz, "s01", "Q3"), v2="12345"))
    for out in ("g1", "g2"):
        args = ("--accept", str(accept), "--gradebook", "canvas")
        assert _grade(quiz, submissions, tmp_path / out, *args).exit_code == 0
    first = sorted(p.relative_to(tmp_path / "g1") for p in (tmp_path / "g1").rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path / "g2") for p in (tmp_path / "g2").rglob("*") if p.is_file())
    assert first == second and len(first) > 10
    for name in first:
        assert (tmp_path / "g1" / name).read_bytes() == (tmp_path / "g2" / name).read_bytes(), name


EVIL = '=HYPERLINK("http://evil","x")'


def test_a_formula_in_the_roster_is_written_as_text_in_every_csv(tmp_path):
    roster = (
        ROSTER.replace("Bo Chen", '"' + EVIL.replace('"', '""') + '"')
        .replace("di@example.edu", "@SUM(1+1)")
        .replace("Ed Kim", "-2+3 Ed Kim")
    )
    out, students = make_quiz(tmp_path, roster=roster)
    submissions = tmp_path / "s.csv"
    submissions.write_text("student_id,Q3\ns02,1\ns05,2\n")
    for book in ("canvas", "moodle"):
        result = _grade((out, students), submissions, tmp_path / book, "--gradebook", book)
        assert result.exit_code == 0, result.output
        for name in ("grades.csv", f"gradebook-{book}.csv"):
            cells = [c for row in csv.reader(io.StringIO((tmp_path / book / name).read_text())) for c in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], name
        grades = _rows(tmp_path / book)
        assert grades["s02"]["name"] == "'" + EVIL and grades["s05"]["name"] == "'-2+3 Ed Kim"
    canvas = (tmp_path / "canvas" / "gradebook-canvas.csv").read_text()
    assert "'=HYPERLINK" in canvas and "'-2+3 Ed Kim" in canvas
    assert "'@SUM(1+1)" in (tmp_path / "moodle" / "gradebook-moodle.csv").read_text()


@given(st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=4), max_size=5))
def test_the_shared_writer_keeps_every_cell_and_makes_formulas_text(rows):
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerows(rows)
    back = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert back == [["'" + c if c and c[0] in "=+-@\t\r" else c for c in row] for row in rows]


def test_grade_help_says_what_submissions_can_be_and_every_option_has_help():
    result = CliRunner().invoke(main, ["grade", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "SUBMISSIONS is a CSV" in text and "notebook (.ipynb)" in text and "folder of notebooks" in text
    options = [p for p in main.commands["grade"].params if isinstance(p, click.Option)]
    assert len(options) >= 6 and [o.name for o in options if not o.help] == []


def test_the_readmes_accept_file_is_read_as_it_says(tmp_path):
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", readme.split("**Regrades.**", 1)[1], re.S).group(1)
    (tmp_path / "regrades.yaml").write_text(block)
    rows = read_acceptances(tmp_path / "regrades.yaml")
    assert [(r.student, r.label, r.answer, r.value, r.points, r.share) for r in rows] == [
        ("s001", "Q3", "28224 MB", None, 1.0, None),
        ("s002", "Q1", None, "2320", None, 0.5),
        ("*", "Q4", "36.3 kilobytes", None, None, 1.0),
    ]
    assert rows[0].where.endswith("regrades.yaml:1") and rows[1].where.endswith("regrades.yaml:2")


def test_a_value_matches_a_letter_or_the_number_an_answer_reads_as():
    from quizgen.grading.accept import Acceptance
    from quizgen.grading.score import ItemResult

    def row(value: str) -> Acceptance:
        return Acceptance("f:1", "s1", "q2", None, value, 1.0, None, "r")

    letter = ItemResult("Q2", " c ", "wrong", 0.0, 1.0, "C")
    number = ItemResult("Q2", "1.2M params", "wrong", 0.0, 1.0, 1.2e6)
    unread = ItemResult("Q2", "about 7", "unreadable", 0.0, 1.0)
    assert row("c").matches(letter) and not row("B").matches(letter)
    assert row("1,200,000").matches(number) and not row("1200001").matches(number)
    assert not row("7").matches(unread)
    assert Acceptance("f:1", "s1", "Q2", "about  7", None, 1.0, None, "r").matches(unread)


def test_item_analysis_counts_an_accepted_answer_by_the_credit_given(quiz, tmp_path):
    """Full credit accepted is a correct answer in the report's share correct; half credit counts as
    partial credit for a named mistake does (not correct, its answer among the wrong ones)."""
    accept = tmp_path / "accept.yaml"
    accept.write_text(ACCEPT_YAML.format(a1=_answer(quiz, "s01", "Q3"), v2="12,345"))
    result = _grade(quiz, _disputed(quiz, tmp_path), tmp_path / "g", "--accept", str(accept))
    assert result.exit_code == 0, result.output
    students = len(quiz[1])  # every one right on Q3 but s01 (accepted, full) and s02 (accepted, half)
    row = re.search(r"<td>Q3</td><td>\d+</td>.*?</tr>", (tmp_path / "g" / "report.html").read_text(), re.S).group()
    assert f"<td>{100 * (students - 1) / students:.0f}%</td>" in row
    assert "12,345 ×1" in row


def test_item_analysis_of_accepted_answers_matches_answers_scored_alike():
    import statistics

    from quizgen.grading.analysis import analyse
    from quizgen.grading.score import ItemResult

    def q1(status, points, value):
        return ItemResult("Q1", str(value), status, points, 2.0, value)

    other = [1.0, 0.0, 1.0, 0.0, 1.0]  # each student's Q2, the rest of their score
    column = [
        q1("correct", 2.0, 180.0),
        q1("accepted", 2.0, 181.0),  # full credit: correct
        q1("accepted", 1.0, 200.0),  # half: partial, not correct
        q1("accepted", 0.0, 7.0),  # none: wrong
        q1("wrong", 0.0, 144.0),
    ]
    results = {
        f"s{n}": [r, ItemResult("Q2", "", "correct" if o else "wrong", o, 1.0, o)]
        for n, (r, o) in enumerate(zip(column, other, strict=True))
    }
    (item, _) = analyse(["Q1", "Q2"], results)
    assert (item.correct, item.difficulty) == (2, 0.4)
    assert item.discrimination == pytest.approx(statistics.correlation([1, 1, 0, 0, 0], other), abs=1e-4)
    assert sorted(text for text, _, _ in item.wrong_answers) == ["144", "200", "7"]
