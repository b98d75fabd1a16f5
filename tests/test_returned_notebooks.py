"""Notebooks as students return them (design §6b), each case as a new user met it grading an own
4-question assignment for 6 students: subfolders, a changed mind, lowercase labels, scratch cells,
two notebooks of one student, a single file, an empty folder, a truncated file."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from grading_quiz import make_quiz
from hypothesis import given
from hypothesis import strategies as st

from quizgen.cli import main
from quizgen.grading.notebooks import answers_of


@pytest.fixture(scope="module")
def quiz(tmp_path_factory):
    return make_quiz(tmp_path_factory.mktemp("quiz2"), "ipynb")


def _notebook(quiz, sid: str) -> dict:
    out, _ = quiz
    return json.loads((out / "students" / sid / "quiz.ipynb").read_text())


def _set(notebook: dict, label: str, source: str) -> None:
    for cell in notebook["cells"]:
        if cell["metadata"].get("quizgen", {}).get("label") == label:
            cell["source"] = source.splitlines(keepends=True)
            return
    raise AssertionError(label)


def _question(quiz, sid: str, label: str) -> dict:
    return next(q for q in quiz[1][sid]["questions"] if q["label"] == label)


def _right(quiz, sid: str) -> dict:
    """The student's notebook with every answer right."""
    notebook = _notebook(quiz, sid)
    for q in quiz[1][sid]["questions"]:
        _set(notebook, q["label"], f"{q['label']} = {q['answer']!r}\n")
    return notebook


def _save(path: Path, notebook: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1))


def _grade(quiz, submissions: Path, out: Path, *extra: str):
    result = CliRunner().invoke(main, ["grade", str(quiz[0] / "key.json"), str(submissions), "--out", str(out), *extra])
    rows = {}
    if (out / "grades.csv").exists():
        rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    return result, rows


