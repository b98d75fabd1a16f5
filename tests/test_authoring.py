"""An instructor's own templates: the authoring tutorial run as written, banks, schemas, starters."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from tests_support import run_doc_commands

from quizgen.cli import main
from quizgen.quiz.json_schemas import schema_text

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")


def test_the_tutorial_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schemas").mkdir()
    assert len(run_doc_commands(TUTORIAL, tmp_path)) >= 8
    key = json.loads((tmp_path / "out" / "key.json").read_text())
    assert any(entry["file"].endswith("lstm-hidden-size.yaml") for entry in key["bank"])
    assert key["students"][0]["questions"][0]["template_id"] == "lstm-hidden-size"
    grades = (tmp_path / "grades" / "grades.csv").read_text()
    assert grades.startswith("student_id,name,Q1,Q2,total")
    assert (
        "mistake" in (tmp_path / "preview.html").read_text()
        or "wrong answer" in (tmp_path / "preview.html").read_text()
    )


def _course(tmp_path: Path, assignment_extra: str = "") -> Path:
    bank = tmp_path / "mine"
    result = CliRunner().invoke(main, ["bank", "new", "my-own", "--bank", str(bank)])
    assert result.exit_code == 0, result.output
    (tmp_path / "roster.csv").write_text("student_id\na1\na2\n")
    (tmp_path / "quiz.yaml").write_text(
        f"title: t\nsalt: s\nroster: roster.csv\n{assignment_extra}"
        "questions:\n  - {id: my-own}\n  - {id: dense-layer}\n"
    )
    return bank


def test_a_bank_named_in_the_assignment_or_on_the_command_line(tmp_path):
    bank = _course(tmp_path, "bank: [mine]\n")
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "quiz.yaml"), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    (tmp_path / "quiz.yaml").write_text((tmp_path / "quiz.yaml").read_text().replace("bank: [mine]\n", ""))
    missing = CliRunner().invoke(main, ["generate", str(tmp_path / "quiz.yaml"), "--out", str(tmp_path / "b")])
    assert missing.exit_code == 4 and "no question 'my-own'" in missing.output
    flag = ["generate", str(tmp_path / "quiz.yaml"), "--out", str(tmp_path / "c"), "--bank", str(bank)]
    assert CliRunner().invoke(main, flag).exit_code == 0
    only_mine = CliRunner().invoke(main, [*flag[:3], str(tmp_path / "d"), "--bank", str(bank), "--no-builtin-bank"])
    assert only_mine.exit_code == 4 and "no question 'dense-layer'" in only_mine.output
    export = ["export", str(tmp_path / "quiz.yaml"), "--format", "gift", "--out", str(tmp_path / "q.gift")]
    assert CliRunner().invoke(main, [*export, "--bank", str(bank)]).exit_code == 0
    key_a = json.loads((tmp_path / "a" / "key.json").read_text())
    key_c = json.loads((tmp_path / "c" / "key.json").read_text())
    assert key_a["students"] == key_c["students"]


def test_a_colliding_id_names_both_files(tmp_path):
    bank = _course(tmp_path)
    (bank / "clash.yaml").write_text(
        (ROOT / "question_bank" / "stacks.yaml").read_text().replace("topic: stacks", "topic: mine")
    )
    result = CliRunner().invoke(
        main, ["generate", str(tmp_path / "quiz.yaml"), "--out", str(tmp_path / "o"), "--bank", str(bank)]
    )
    assert result.exit_code == 3
    assert "clash.yaml" in result.output and "question_bank/stacks.yaml" in result.output


def test_starters_validate_as_written(tmp_path):
    for kind in ("numeric", "multiple_choice", "multi_part"):
        result = CliRunner().invoke(
            main, ["bank", "new", f"starter-{kind.replace('_', '-')}", "--type", kind, "--bank", str(tmp_path)]
        )
        assert result.exit_code == 0, result.output
    validated = CliRunner().invoke(main, ["bank", "validate", str(tmp_path), "--seeds", "20"])
    assert validated.exit_code == 0 and "3 templates sound" in validated.output, validated.output
    again = CliRunner().invoke(main, ["bank", "new", "starter-numeric", "--bank", str(tmp_path)])
    assert again.exit_code == 3 and "already a template" in again.output
    taken = CliRunner().invoke(main, ["bank", "new", "lstm-layer-total", "--bank", str(tmp_path / "x")])
    assert taken.exit_code == 3 and "already a template" in taken.output


@pytest.mark.parametrize("kind", ["template", "assignment"])
def test_kept_schemas_are_the_generated_ones(kind):
    assert (ROOT / "schemas" / f"{kind}.schema.json").read_text() == schema_text(kind)


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / f"{kind}.schema.json").read_text()))


@pytest.mark.parametrize("path", sorted((ROOT / "question_bank").glob("*.yaml")), ids=lambda p: p.name)
def test_bank_files_follow_the_template_schema(path):
    assert path.read_text().startswith("# yaml-language-server: $schema=../schemas/template.schema.json")
    errors = list(_validator("template").iter_errors(yaml.safe_load(path.read_text())))
    assert not errors, [e.message for e in errors]


def test_examples_follow_the_assignment_schema():
    data = yaml.safe_load((ROOT / "examples" / "homework.yaml").read_text())
    assert not list(_validator("assignment").iter_errors(data))


@pytest.mark.parametrize(
    ("kind", "broken"),
    [
        (
            "template",
            {
                "topic": "t",
                "questions": [{"id": "Bad Id", "title": "x", "difficulty": "easy", "type": "numeric", "prompt": "p"}],
            },
        ),
        (
            "template",
            {
                "topic": "t",
                "questions": [
                    {
                        "id": "ok",
                        "title": "x",
                        "difficulty": "hard",
                        "type": "numeric",
                        "prompt": "p",
                        "quantity": "totl",
                    }
                ],
            },
        ),
        (
            "template",
            {
                "topic": "t",
                "questions": [
                    {"id": "ok", "title": "x", "difficulty": "easy", "type": "numeric", "prompt": "p", "answr": 3}
                ],
            },
        ),
        ("assignment", {"title": "t", "salt": "s", "variants": 3, "questions": [{"id": "x", "points": -1}]}),
        ("assignment", {"title": "t", "salt": "s", "questions": [{"id": "x"}], "colour": "red"}),
    ],
)
def test_schemas_reject_broken_files(kind, broken):
    assert list(_validator(kind).iter_errors(broken))
