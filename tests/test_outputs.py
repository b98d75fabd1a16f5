"""Output folders are quizgen's own (design.md §6b): a manifest of every file, --force only over an
earlier output of the same command holding nothing else, inputs never written over, and runs that
finish together into one folder losing nothing."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import OutputError
from quizgen.files import atomic_folder, seal

ROOT = Path(__file__).resolve().parent.parent
QUIZ = """title: Short quiz
salt: s1
roster: roster.csv
bank: [mybank]
questions:
  - {id: lstm-layer-total}
  - {id: course-dense-total}
"""
ROSTER = "student_id,name\ns1,Ada\ns2,Bo\ns3,Cy\n"
TEMPLATES = """topic: dense
questions:
  - id: course-dense-total
    title: A dense layer of our course
    tags: [dense, keras]
    difficulty: easy
    type: numeric
    parameters:
      i: {min: 2, max: 20}
      u: {min: 2, max: 20}
    architecture: "Input({{ i }}) -> Dense({{ u }})"
    prompt: How many parameters does `Dense({{ u }})` have on {{ i }} inputs?
    quantity: total
"""


@pytest.fixture
def course(tmp_path, monkeypatch):
    folder = tmp_path / "course"
    (folder / "mybank").mkdir(parents=True)
    (folder / "quiz.yaml").write_text(QUIZ)
    (folder / "roster.csv").write_text(ROSTER)
    (folder / "mybank" / "course.yaml").write_text(TEMPLATES)
    monkeypatch.chdir(folder)
    return folder


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def generate(out: str = "out", *more: str):
    return invoke("generate", "quiz.yaml", "--out", out, "--format", "md", *more)


def files_under(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (relative POSIX path → SHA-256), hashed here, not by quizgen."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def assert_intact(folder: Path, command: str) -> None:
    """The folder holds exactly what its manifest lists, byte for byte, written by ``command``."""
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == command
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    found = files_under(folder)
    found.pop("manifest.json")
    assert found == listed


def one_line_error(result, code: int = 4) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    return result.output


def test_the_manifest_lists_every_file_written_and_the_command(course):
    result = generate()
    assert result.exit_code == 0, result.output
    out = course / "out"
    assert_intact(out, "generate")
    manifest = json.loads((out / "manifest.json").read_text())
    paths = [entry["path"] for entry in manifest["files"]]
    assert paths == sorted(paths) and "key.json" in paths and "students/s2/quiz.md" in paths
    assert manifest["students"] == 3  # what the manifest said before is still there
    (course / "answers.csv").write_text("student_id,Q1,Q2\ns1,1,2\n")
    graded = invoke("grade", "out/key.json", "answers.csv", "--out", "grades")
    assert graded.exit_code == 0, graded.output
    assert_intact(course / "grades", "grade")
    assert "grades.csv" in files_under(course / "grades")


def test_the_same_run_twice_writes_the_same_manifest(course):
    assert generate("a").exit_code == 0 and generate("b").exit_code == 0
    assert (course / "a" / "manifest.json").read_bytes() == (course / "b" / "manifest.json").read_bytes()


def test_the_manifest_is_written_as_json_would_write_it_whole(tmp_path):
    """Sealed an entry at a time, the manifest is byte for byte ``json.dumps`` of the whole of it, its
    files in sorted path order (where "a-c" and "a.txt" sort before the folder "a/")."""
    folder = tmp_path / "out"
    for name in ["a/b/c", "a/b/c-d", "a/b/c.d", "a-c", "a.txt", "\u00e4/\u00e9", "z z"]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(name)
    (folder / "manifest.json").write_text('{"quizgen": "9.9", "students": 2}')
    seal(folder, "generate")
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    files = [
        {"path": n, "sha256": hashlib.sha256((folder / n).read_bytes()).hexdigest()}
        for n in names
        if n != "manifest.json"
    ]
    whole = {"quizgen": "9.9", "students": 2, "command": "generate", "files": files}
    expected = json.dumps(whole, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert (folder / "manifest.json").read_text(encoding="utf-8") == expected
    empty = tmp_path / "empty"
    empty.mkdir()
    seal(empty, "grade")
    written = json.loads((empty / "manifest.json").read_text())
    assert written["files"] == [] and written["command"] == "grade"


# --force with a file quizgen did not write: the user's notes in an earlier output.
def test_force_refuses_a_folder_holding_a_foreign_file_and_names_it(course):
    assert generate().exit_code == 0
    (course / "out" / "NOTES.txt").write_text("my notes")
    message = one_line_error(generate("out", "--force"))
    assert "NOTES.txt" in message and "did not write" in message
    assert (course / "out" / "NOTES.txt").read_text() == "my notes"
    assert_intact_but(course / "out", {"NOTES.txt"})


def assert_intact_but(folder: Path, extra: set[str]) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    found = files_under(folder)
    for name in [*extra, "manifest.json"]:
        found.pop(name)
    assert found == listed


# --force with a subfolder of the user's inside an earlier output.
def test_force_refuses_a_folder_holding_a_foreign_subfolder(course):
    assert generate().exit_code == 0
    (course / "out" / "drafts" / "old").mkdir(parents=True)
    (course / "out" / "drafts" / "old" / "q1.md").write_text("draft")
    (course / "out" / "empty").mkdir()
    message = one_line_error(generate("out", "--force"))
    assert "drafts/" in message and "empty/" in message and "q1.md" not in message
    assert (course / "out" / "drafts" / "old" / "q1.md").read_text() == "draft"


def test_force_names_at_most_five_foreign_files(course):
    assert generate().exit_code == 0
    for k in range(8):
        (course / "out" / f"mine{k}.txt").write_text(str(k))
    message = one_line_error(generate("out", "--force"))
    assert message.count("mine") == 5 and "and 3 more" in message
    assert len(list((course / "out").glob("mine*.txt"))) == 8


def test_force_refuses_a_file_changed_since_quizgen_wrote_it(course):
    assert generate().exit_code == 0
    quiz = course / "out" / "students" / "s1" / "quiz.md"
    quiz.write_text(quiz.read_text() + "\nMy edit.\n")
    message = one_line_error(generate("out", "--force"))
    assert "students/s1/quiz.md" in message and "changed" in message
    assert quiz.read_text().endswith("My edit.\n")


def test_force_replaces_an_earlier_output_holding_only_its_files(course):
    assert generate().exit_code == 0
    (course / "out" / "students" / "s3" / "key.md").unlink()  # a file removed loses nothing
    result = generate("out", "--force")
    assert result.exit_code == 0, result.output
    assert_intact(course / "out", "generate")
    assert [p.name for p in course.iterdir() if p.name.startswith(".")] == []


# grade --force over a generate output, and the reverse.
def test_force_never_replaces_the_output_of_the_other_command(course):
    assert generate().exit_code == 0
    (course / "answers.csv").write_text("student_id,Q1,Q2\ns1,1,2\n")
    assert invoke("grade", "out/key.json", "answers.csv", "--out", "grades").exit_code == 0
    assert invoke("generate", "quiz.yaml", "--out", "quizzes", "--format", "md").exit_code == 0
    before = files_under(course / "quizzes")
    message = one_line_error(invoke("grade", "out/key.json", "answers.csv", "--out", "quizzes", "--force"))
    assert "'quizgen generate'" in message
    assert files_under(course / "quizzes") == before
    grades = files_under(course / "grades")
    message = one_line_error(generate("grades", "--force"))
    assert "'quizgen grade'" in message
    assert files_under(course / "grades") == grades


def test_force_refuses_an_output_of_an_earlier_quizgen_without_a_file_list(course):
    old = course / "old"
    old.mkdir()
    (old / "manifest.json").write_text('{"quizgen": "0.0.9", "students": 3}\n')
    (old / "key.json").write_text("{}")
    message = one_line_error(generate("old", "--force"))
    assert "kept no list of its files" in message and (old / "key.json").exists()


def test_a_hand_broken_manifest_is_refused_in_one_line(course):
    out = course / "weird"
    out.mkdir()
    for text in ('{"command": "generate", "files": [3]}', '{"command": 1}', "[", '{"files": {}}'):
        (out / "manifest.json").write_text(text)
        message = one_line_error(generate("weird", "--force"))
        assert "weird" in message and (out / "manifest.json").read_text() == text


# `quizgen export hw.yaml --format gift --out mybank/course.yaml --force` overwrote a bank template file.
def test_export_never_writes_over_a_bank_file(course):
    before = (course / "mybank" / "course.yaml").read_bytes()
    for target in ("mybank/course.yaml", str(course / "mybank" / "course.yaml"), "mybank/../mybank/course.yaml"):
        result = invoke("export", "quiz.yaml", "--format", "gift", "--out", target, "--force")
        message = one_line_error(result, 5)
        assert "input of this export" in message
    assert (course / "mybank" / "course.yaml").read_bytes() == before
    extra = course / "extra.yaml"
    extra.write_text(TEMPLATES.replace("course-dense-total", "extra-dense-total"))
    result = invoke("export", "quiz.yaml", "--format", "gift", "--out", "extra.yaml", "--force", "--bank", "extra.yaml")
    one_line_error(result, 5)
    assert "extra-dense-total" in extra.read_text()
    assert [p.name for p in course.iterdir() if p.name.startswith(".")] == []


def test_export_never_writes_a_new_template_file_into_a_bank_folder(course):
    message = one_line_error(invoke("export", "quiz.yaml", "--format", "gift", "--out", "mybank/quiz.yaml"), 5)
    assert "bank folder" in message and not (course / "mybank" / "quiz.yaml").exists()
    result = invoke("export", "quiz.yaml", "--format", "gift", "--out", "mybank/quiz.gift")
    assert result.exit_code == 0, result.output


def test_export_never_writes_over_the_roster_or_itself_through_a_link(course):
    (course / "roster-link.csv").symlink_to(course / "roster.csv")
    os.link(course / "quiz.yaml", course / "quiz-hardlink.yaml")
    for target in ("roster-link.csv", "quiz-hardlink.yaml"):
        one_line_error(invoke("export", "quiz.yaml", "--format", "gift", "--out", target, "--force"), 5)
    assert (course / "roster.csv").read_text() == ROSTER and (course / "quiz.yaml").read_text() == QUIZ


def test_generate_force_never_replaces_a_folder_holding_a_bank(course):
    assert generate("out").exit_code == 0
    (course / "out" / "bank").mkdir()
    (course / "out" / "bank" / "extra.yaml").write_text(TEMPLATES.replace("course-dense-total", "in-out"))
    result = invoke("generate", "quiz.yaml", "--out", "out", "--format", "md", "--force", "--bank", "out/bank")
    assert "an input of this command" in one_line_error(result)
    assert (course / "out" / "bank" / "extra.yaml").exists()


# A folder that appears or changes while a run works.
def test_a_folder_that_appears_during_a_run_is_kept_and_the_run_fails(tmp_path):
    out = tmp_path / "cc"
    appeared = pytest.raises(OutputError, match="appeared or changed while this run worked")
    with appeared, atomic_folder(out, False) as scratch:
        (scratch / "ours.txt").write_text("ours")
        out.mkdir()
        (out / "theirs.txt").write_text("theirs")
    assert [p.name for p in tmp_path.iterdir()] == ["cc"]
    assert [p.name for p in out.iterdir()] == ["theirs.txt"]


def test_an_empty_folder_filled_during_a_run_is_kept(tmp_path):
    out = tmp_path / "cc"
    out.mkdir()
    with pytest.raises(OutputError, match="appeared or changed"), atomic_folder(out, False) as scratch:
        (scratch / "ours.txt").write_text("ours")
        (out / "theirs.txt").write_text("theirs")
    assert (out / "theirs.txt").read_text() == "theirs" and len(list(tmp_path.iterdir())) == 1


def test_an_earlier_output_changed_during_a_forced_run_is_kept(tmp_path):
    out = tmp_path / "cc"
    with atomic_folder(out, False) as scratch:
        (scratch / "a.txt").write_text("first")
    with pytest.raises(OutputError, match="appeared or changed"), atomic_folder(out, True) as scratch:
        (scratch / "a.txt").write_text("second")
        (out / "late.txt").write_text("written meanwhile")
    assert (out / "a.txt").read_text() == "first" and (out / "late.txt").read_text() == "written meanwhile"
    assert len(list(tmp_path.iterdir())) == 1


def test_a_forced_run_over_an_output_replaced_meanwhile_keeps_the_newer(tmp_path):
    out = tmp_path / "cc"
    with atomic_folder(out, False) as scratch:
        (scratch / "a.txt").write_text("first")
    with pytest.raises(OutputError, match="appeared or changed"), atomic_folder(out, True) as scratch:
        (scratch / "a.txt").write_text("mine")
        with atomic_folder(out, True) as other:  # another forced run finishing first
            (other / "a.txt").write_text("theirs")
    assert (out / "a.txt").read_text() == "theirs"
    assert_intact(out, "generate")
    assert len(list(tmp_path.iterdir())) == 1


# Three `quizgen generate hw.yaml --out cc` started together into the same new folder.
def test_three_generates_started_together_into_one_new_folder_lose_nothing(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "hw.yaml").write_text((ROOT / "examples" / "homework.yaml").read_text())
    (course / "roster.csv").write_text((ROOT / "examples" / "roster.csv").read_text())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_BACKEND": "torch"}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "quizgen", "generate", "hw.yaml", "--out", "cc", "--format", "md,html"],
            cwd=course,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(run.wait(timeout=600), *run.communicate()) for run in runs]
    succeeded = [out for code, out, _ in outcomes if code == 0]
    failed = [err for code, _, err in outcomes if code != 0]
    assert len(succeeded) == 1, outcomes
    assert "wrote" in succeeded[0] and "30 students" in succeeded[0]
    for err in failed:
        lines = [line for line in err.strip().splitlines() if not line.startswith("quizgen: note:")]
        assert len(lines) == 1 and "Traceback" not in err, err
        assert "cc: " in lines[0] and ("appeared or changed" in lines[0] or "not empty" in lines[0]), err
    assert_intact(course / "cc", "generate")
    assert len(list((course / "cc" / "students").iterdir())) == 30
    assert sorted(p.name for p in course.iterdir()) == ["cc", "hw.yaml", "roster.csv"]


def test_a_preview_never_writes_over_a_template_file(course):
    before = (course / "mybank" / "course.yaml").read_bytes()
    result = invoke("bank", "preview", "course-dense-total", "--bank", "mybank", "--out", "mybank/course.yaml")
    assert "template file of the bank" in one_line_error(result, 2)
    assert (course / "mybank" / "course.yaml").read_bytes() == before
    result = invoke("bank", "preview", "course-dense-total", "--bank", "mybank", "--out", "preview.html")
    assert result.exit_code == 0 and "Dense" in (course / "preview.html").read_text()