def test_a_notebook_in_a_students_own_folder_is_graded(quiz, tmp_path):
    _save(tmp_path / "nbsub" / "bo" / "quiz.ipynb", _right(quiz, "s02"))
    _save(tmp_path / "nbsub" / "Cy Young_4711_assignsubmission_file_" / "quiz2.ipynb", _right(quiz, "s03"))
    _save(tmp_path / "nbsub" / "bo" / ".ipynb_checkpoints" / "quiz-checkpoint.ipynb", _notebook(quiz, "s02"))
    result, rows = _grade(quiz, tmp_path / "nbsub", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert rows["s02"]["percent"] == "100" and rows["s03"]["percent"] == "100"
    assert "names" not in result.output  # each folder names its own student


def test_the_last_assignment_counts_as_python_leaves_it(quiz, tmp_path):
    notebook = _right(quiz, "s01")
    q3 = _question(quiz, "s01", "Q3")
    _set(notebook, "Q3", f"Q3 = {q3['answer'] + 24}\nQ3 = {q3['answer']}  # changed my mind\n")
    _save(tmp_path / "in" / "ada.ipynb", notebook)
    result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert float(rows["s01"]["Q3"]) == q3["points"]


def test_a_lowercase_label_is_the_label(quiz, tmp_path):
    notebook = _right(quiz, "s01")
    q4 = _question(quiz, "s01", "Q4")
    _set(notebook, "Q4", f"q4 = {q4['answer']}\n")
    _save(tmp_path / "in" / "ada.ipynb", notebook)
    result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert rows["s01"]["percent"] == "100", result.output


def test_scratch_cells_a_student_adds_are_allowed(quiz, tmp_path):
    notebook = _right(quiz, "s04")
    scratch = {"cell_type": "code", "id": "3f2a9c1b", "metadata": {}, "execution_count": 3, "outputs": []}
    notebook["cells"].insert(3, {**scratch, "source": ["h = 5\n", "print(4 * h * (3 + h + 1))\n"]})
    notebook["cells"].append({"cell_type": "markdown", "id": "notes", "metadata": {}, "source": ["my notes"]})
    _save(tmp_path / "in" / "di.ipynb", notebook)
    result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert rows["s04"]["percent"] == "100"


def test_a_cell_that_does_not_assign_its_label_is_unreadable_and_says_so(quiz, tmp_path):
    notebook = _right(quiz, "s05")
    _set(notebook, "Q3", "2098\n")
    _save(tmp_path / "in" / "ed.ipynb", notebook)
    _result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert float(rows["s05"]["Q3"]) == 0
    feedback = (tmp_path / "g" / "feedback" / "s05.md").read_text()
    assert "Your answer cell for Q3 does not assign Q3 (it holds '2098'): write Q3 = your answer." in feedback
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
    assert {"student_id": "s05", "label": "Q3", "answer": "2098\n"}.items() <= summary["unreadable_answers"][0].items()


def test_two_notebooks_of_one_student_are_both_named_and_neither_graded(quiz, tmp_path):
    real = _right(quiz, "s01")
    copy = json.loads(json.dumps(real))
    _save(tmp_path / "in" / "ada" / "quiz.ipynb", real)
    _save(tmp_path / "in" / "bo" / "quiz.ipynb", copy)  # Ada's work under Bo's folder
    _save(tmp_path / "in" / "cy" / "quiz.ipynb", _right(quiz, "s03"))
    result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert rows["s01"]["status"] == "not graded: 2 notebooks" and rows["s01"]["total"] == "0"
    assert rows["s02"]["status"] == "no submission"
    assert "student 's01' has 2 notebooks (ada/quiz.ipynb, bo/quiz.ipynb): neither is graded" in result.output
    assert "bo/quiz.ipynb: the notebook is Ada Lovelace (s01)'s, but its name or folder names Bo Chen (s02)" in (
        result.output
    )
    assert "lines" not in result.output
    feedback = (tmp_path / "g" / "feedback" / "s01.md").read_text()
    assert "2 notebooks of yours were handed in (ada/quiz.ipynb, bo/quiz.ipynb), so neither was graded" in feedback
    assert "No submission was received" in (tmp_path / "g" / "feedback" / "s02.html").read_text()


def test_a_notebook_under_another_students_name_is_flagged(quiz, tmp_path):
    _save(tmp_path / "in" / "Flo Diaz_88_assignsubmission_file_" / "quiz.ipynb", _right(quiz, "s05"))
    _result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert rows["s05"]["percent"] == "100"
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
    assert summary["notebooks"]["names_another_student"][0]["names"] == "Flo Diaz (s06)"


def test_a_single_notebook_path_grades_that_notebook(quiz, tmp_path):
    _save(tmp_path / "one.ipynb", _right(quiz, "s06"))
    result, rows = _grade(quiz, tmp_path / "one.ipynb", tmp_path / "g")
    assert result.exit_code == 0, result.output
    assert rows["s06"]["percent"] == "100" and rows["s01"]["status"] == "no submission"


def test_an_empty_folder_says_so(quiz, tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    result, _ = _grade(quiz, tmp_path / "empty", tmp_path / "g")
    assert result.exit_code != 0
    assert "no notebook (*.ipynb) in this folder or its subfolders" in result.output
    assert "header" not in result.output and not (tmp_path / "g").exists()


def test_a_truncated_notebook_is_not_valid_json(quiz, tmp_path):
    text = json.dumps(_right(quiz, "s01"), indent=1)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ada.ipynb").write_text(text[: len(text) // 2])
    result, _ = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert result.exit_code != 0
    assert "ada.ipynb: not valid JSON (line" in result.output and "was it saved whole?" in result.output
    _save(tmp_path / "in" / "bo.ipynb", _right(quiz, "s02"))
    result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g2")
    assert result.exit_code == 0 and rows["s02"]["percent"] == "100"
    assert "ada.ipynb: not valid JSON" in result.output


def test_an_edit_to_a_prompt_cell_is_refused_naming_the_cell(quiz, tmp_path):
    notebook = _right(quiz, "s03")
    prompt = next(c for c in notebook["cells"] if c["id"] == "q2")
    prompt["source"] = ["## Q2. (I changed the numbers)"]
    _save(tmp_path / "in" / "cy.ipynb", notebook)
    _save(tmp_path / "in" / "di.ipynb", _right(quiz, "s04"))
    result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert "cy.ipynb: s03: quizgen's cell 'q2' (## Q2. (I changed the numbers)) was edited" in result.output
    assert rows["s03"]["status"] == "no submission" and rows["s04"]["percent"] == "100"


def test_a_notebook_written_before_per_cell_digests_is_still_checked(quiz, tmp_path):
    notebook = _right(quiz, "s04")
    del notebook["metadata"]["quizgen"]["cells"]
    notebook["cells"].insert(2, {"cell_type": "code", "id": "x1", "metadata": {}, "source": ["1+1"], "outputs": []})
    _save(tmp_path / "in" / "di.ipynb", notebook)
    edited = json.loads(json.dumps(notebook))
    edited["cells"][0]["source"] = ["changed"]
    _save(tmp_path / "in2" / "di.ipynb", edited)
    assert _grade(quiz, tmp_path / "in", tmp_path / "g")[1]["s04"]["percent"] == "100"
    result, _ = _grade(quiz, tmp_path / "in2", tmp_path / "g2")
    assert "a cell quizgen wrote (not an answer cell) was edited or removed" in result.output


def test_the_ipynb_reader_is_not_shutil_sensitive_to_names(quiz, tmp_path):
    # A notebook keeps its student whatever the file is called.
    source = quiz[0] / "students" / "s02" / "quiz.ipynb"
    (tmp_path / "in").mkdir()
    shutil.copy(source, tmp_path / "in" / "Untitled (3).ipynb")
    _result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert rows["s02"]["status"] == "graded" and rows["s02"]["total"] == "0"


def test_a_notebook_saved_without_cell_ids_is_still_matched_cell_by_cell(quiz, tmp_path):
    notebook = _right(quiz, "s06")
    for cell in notebook["cells"]:
        cell.pop("id", None)
    notebook["nbformat_minor"] = 4
    _save(tmp_path / "in" / "flo.ipynb", notebook)
    assert _grade(quiz, tmp_path / "in", tmp_path / "g")[1]["s06"]["percent"] == "100"
    notebook["cells"][1]["source"] = ["## Q1. my version"]
    _save(tmp_path / "in2" / "flo.ipynb", notebook)
    result, _ = _grade(quiz, tmp_path / "in2", tmp_path / "g2")
    assert "flo.ipynb: s06: quizgen's cell 'q1' was edited or removed" in result.output


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "cell_type": st.sampled_from(["code", "markdown", 3]),
                "source": st.text(max_size=40) | st.lists(st.text(max_size=12), max_size=3),
            },
            optional={
                "metadata": st.none()
                | st.dictionaries(
                    st.just("quizgen"), st.dictionaries(st.just("label"), st.sampled_from(["Q1", "Q2", "x"]))
                )
            },
        ),
        max_size=5,
    )
)
def test_any_cells_give_answers_or_nothing_never_an_error(cells):
    answers, unassigned = answers_of(cells, ["Q1", "Q2"])
    assert set(answers) <= {"Q1", "Q2"} and set(unassigned) <= {"Q1", "Q2"} and not set(answers) & set(unassigned)


def test_a_notebook_of_a_student_not_in_the_key_names_its_file(quiz, tmp_path):
    notebook = _right(quiz, "s01")
    notebook["metadata"]["quizgen"]["student_id"] = "s99"
    _save(tmp_path / "in" / "late" / "quiz.ipynb", notebook)
    _save(tmp_path / "in" / "José Núñez" / "quiz.ipynb", _right(quiz, "s02"))
    result, rows = _grade(quiz, tmp_path / "in", tmp_path / "g")
    assert "late/quiz.ipynb: student 's99' is not in the key" in result.output
    assert rows["s02"]["percent"] == "100"


def test_names_match_without_accents_or_case():
    from quizgen.grading.notebooks import _named, _names

    roster = [{"student_id": "s1", "name": "José Núñez"}, {"student_id": "s2", "name": "Ana Lima"}]
    names = _names(roster)
    assert [s["student_id"] for s in _named("JOSE_NUNEZ_123_assignsubmission_file_/q.ipynb", names)] == ["s1"]
    assert [s["student_id"] for s in _named("nunez/q.ipynb", names)] == ["s1"]
    assert _named("josefine/q.ipynb", names) == []
