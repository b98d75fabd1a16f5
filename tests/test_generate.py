"""`quizgen generate`: the output folder, key.json, leak-free student files, determinism, errors."""

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.cli import main
from quizgen.errors import AssignmentError, ExportError
from quizgen.export import EXPORTERS, together
from quizgen.export.common import slots_of
from quizgen.export.sink import export_bytes
from quizgen.publish.generate import export_file, generate, key_for
from quizgen.quiz.keystream import KeyWriter, question_number

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def homework(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "out"
    secret = tmp_path_factory.mktemp("s") / "secret.txt"
    secret.write_text("course secret\n")
    generate(EXAMPLES / "homework.yaml", out, secret_file=secret, practice=True)
    return out, secret


def test_output_folder_layout(homework):
    out, _ = homework
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["students"] == 30 and manifest["secret"] == "file"
    assert "course secret" not in (out / "manifest.json").read_text()
    assert len(manifest["bank_sha256"]) == 64
    for name in ("key.json", "key.md", "key.html", "quizzes.html"):
        assert (out / name).is_file()
    student = out / "students" / "s001"
    for name in ("quiz.md", "quiz.html", "key.md", "key.html", "practice.html", "diagrams/q1.svg"):
        assert (student / name).is_file(), name


def test_key_json_has_every_contract_field(homework):
    key = json.loads((homework[0] / "key.json").read_text())
    assert key["assignment"].startswith("Homework 3")
    assert [s["student_id"] for s in key["students"]] == [f"s{n:03d}" for n in range(1, 31)]
    for student in key["students"]:
        labels = [q["label"] for q in student["questions"]]
        assert labels[:3] == ["Q1a", "Q1b", "Q1c"] and "Q10" in labels
        for q in student["questions"]:
            for field in (
                "label",
                "template_id",
                "type",
                "points",
                "answer",
                "tolerance",
                "options",
                "derivation",
                "misconceptions",
            ):
                assert field in q, (field, q["label"])
            assert q["type"] in ("numeric", "multiple_choice")
            if q["type"] == "multiple_choice":
                assert q["answer"] in q["options"]
            if q["template_id"] != "lstm-gradients-reach-all-gates" and "spec" in q:
                assert q["framework"] in ("keras", "pytorch")
                assert re.match(r"^(total|trainable|ratio|compare|units\[\d+\]|layer\[\d+\](\.\w+)?)$", q["quantity"])
    first = key["students"][0]["questions"]
    assert first[1]["quantity"] == "layer[2]" and first[1]["answer"] == 4 * first[1]["params"]["h"] * (
        first[1]["params"]["i"] + first[1]["params"]["h"] + 1
    )


def _visible(text):
    """Text a reader sees: no CSS, no tags or attributes (SVG coordinates are not content)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", text, flags=re.S)))


def _numbers(text):
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*\d|\d", text)}


def test_student_files_hold_no_answers_or_solutions(homework):
    out, _ = homework
    key = json.loads((out / "key.json").read_text())
    for student in key["students"]:
        folder = out / "students" / student["student_id"]
        files = [folder / "quiz.md", folder / "quiz.html", *sorted((folder / "diagrams").glob("*.svg"))]
        text = "\n".join(_visible(f.read_text()) for f in files)
        public = " ".join(
            [
                q.get("stem", "") + " " + q["prompt"] + " " + " ".join(q["options"].values())
                for q in student["questions"]
            ]
            + [q.get("spec", "") + " " + q.get("spec_b", "") for q in student["questions"]]
        )
        allowed = _numbers(public) | {str(n) for n in range(0, 30)} | _numbers(student["student_id"])
        for q in student["questions"]:
            if q["derivation"]:
                assert q["derivation"] not in text, (student["student_id"], q["label"])
            for line in q.get("solution", []):
                assert line not in text
            for fb in q["misconception_feedback"].values():
                assert fb not in text
            if q["type"] == "numeric":
                answer = str(q["answer"]).removesuffix(".0")
                if answer not in _numbers(public):
                    assert answer not in _numbers(text), (student["student_id"], q["label"], answer)
        assert _numbers(text) <= allowed, _numbers(text) - allowed


def test_same_inputs_give_byte_identical_output(homework, tmp_path):
    out, secret = homework
    again = tmp_path / "again"
    generate(EXAMPLES / "homework.yaml", again, secret_file=secret, practice=True)
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_another_secret_gives_other_variants(homework, tmp_path):
    out, _ = homework
    other = tmp_path / "secret2"
    other.write_text("another secret")
    generate(EXAMPLES / "homework.yaml", tmp_path / "o", secret_file=other, formats=["md"])
    a = json.loads((out / "key.json").read_text())["students"][0]["questions"]
    b = json.loads((tmp_path / "o" / "key.json").read_text())["students"][0]["questions"]
    assert [q["params"] for q in a] != [q["params"] for q in b]


def test_non_empty_folder_is_refused_without_force(homework, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["generate", str(EXAMPLES / "homework.yaml"), "--out", str(out)])
    assert result.exit_code == 4 and "not empty" in result.output and (out / "notes.txt").exists()
    force = ["generate", str(EXAMPLES / "homework.yaml"), "--out", str(out), "--force", "--format", "md"]
    result = CliRunner().invoke(main, force)
    assert result.exit_code == 4 and "not a folder quizgen wrote" in result.output
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    assert CliRunner().invoke(main, force).exit_code == 0
    (out / "students" / "extra.txt").write_text("put there since")
    result = CliRunner().invoke(main, force)
    assert result.exit_code == 4 and "students/extra.txt" in result.output
    assert (out / "students" / "extra.txt").read_text() == "put there since"
    (out / "students" / "extra.txt").unlink()
    result = CliRunner().invoke(main, force)
    assert result.exit_code == 0, result.output


def test_failed_run_leaves_nothing_behind(tmp_path):
    broken = tmp_path / "tpl"
    broken.mkdir()
    (broken / "quiz.md").write_text("{{ no_such_variable }}")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["generate", str(EXAMPLES / "homework.yaml"), "--out", str(out), "--templates", str(broken)]
    )
    assert result.exit_code != 0 and "no_such_variable" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [broken]


def test_course_templates_override_the_built_ins(tmp_path):
    mine = tmp_path / "tpl"
    mine.mkdir()
    (mine / "quiz.md").write_text("# {{ title }} for {{ quiz.student.student_id }}\n")
    generate(EXAMPLES / "homework.yaml", tmp_path / "out", formats=["md"], templates=mine)
    assert (tmp_path / "out/students/s002/quiz.md").read_text().startswith("# Homework 3")
    assert "for s002" in (tmp_path / "out/students/s002/quiz.md").read_text()


def test_course_templates_run_in_a_sandbox(tmp_path):
    """A course's templates cannot reach Python's internals (the built-in ones need no sandbox)."""
    mine = tmp_path / "tpl"
    mine.mkdir()
    (mine / "quiz.md").write_text("{{ quiz.__class__.__init__.__globals__ }}\n")
    with pytest.raises(ExportError, match="unsafe"):
        generate(EXAMPLES / "homework.yaml", tmp_path / "out", formats=["md"], templates=mine)
    assert not (tmp_path / "out").exists()


def _assignment(tmp_path, body, roster=None):
    if roster is not None:
        (tmp_path / "roster.csv").write_text(roster)
    path = tmp_path / "a.yaml"
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    ("body", "roster", "expected"),
    [
        (
            "title: t\nsalt: s\nroster: roster.csv\nquestions:\n"
            "  - {id: lstm-layer-total}\n  - {id: lstm-layer-totl}\n",
            "student_id\na1\n",
            "a.yaml:6: questions[1]: no question 'lstm-layer-totl' in the bank (did you mean",
        ),
        (
            "title: t\nsalt: s\nroster: roster.csv\nquestions:\n  - {id: lstm-layer-total}\n",
            "id,name\na1,A\n",
            "roster.csv:1: no 'student_id' column",
        ),
        (
            "title: t\nsalt: s\nroster: roster.csv\nquestions:\n  - {id: lstm-layer-total}\n",
            "student_id\na1\na2\na1\n",
            "roster.csv:4: student_id 'a1' appears twice (first on line 2)",
        ),
        (
            "title: t\nsalt: s\nroster: roster.csv\nquestions:\n  - {id: lstm-layer-total}\n",
            "student_id,name\n",
            "roster.csv:2: the roster has a header but no students",
        ),
        (
            "title: t\nsalt: s\nroster: roster.csv\nquestions:\n  - {id: lstm-layer-total}\n",
            "",
            "roster.csv:1: the roster is empty",
        ),
        (
            "title: t\nsalt: s\nroster: missing.csv\nquestions:\n  - {id: lstm-layer-total}\n",
            None,
            "a.yaml:3: roster: no such file",
        ),
        (
            "title: t\nsalt: s\nvariants: 3\nquestions:\n  - {id: lstm-layer-total, pointz: 2}\n",
            None,
            "a.yaml:5: questions.0.pointz: unknown field",
        ),
        (
            "title: t\nsalt: s\nvariants: 3\nquestions:\n  - {pick: 99, from: ['tag:gru']}\n",
            None,
            "a.yaml:5: questions[0]: pick 99 from ['tag:gru'], but only",
        ),
    ],
)
def test_bad_assignments_give_one_line_errors(tmp_path, body, roster, expected):
    path = _assignment(tmp_path, body, roster)
    result = CliRunner().invoke(main, ["generate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == AssignmentError.exit_code, result.output
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_anonymous_variants_for_lms_pools(tmp_path):
    path = _assignment(tmp_path, "title: Pool\nsalt: p\nvariants: 12\nquestions:\n  - {id: gru-pytorch, count: 2}\n")
    generate(path, tmp_path / "out", formats=["md"])
    key = json.loads((tmp_path / "out/key.json").read_text())
    assert [s["student_id"] for s in key["students"]] == [f"V{n:03d}" for n in range(1, 13)]
    assert [q["label"] for q in key["students"][0]["questions"]] == ["Q1", "Q2"]
    assert key["students"][0]["questions"][0]["params"] != key["students"][0]["questions"][1]["params"]


def test_trace_finds_the_student_whose_numbers_leaked(homework):
    out, _ = homework
    key = json.loads((out / "key.json").read_text())
    victim = key["students"][17]
    question = next(q for q in victim["questions"] if q["label"] == "Q3")
    leaked = f"Help!! {question['prompt']}"
    result = CliRunner().invoke(main, ["trace", str(out / "key.json"), leaked, "--limit", "3"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith(victim["student_id"])


def test_worker_processes_write_the_same_files(homework, tmp_path):
    out, secret = homework
    parallel = tmp_path / "parallel"
    generate(EXAMPLES / "homework.yaml", parallel, secret_file=secret, practice=True, jobs=2)
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = {p.relative_to(parallel): p.read_bytes() for p in parallel.rglob("*") if p.is_file()}
    assert first == second


@pytest.mark.parametrize("command", ["generate", "export"])
def test_unwritable_output_is_one_line(command):
    target = "/proc/quizgen-cannot-write-here"
    args = [command, str(EXAMPLES / "homework.yaml"), "--out", target]
    if command == "export":
        args += ["--format", "gift"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 4, result.output
    assert result.output.strip() == f"quizgen: {target}: cannot write: No such file or directory"


def test_trace_groups_the_parts_of_a_question(homework):
    out, _ = homework
    key = json.loads((out / "key.json").read_text())
    victim = key["students"][4]
    stem = next(q["stem"] for q in victim["questions"] if q["label"] == "Q1a")
    recurrent = next(q["answer"] for q in victim["questions"] if q["label"] == "Q1a")
    result = CliRunner().invoke(main, ["trace", str(out / "key.json"), f"{stem} Is it {recurrent:,}?"])
    first = result.output.splitlines()[0].split()
    assert first[:2] == [victim["student_id"], "Q1"]


def test_key_json_is_written_as_one_dump_of_the_whole_key_would_be(homework):
    text = (homework[0] / "key.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_lms_files_from_the_spooled_key_equal_those_of_a_key_held_whole(homework, tmp_path):
    """generate and export read the key back one question at a time; the exporters given the whole
    key in memory write the same bytes."""
    out, secret = homework
    assert not (out / ".key-spool").exists()
    key = key_for(EXAMPLES / "homework.yaml", secret_file=secret)
    names = {"moodle": "moodle.xml", "gift": "quiz.gift", "qti12": "canvas-qti12.zip", "qti21": "qti21.zip"}
    for fmt, name in names.items():
        whole = export_bytes(EXPORTERS[fmt], key)[name]
        assert whole == (out / "lms" / name).read_bytes(), fmt
        exported = tmp_path / name
        export_file(EXAMPLES / "homework.yaml", fmt, exported, secret_file=secret)
        assert exported.read_bytes() == whole, fmt
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names.values())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(
    head=st.dictionaries(st.text(max_size=8).filter(lambda k: k != "students"), _JSON, max_size=4),
    entries=st.lists(
        st.fixed_dictionaries(
            {
                "student_id": st.text(max_size=6),
                "questions": st.lists(
                    st.fixed_dictionaries(
                        {
                            "label": st.sampled_from(["Q1", "Q2a", "Q2b", "Q10"]),
                            "template_id": st.sampled_from(["t-one", "t-two"]),
                            "x": _JSON,
                        }
                    ),
                    max_size=4,
                ),
            },
            optional={"name": st.text(max_size=6)},
        ),
        max_size=4,
    ),
)
def test_key_writer_writes_what_json_dump_writes(head, entries, tmp_path_factory):
    folder = tmp_path_factory.mktemp("key")
    writer = KeyWriter(head, folder / "key.json", folder / "spool")
    for entry in entries:
        writer.add(entry)
    spooled = writer.close()
    whole = {**head, "students": entries}
    expected = json.dumps(whole, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert (folder / "key.json").read_text(encoding="utf-8") == expected
    assert dict(spooled) == head
    # Each numbered question's variants, by the template of their first item, in roster order.
    expected_spools: dict[tuple[int, str], list] = {}
    for e in entries:
        own: dict[int, list] = {}
        for q in e["questions"]:
            own.setdefault(question_number(q["label"]), []).append(q)
        for number, items in own.items():
            expected_spools.setdefault((number, items[0]["template_id"]), []).append((e["student_id"], items))
    read_back = {
        (number, template): list(spooled.entries(number, template))
        for number, templates in spooled.templates.items()
        for template in templates
    }
    assert read_back == expected_spools
    assert spooled.numbers == sorted({number for number, _ in expected_spools})
    for (number, template), rows in expected_spools.items():
        assert spooled.first(number, template) == rows[0]


def test_an_exporter_failing_while_formats_are_written_together_fails_the_run_with_its_error(tmp_path, monkeypatch):
    def broken(key, sink):
        for _ in slots_of(key):
            raise RuntimeError("exporter broke on its first question")

    monkeypatch.setitem(EXPORTERS, "gift", broken)
    with pytest.raises(ExportError, match="exporter broke on its first question"):
        generate(EXAMPLES / "homework.yaml", tmp_path / "out", formats=["moodle", "gift"])
    assert not (tmp_path / "out").exists()


def test_an_exporter_out_of_step_with_the_others_is_an_error_not_a_hang(tmp_path, monkeypatch):
    monkeypatch.setattr(together, "STEP_TIMEOUT", 2.0)

    def stops_early(key, sink):
        next(iter(slots_of(key)))

    monkeypatch.setitem(EXPORTERS, "gift", stops_early)
    with pytest.raises(ExportError, match="out of step"):
        generate(EXAMPLES / "homework.yaml", tmp_path / "out", formats=["moodle", "gift"])
    assert not (tmp_path / "out").exists()


def test_built_in_templates_read_view_keys_as_jinja2_does():
    """Keys read straight from plain dicts: a missing one is still an error, dict methods are still
    methods, and other objects still have their attributes looked up first."""
    from jinja2 import Environment, StrictUndefined, UndefinedError

    from quizgen.render.pages import make_env

    ours, plain = make_env(), Environment(undefined=StrictUndefined)
    source = (
        "{{ v.title }}|{% for k, x in v.marks.items() %}{{ k }}={{ x }};{% endfor %}"
        "|{{ v.items is callable }}|{{ n.real }}"
    )
    view = {"title": "LSTM", "marks": {"b": 2, "a": 1}, "items": "shadowed"}
    assert ours.from_string(source).render(v=view, n=3) == "LSTM|b=2;a=1;|True|3"
    assert ours.from_string(source).render(v=view, n=3) == plain.from_string(source).render(v=view, n=3)
    with pytest.raises(UndefinedError, match="title"):
        ours.from_string("{{ v.title }}").render(v={})
