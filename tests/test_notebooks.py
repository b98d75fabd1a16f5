"""Jupyter: quizzes as notebooks, graded back from a folder of returned notebooks; counts in a notebook."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen import count
from quizgen.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("nb") / "out"
    result = CliRunner().invoke(
        main, ["generate", str(EXAMPLES / "homework.yaml"), "--out", str(out), "--format", "ipynb"]
    )
    assert result.exit_code == 0, result.output
    return out


def _answer(notebook: dict, label: str, text: str) -> None:
    for cell in notebook["cells"]:
        if cell["metadata"].get("quizgen", {}).get("label") == label:
            cell["source"] = [f"{label} = {text}\n"]
            return
    raise AssertionError(label)


def test_every_notebook_is_valid_and_holds_no_answer(generated):
    import nbformat

    key = json.loads((generated / "key.json").read_text())
    for student in key["students"]:
        path = generated / "students" / student["student_id"] / "quiz.ipynb"
        notebook = nbformat.read(str(path), as_version=4)
        nbformat.validate(notebook)
        text = path.read_text()
        for q in student["questions"]:
            assert q["derivation"] not in text or not q["derivation"]
        labels = [c.metadata["quizgen"]["label"] for c in notebook.cells if "quizgen" in c.metadata]
        assert labels == [q["label"] for q in student["questions"]]


def test_returned_notebooks_are_graded(generated, tmp_path):
    key = json.loads((generated / "key.json").read_text())
    returned = tmp_path / "returned"
    returned.mkdir()
    expected = {}
    for n, student in enumerate(key["students"][:4]):
        sid = student["student_id"]
        notebook = json.loads((generated / "students" / sid / "quiz.ipynb").read_text())
        first = student["questions"][0]
        if n == 0:
            for q in student["questions"]:
                _answer(notebook, q["label"], repr(q["answer"]) if isinstance(q["answer"], str) else str(q["answer"]))
            expected[sid] = "100"
        elif n == 1:
            mistake, value = next(iter(first["misconceptions"].items()))
            _answer(notebook, first["label"], str(value))
            expected[sid] = mistake
        elif n == 2:
            _answer(notebook, first["label"], "'no idea'")
            expected[sid] = "unreadable"
        else:
            notebook["cells"][0]["source"] = ["# my own title\n"]
        (returned / f"{sid}.ipynb").write_text(json.dumps(notebook))
    (returned / "other.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    result = CliRunner().invoke(
        main, ["grade", str(generated / "key.json"), str(returned), "--out", str(tmp_path / "g")]
    )
    assert result.exit_code == 0, result.output
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "g" / "grades.csv").read_text()))}
    ids = [s["student_id"] for s in key["students"][:4]]
    assert rows[ids[0]]["percent"] == "100"
    feedback = (tmp_path / "g" / "feedback" / f"{ids[1]}.md").read_text()
    assert key["students"][1]["questions"][0]["misconception_feedback"][expected[ids[1]]][:40] in feedback
    assert "Could not read 'no idea'" in (tmp_path / "g" / "feedback" / f"{ids[2]}.md").read_text()
    assert rows[ids[3]]["status"] == "no submission"
    assert f"{ids[3]}: quizgen's cell 'intro' (# my own title) was edited; only answer cells may" in result.output
    assert "other.ipynb: not a notebook written by quizgen" in result.output


def test_a_notebook_runs(generated, tmp_path):
    require("nbclient")
    import nbformat
    from nbclient import NotebookClient

    path = tmp_path / "quiz.ipynb"
    shutil.copy(generated / "students" / "s001" / "quiz.ipynb", path)
    notebook = nbformat.read(str(path), as_version=4)
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")


def test_a_count_shows_as_a_table_in_a_notebook():
    model = count("Input(50, 8) -> LSTM(20) -> Dense(3)")
    html = model._repr_html_()
    assert "<table>" in html and "4·20·(8+20+1) = 2320" in html and "112,060" in html
    markdown = model._repr_markdown_()
    assert "| 2 | LSTM(20) | 20 | 2,320 | 112,000 | 4·20·(8+20+1) = 2320 |" in markdown


def test_untouched_cells_are_blank_and_comments_are_not_answers(generated, tmp_path):
    key = json.loads((generated / "key.json").read_text())
    student = next(s for s in key["students"] if any(q["type"] == "multiple_choice" for q in s["questions"]))
    notebook = json.loads((generated / "students" / student["student_id"] / "quiz.ipynb").read_text())
    choice = next(q for q in student["questions"] if q["type"] == "multiple_choice")
    numeric = next(q for q in student["questions"] if q["type"] == "numeric")
    _answer(notebook, numeric["label"], f"{numeric['answer']}  # my count, with a # and a ' inside")
    returned = tmp_path / "returned"
    returned.mkdir()
    (returned / "nb.ipynb").write_text(json.dumps(notebook))
    result = CliRunner().invoke(
        main, ["grade", str(generated / "key.json"), str(returned), "--out", str(tmp_path / "g")]
    )
    assert result.exit_code == 0, result.output
    feedback = (tmp_path / "g" / "feedback" / f"{student['student_id']}.md").read_text()
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
    assert summary["graded"] == 1 and "Could not read" not in feedback
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "g" / "grades.csv").read_text()))}
    assert float(rows[student["student_id"]][numeric["label"]]) == numeric["points"]
    assert float(rows[student["student_id"]][choice["label"]]) == 0


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 9) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["cells", "metadata", "quizgen", "student_id", "source", "fingerprint"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(JSONISH | st.binary(max_size=40), min_size=1, max_size=3))
def test_any_folder_of_files_is_graded_or_refused_in_one_line(tmp_path_factory, generated, contents):
    from quizgen.errors import QuizgenError
    from quizgen.grading.run import grade

    folder = tmp_path_factory.mktemp("junk")
    for n, content in enumerate(contents):
        data = content if isinstance(content, bytes) else json.dumps(content).encode()
        (folder / f"n{n}.ipynb").write_bytes(data)
    try:
        grade(generated / "key.json", folder, folder / "out")
    except QuizgenError as error:
        assert "\n" not in str(error)
