"""What an assignment may ask for, as a user meets it: roster ids that collide ignoring case, pools
that would repeat a template, counts said in words, ipynb in formats, and YAML that is ambiguous
(a key given twice) or deeper than any assignment needs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.bank.loader import read_bank
from quizgen.cli import counted, main
from quizgen.errors import QuizgenError
from quizgen.quiz.assignment import FORMATS, Format, load_assignment

HEAD = "title: Pools\nsalt: s\n"


def write(folder: Path, body: str, roster: str | None = "student_id\n" + "".join(f"s{k}\n" for k in range(30))):
    (folder / "hw.yaml").write_text(body)
    if roster is not None:
        (folder / "roster.csv").write_text(roster)
    return folder / "hw.yaml"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line(result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    return result.output.strip()


# Roster ids A1 and a1 were both accepted: their folders collide on macOS and Windows.
def test_roster_ids_equal_but_for_case_are_refused_naming_both_lines(tmp_path):
    body = HEAD + "roster: roster.csv\nquestions: [{id: lstm-layer-total}]\n"
    path = write(tmp_path, body, "student_id\nA1\nb2\na1\n")
    message = one_line(run("generate", str(path), "--out", str(tmp_path / "out")), 4)
    assert "roster.csv:4:" in message and "'a1'" in message and "'A1' (line 2)" in message
    assert "case" in message and not (tmp_path / "out").exists()


def keys_of(tmp_path: Path, body: str) -> list[list[str]]:
    path = write(tmp_path, body)
    result = run("generate", str(path), "--out", str(tmp_path / "out"), "--format", "md")
    assert result.exit_code == 0, result.output
    key = json.loads((tmp_path / "out" / "key.json").read_text())
    return [[q["template_id"] for q in s["questions"]] for s in key["students"]]


# A pool gave two students the same template as Q1 and Q4.
def test_a_pool_never_draws_a_template_the_quiz_already_has(tmp_path):
    body = HEAD + (
        "roster: roster.csv\nquestions:\n"
        "  - {id: lstm-layer-total}\n"
        "  - {pick: 1, from: [lstm-layer-total, lstm-replaces-rnn, lstm-weight-sets]}\n"
        "  - {pick: 1, from: [lstm-replaces-rnn, lstm-weight-sets, lstm-overfits]}\n"
        "  - {id: lstm-overfits}\n"
    )
    quizzes = keys_of(tmp_path, body)
    assert len(quizzes) == 30
    for ids in quizzes:
        assert len(ids) == 4 and len(set(ids)) == 4, ids
        assert ids[0] == "lstm-layer-total" and ids[3] == "lstm-overfits"
    # Both templates the pools may give are drawn, in both orders, across the class.
    assert {tuple(ids[1:3]) for ids in quizzes} == {
        ("lstm-replaces-rnn", "lstm-weight-sets"),
        ("lstm-weight-sets", "lstm-replaces-rnn"),
    }


def test_a_fixed_template_given_twice_with_count_is_still_allowed(tmp_path):
    quizzes = keys_of(tmp_path, HEAD + "roster: roster.csv\nquestions:\n  - {id: lstm-layer-total, count: 2}\n")
    assert all(ids == ["lstm-layer-total"] * 2 for ids in quizzes)


@pytest.mark.parametrize(
    ("questions", "line"),
    [
        (["{id: lstm-layer-total}", "{pick: 2, from: [lstm-layer-total, lstm-replaces-rnn]}"], 6),
        (
            [
                "{pick: 1, from: [lstm-layer-total, lstm-replaces-rnn]}",
                "{id: lstm-replaces-rnn}",
                "{pick: 1, from: [lstm-layer-total]}",
            ],
            7,
        ),
        (
            [
                "{pick: 2, from: [lstm-layer-total, lstm-replaces-rnn, lstm-overfits]}",
                "{pick: 2, from: [lstm-layer-total, lstm-replaces-rnn, lstm-overfits]}",
            ],
            6,
        ),
    ],
)
def test_a_pool_that_could_run_out_of_others_is_refused_at_load(tmp_path, questions, line):
    body = HEAD + "roster: roster.csv\nquestions:\n" + "".join(f"  - {q}\n" for q in questions)
    path = write(tmp_path, body)
    message = one_line(run("generate", str(path), "--out", str(tmp_path / "out")), 4)
    assert f"hw.yaml:{line}: questions[" in message and "pick" in message and "never gets one template twice" in message
    assert not (tmp_path / "out").exists()


def test_pools_that_always_have_enough_others_are_accepted(tmp_path):
    body = HEAD + (
        "roster: roster.csv\nquestions:\n"
        "  - {pick: 1, from: [lstm-layer-total, lstm-replaces-rnn]}\n"
        "  - {pick: 1, from: [lstm-layer-total, lstm-replaces-rnn]}\n"
    )
    assert all(sorted(ids) == ["lstm-layer-total", "lstm-replaces-rnn"] for ids in keys_of(tmp_path, body))


# The summary said "(6 items each)" where one student had 8, and messages said "1 items".
def test_the_summary_gives_the_range_of_items_when_students_differ(tmp_path):
    body = HEAD + (
        "roster: roster.csv\nquestions:\n"
        "  - {id: lstm-layer-total}\n"
        "  - {pick: 1, from: [gru-breakdown, lstm-replaces-rnn]}\n"  # 3 parts, or 1 item
    )
    path = write(tmp_path, body)
    result = run("generate", str(path), "--out", str(tmp_path / "out"), "--format", "md")
    assert result.exit_code == 0, result.output
    key = json.loads((tmp_path / "out" / "key.json").read_text())
    sizes = Counter(len(s["questions"]) for s in key["students"])
    assert set(sizes) == {2, 4}
    assert "for 30 students (2–4 items each)" in result.output


def test_one_of_anything_is_singular(tmp_path):
    path = write(tmp_path, HEAD + "variants: 1\nquestions: [{id: lstm-layer-total}]\n", None)
    result = run("generate", str(path), "--out", str(tmp_path / "out"), "--format", "md")
    assert result.exit_code == 0, result.output
    assert "for 1 student (1 item each)" in result.output and "1 students" not in result.output
    assert (counted(1, "file"), counted(2, "file"), counted(6, "item", 8), counted(6, "item", 6)) == (
        "1 file",
        "2 files",
        "6–8 items",
        "6 items",
    )


# The README said formats: takes ipynb; the validator refused it and --help did not list it.
def test_ipynb_in_formats_is_accepted_and_written(tmp_path):
    path = write(tmp_path, HEAD + "roster: roster.csv\nformats: [md, ipynb]\nquestions: [{id: lstm-layer-total}]\n")
    result = run("generate", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    notebook = json.loads((tmp_path / "out" / "students" / "s0" / "quiz.ipynb").read_text())
    assert notebook["nbformat"] == 4 and (tmp_path / "out" / "students" / "s0" / "quiz.md").exists()


def test_every_format_is_accepted_by_the_assignment_listed_in_help_and_in_readme():
    from typing import get_args

    assert tuple(get_args(Format)) == FORMATS
    assert "ipynb" in FORMATS
    help_text = "".join(run("generate", "--help").output.split())  # click may wrap the list at a hyphen
    assert ",".join(FORMATS) in help_text
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "| `formats` | no (md, html) | any of " + ", ".join(f"`{f}`" for f in FORMATS) + " |" in readme
    schema = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "assignment.schema.json").read_text())
    assert "ipynb" in json.dumps(schema)


# Duplicate keys in YAML (title: twice) were taken silently, last one wins.
def test_a_key_given_twice_in_an_assignment_is_an_error_naming_both_lines(tmp_path):
    body = "title: First\nsalt: s\ntitle: Second\nroster: roster.csv\nquestions: [{id: lstm-layer-total}]\n"
    path = write(tmp_path, body)
    message = one_line(run("generate", str(path), "--out", str(tmp_path / "out")), 4)
    assert message.endswith("hw.yaml:3: yaml: the key 'title' is given twice (lines 1 and 3); keep one")


def test_a_key_given_twice_in_a_template_is_an_error_naming_both_lines(tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "topic: dense\nquestions:\n  - id: twice\n    title: A\n    type: numeric\n"
        "    prompt: p\n    quantity: total\n    architecture: Input(3) -> Dense(2)\n    title: B\n"
    )
    result = run("bank", "validate", str(bank))
    assert result.exit_code == 3, result.output
    assert "bank.yaml:9: yaml: the key 'title' is given twice (lines 4 and 9)" in result.output


@pytest.mark.parametrize(
    "body",
    [
        "title: " + "[" * 3000 + "]" * 3000 + "\n",
        "title: " + "[" * 100 + "]" * 100 + "\n",
        "title:\n" + "".join("  " * k + "a:\n" for k in range(1, 200)) + "  " * 200 + "b: 1\n",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)),
    ],
    ids=["flow-3000", "flow-100", "block-200", "aliases-10-million"],
)
def test_deep_or_exploding_yaml_is_one_line_error(tmp_path, body):
    path = write(tmp_path, body)
    message = one_line(run("generate", str(path), "--out", str(tmp_path / "out")), 4)
    assert "hw.yaml:" in message and ("nested" in message or "nesting" in message or "values" in message), message
    bank = tmp_path / "bank.yaml"
    bank.write_text(body.replace("title", "topic"))
    result = run("bank", "validate", str(bank))
    assert result.exit_code == 3 and "Traceback" not in result.output and "bank.yaml:" in result.output


def test_yaml_nested_as_deep_as_a_template_needs_still_loads(tmp_path):
    path = write(tmp_path, HEAD + "roster: roster.csv\nquestions: [{id: lstm-layer-total}]\nbank: " + "[" * 1 + "]" * 1)
    assert load_assignment(path).spec.title == "Pools"
    questions = [{"id": "lstm-layer-total"}]
    nested = yaml.safe_dump({"title": "t", "salt": "s", "roster": "roster.csv", "questions": questions, "x": _nest(50)})
    path.write_text(nested)
    with pytest.raises(QuizgenError, match="x: unknown field"):  # read, then refused for what it says
        load_assignment(path)


def _nest(depth: int) -> object:
    value: object = 1
    for k in range(depth):
        value = [value] if k % 2 else {"k": value}
    return value


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["title", "questions", "roster", "salt", "id", "pick", "from", "points", "lstm-layer-total"]),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(st.sampled_from(["title", "salt", "questions", "roster", "formats", "id", "type"]), st.text()),
            children,
            max_size=5,
        ),
    ),
    max_leaves=60,
)


def _as_yaml(tree: object, deep: int, duplicate: bool, junk: str) -> str:
    text = yaml.safe_dump(tree, allow_unicode=True) if deep == 0 else "x: " + "[" * deep + "]" * deep + "\n"
    if duplicate and isinstance(tree, dict) and tree:
        text += text.splitlines()[0] + "\n"
    return text + junk


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    tree=trees,
    deep=st.sampled_from([0, 0, 0, 63, 65, 2000]),
    duplicate=st.booleans(),
    junk=st.sampled_from(["", "\t", "{", "- ]", "&a\n", "*b\n", "!!python/object:os.system x\n", "\x00"]),
)
def test_random_yaml_trees_never_give_a_traceback(tmp_path, tree, deep, duplicate, junk):
    text = _as_yaml(tree, deep, duplicate, junk)
    path = tmp_path / "random.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student_id\ns1\n")
    try:
        load_assignment(path)
    except QuizgenError as error:
        assert "\n" not in str(error) and str(error).startswith(str(path))
    _bank, problems = read_bank([path])
    for problem in problems:
        assert "\n" not in str(problem) and str(problem).startswith(str(path))
    result = run("bank", "list", "--no-builtin-bank", "--bank", str(path))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
