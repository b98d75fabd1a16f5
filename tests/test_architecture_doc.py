"""docs/architecture.md stays true: its recipes' commands run, and what it names is where it says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests_support import run_doc_commands

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _defines(path: Path, name: str) -> bool:
    return re.search(rf"^\s*(def|class) {name}\b|^{name}\b.*=", path.read_text(encoding="utf-8"), re.M) is not None


def test_every_recipe_command_runs_as_written(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    ran = run_doc_commands(PAGE, tmp_path)
    assert len(ran) == 10, ran
    assert (tmp_path / "out" / "hw" / "lms" / "quiz.gift").exists()
    assert (tmp_path / "quiz.gift").read_text(encoding="utf-8").startswith("// Homework 3")
    assert (tmp_path / "course_bank" / "my-question.yaml").exists()


def _named_files() -> set[str]:
    found = re.findall(r"(?<![\w/.])((?:quizgen|tests|docs|question_bank|benchmarks)/[^\s`)\]',]*)", PAGE)
    return {path.rstrip("/.") for path in found if "<" not in path}


def test_the_page_names_files_that_exist():
    named = _named_files()
    assert len(named) >= 20
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


@pytest.mark.parametrize(
    ("relative", "name"),
    sorted(set(re.findall(r"^\s+(?:-> )?([a-z_]+/[a-z_]+\.py)\s+([A-Za-z_]+)", PAGE, re.M))),
)
def test_each_step_of_the_data_flows_is_where_the_page_says(relative, name):
    path = ROOT / "quizgen" / relative
    assert path.exists(), relative
    assert not name or _defines(path, name), f"{relative} defines no {name}"


@pytest.mark.parametrize(
    ("name", "relative"), sorted(set(re.findall(r"`([A-Za-z_]+)` in `(quizgen/[\w/]+\.py)`", PAGE)))
)
def test_each_registry_the_recipes_name_is_where_they_say(name, relative):
    assert _defines(ROOT / relative, name), f"{relative} defines no {name}"
