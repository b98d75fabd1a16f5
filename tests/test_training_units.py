"""Training answers in the unit their prompt asks, graded as an instructor expects.

For every numeric training template, students' variants are graded through ``quizgen grade`` from a
CSV typed as students type: the bare number in the asked unit, the same with the unit's word, the
value in another unit of its kind, the right digits under the unit a catalogued mistake types (GiB
for GB, bits for bytes, MACs for FLOPs), and a unit of another kind. The roundings below are the
prompts' own ("to one decimal", "to three significant figures"), written here from the prompts.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from lms_helpers import gift_parse, tar_members, zip_members
from lxml import etree

from quizgen.bank.answers import answer_for
from quizgen.bank.instantiate import instantiate
from quizgen.bank.loader import load_bank
from quizgen.cli import main
from quizgen.export import EXPORTERS
from quizgen.export.common import number_text, slug
from quizgen.export.sink import Sink
from quizgen.grading.score import Scorer
from quizgen.publish.generate import generate
from quizgen.quiz.build import key_item


def _sig(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, as a student writes it (``3.16e22``, ``14.4``)."""
    exponent = math.floor(math.log10(abs(value)))
    if -3 <= exponent < 6:
        return f"{value:.{max(digits - 1 - exponent, 0)}f}"
    return f"{value / 10**exponent:.{digits - 1}f}e{exponent}"


def _digits(value: float) -> str:
    return str(round(value))


Writer = Callable[[float], str]
# template -> (unit asked, bytes/FLOPs/... in one asked unit relative to the counting core's own unit,
#   how the prompt's rounding writes it, [another unit of the kind: its word and its size in asked units],
#   the unit a catalogued mistake types for it and that mistake (or None), a unit of another kind)
ONE_DECIMAL: Writer = lambda v: f"{v:.1f}"  # noqa: E731
TWO_DECIMALS: Writer = lambda v: f"{v:.2f}"  # noqa: E731
TEMPLATES: dict[str, tuple[str | None, float, Writer, tuple[str, float] | None, tuple[str, str] | None, str]] = {
    "adamw-memory-fp32": ("bytes", 1, _digits, ("kB", 1e3), ("bits", "bits_for_bytes"), "days"),
    "gradient-bytes-frozen": ("bytes", 1, _digits, ("kB", 1e3), ("bits", "bits_for_bytes"), "FLOPs"),
    "peak-memory-with-batch": ("bytes", 1, _digits, ("MB", 1e6), ("bits", "bits_for_bytes"), "tokens"),
    "mixed-precision-llama-memory": ("GB", 1e9, ONE_DECIMAL, ("MB", 1e-3), ("GiB", "gib_as_gb"), "FLOPs"),
    "zero-stage-memory": ("GB", 1e9, _sig, ("TB", 1e3), ("GiB", "gib_as_gb"), "days"),
    "lora-memory": ("GB", 1e9, ONE_DECIMAL, ("MB", 1e-3), ("GiB", "gib_as_gb"), "tokens"),
    "inference-memory": ("GB", 1e9, ONE_DECIMAL, ("kB", 1e-6), ("GiB", "gib_as_gb"), "hours"),
    "int4-checkpoint": ("GiB", 2**30, TWO_DECIMALS, ("MiB", 2**-10), ("GB", "gib_as_gb"), "FLOPs"),
    "step-flops": ("FLOPs", 1, _digits, ("kFLOPs", 1e3), ("MACs", "flops_for_macs"), "GB"),
    "run-flops-transformer": ("FLOPs", 1, _sig, ("PFLOPs", 1e15), ("MACs", "flops_for_macs"), "GB"),
    "six-n-d": ("FLOPs", 1, _sig, ("ZFLOPs", 1e21), ("MACs", "flops_for_macs"), "days"),
    "training-days": ("days", 1, _sig, ("hours", 1 / 24), None, "GB"),
    "chinchilla-optimal-tokens": ("tokens", 1, _sig, ("B tokens", 1e9), None, "GB"),
    "lora-share": ("%", 1, TWO_DECIMALS, ("percent", 1), None, "GB"),
    "lora-parameters": ("parameters", 1, _digits, ("M", 1e6), None, "GB"),
    "chinchilla-optimal-size": ("parameters", 1, _digits, ("B", 1e9), None, "FLOPs"),
    "six-n-d-error": ("x", 1, TWO_DECIMALS, None, None, "GB"),
    "largest-batch-on-a-gpu": ("sequences", 1, _digits, None, None, "GB"),
    "receptive-field": ("pixels", 1, _digits, None, None, "GB"),
}
STYLES = ("bare", "word", "other", "confused", "other kind")
STUDENTS = 15  # three variants of each template per style
CREDIT = 0.5


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The training assignment for a roster, with notebooks: its output folder."""
    folder = tmp_path_factory.mktemp("training-units")
    roster = folder / "roster.csv"
    roster.write_text("student_id\n" + "".join(f"t{n:02d}\n" for n in range(STUDENTS)))
    (folder / "a.yaml").write_text(
        "title: Training units\nsalt: units\nroster: roster.csv\n"
        "partial_credit: {gib_as_gb: 0.5, bits_for_bytes: 0.5, flops_for_macs: 0.5}\n"
        "questions:\n" + "".join(f"  - {{id: {t}}}\n" for t in TEMPLATES)
    )
    generate(folder / "a.yaml", folder / "out", formats=["ipynb"])
    return folder / "out"


@pytest.fixture(scope="module")
def key(generated) -> dict:
    return json.loads((generated / "key.json").read_text())


def test_every_numeric_training_template_is_covered():
    numeric = {t.id for t in load_bank().templates.values() if t.topic == "training" and t.type == "numeric"}
    assert numeric == set(TEMPLATES)


def test_each_key_answer_is_the_counting_cores_figure_in_the_unit_asked(key):
    for student in key["students"]:
        for q in student["questions"]:
            unit, size = TEMPLATES[q["template_id"]][:2]
            if unit in ("bytes", "GB", "GiB", "FLOPs", "days", "tokens", "%"):
                assert q["unit"] == unit, q["template_id"]
            natural = answer_for(q["spec"], None, q["framework"], q["quantity"]).value
            assert q["answer"] == pytest.approx(float(natural) / size, rel=1e-11), q["template_id"]


def _typed(q: dict, style: str) -> str:
    unit, _, write, other, confused, foreign = TEMPLATES[q["template_id"]]
    answer = q["answer"]
    if style == "bare":
        return write(answer)
    if style == "word":
        return f"{write(answer)} {unit}"
    if style == "other":
        if other is None:  # a kind of one unit (a ratio, a batch, a receptive field): its word again
            return f"{write(answer)} {unit}"
        word, size = other
        return f"{repr(answer / size) if write is _digits else write(answer / size)} {word}"
    if style == "confused":
        assert confused is not None
        return f"{write(answer)} {confused[0]}"
    return f"{write(answer)} {foreign}"


def _expected(q: dict, style: str) -> tuple[str, float]:
    if style == "confused":
        return "partial", CREDIT
    if style == "other kind":
        return "unreadable", 0.0
    return "correct", 1.0


Expected = dict[tuple[str, str], tuple[str, float, str]]


def _answers(key: dict) -> Expected:
    """(student, label) -> the status and share of points expected, and the answer as typed: each
    student types every answer in one style (the confused unit, where a kind has none, as bare)."""
    expected: Expected = {}
    for n, student in enumerate(key["students"]):
        style = STYLES[n % len(STYLES)]
        for q in student["questions"]:
            applies = style != "confused" or TEMPLATES[q["template_id"]][4] is not None
            status, share = _expected(q, style if applies else "bare")
            expected[(student["student_id"], q["label"])] = (status, share, _typed(q, style if applies else "bare"))
    return expected


def _check_grades(key: dict, expected: Expected, out: Path) -> None:
    grades = {r["student_id"]: r for r in csv.DictReader((out / "grades.csv").open())}
    summary = json.loads((out / "summary.json").read_text())
    unreadable = {(u["student_id"], u["label"]) for u in summary["unreadable_answers"]}
    questions = {(s["student_id"], q["label"]): q for s in key["students"] for q in s["questions"]}
    seen = set()
    for (student, label), (status, share, typed) in expected.items():
        q = questions[(student, label)]
        got = float(grades[student][label])
        why = (q["template_id"], typed, q["answer"], q.get("unit"), got)
        assert got == pytest.approx(share * q["points"]), why
        assert ((student, label) in unreadable) == (status == "unreadable"), why
        seen.add((q["template_id"], status))
    for template, (_, _, _, _, confused, _) in TEMPLATES.items():
        assert (template, "correct") in seen and (template, "unreadable") in seen
        assert (confused is not None) == ((template, "partial") in seen), template


def test_answers_typed_as_students_type_them_are_graded_as_an_instructor_expects(generated, key, tmp_path):
    expected = _answers(key)
    labels = [q["label"] for q in key["students"][0]["questions"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", *labels])
    for student in key["students"]:
        writer.writerow([student["student_id"], *(expected[(student["student_id"], label)][2] for label in labels)])
    subs = tmp_path / "subs.csv"
    subs.write_text(out.getvalue())
    result = CliRunner().invoke(main, ["grade", str(generated / "key.json"), str(subs), "--out", str(tmp_path / "g")])
    assert result.exit_code == 0, result.output
    _check_grades(key, expected, tmp_path / "g")


def test_returned_notebooks_are_graded_as_the_csv_is(generated, key, tmp_path):
    expected = _answers(key)
    for student in key["students"]:
        sid = student["student_id"]
        notebook = json.loads((generated / "students" / sid / "quiz.ipynb").read_text())
        for cell in notebook["cells"]:
            label = cell["metadata"].get("quizgen", {}).get("label")
            if label:
                typed = expected[(sid, label)][2]
                value = typed if re.fullmatch(r"[0-9.e]+", typed) else json.dumps(typed)  # a number, else a string
                cell["source"] = [f"{label} = {value}\n"]
        (tmp_path / "returned" / sid).mkdir(parents=True)
        (tmp_path / "returned" / sid / "quiz.ipynb").write_text(json.dumps(notebook))
    result = CliRunner().invoke(
        main, ["grade", str(generated / "key.json"), str(tmp_path / "returned"), "--out", str(tmp_path / "g")]
    )
    assert result.exit_code == 0, result.output
    _check_grades(key, expected, tmp_path / "g")


HALF_STEP = {ONE_DECIMAL: lambda a: 0.05, TWO_DECIMALS: lambda a: 0.005, _sig: lambda a: 0.005 * abs(a)}
"""The tolerance each rounding asks for: half its last step (relative for significant figures)."""


def test_tolerances_are_the_rounding_the_prompt_asks_and_no_mistake_band_meets_the_answers():
    bank = load_bank()
    for template_id, (_, _, write, _, _, _) in TEMPLATES.items():
        for seed in range(200):
            v = instantiate(bank.templates[template_id], seed)
            assert v.tolerance == pytest.approx(HALF_STEP.get(write, lambda a: 0)(v.answer), abs=1e-12)
            for name, value in v.misconceptions.items():
                assert abs(value - v.answer) > 2 * v.tolerance, (template_id, seed, name, value, v.answer)


def _numeric(key):
    for student in key["students"]:
        for q in student["questions"]:
            if q["type"] == "numeric":
                yield student["student_id"], q


def test_lms_exports_carry_the_answers_tolerances_and_mistakes_in_the_unit_asked(key):
    out, notices = {}, []
    for fmt, exporter in EXPORTERS.items():
        sink = Sink()
        exporter(key, sink)
        out[fmt], notices = dict(sink.memory), notices + sink.notices
    assert not [n for n in notices if "left out" in n], notices  # no mistake dropped for overlapping the answer
    moodle = etree.fromstring(out["moodle"]["moodle.xml"])
    by_name = {q.findtext("name/text"): q for q in moodle.findall("question[@type='numerical']")}
    gift = {q["title"]: q for q in gift_parse(out["gift"]["quiz.gift"].decode()) if q["type"] == "Numerical"}
    (qti12,) = out["qti12"].values()
    qti12_text = "".join(t.decode() for n, t in zip_members(qti12).items() if n.endswith(".xml"))
    qti21 = zip_members(out["qti21"]["qti21.zip"])
    (mbz,) = out["moodle-mbz"].values()
    mbz_questions = tar_members(mbz)["questions.xml"].decode()
    for student, q in _numeric(key):
        answer, tolerance = q["answer"], q["tolerance"]
        name = f"{q['template_id']}-{student}"
        answers = by_name[name].findall("answer")
        assert float(answers[0].findtext("text")) == pytest.approx(answer, rel=1e-12)
        assert float(answers[0].findtext("tolerance")) == pytest.approx(tolerance, rel=1e-12, abs=1e-15)
        credited = {float(a.findtext("text")): float(a.get("fraction")) for a in answers[1:-1]}
        for mistake, value in q["misconceptions"].items():
            share = 100 * key["partial_credit"].get(mistake, 0)
            assert any(abs(v - value) < 1e-9 * max(1, abs(value)) and f == share for v, f in credited.items())
        right = [c for c in gift[name]["choices"] if c["weight"] == 100]
        assert right[0]["text"]["number"] == pytest.approx(answer) and right[0]["text"]["range"] == pytest.approx(
            tolerance
        )
        if tolerance:
            assert f'<vargte respident="response1">{number_text(answer - tolerance)}</vargte>' in qti12_text
        item = qti21[f"items/item-{slug(q['template_id'])}-{slug(student)}.xml"].decode()
        assert f"<value>{number_text(answer)}</value>" in item
        if tolerance:
            assert f'tolerance="{number_text(tolerance)} {number_text(tolerance)}"' in item
        assert f"<answertext>{number_text(answer)}</answertext>" in mbz_questions


def test_the_practice_page_reads_the_same_answers_as_the_grader(browser, tmp_path):
    assignment = tmp_path / "a.yaml"
    assignment.write_text(
        "title: Practice\nsalt: units\nvariants: 1\nquestions:\n" + "".join(f"  - {{id: {t}}}\n" for t in TEMPLATES)
    )
    generate(assignment, tmp_path / "out", formats=["html"], practice=True)
    questions = json.loads((tmp_path / "out" / "key.json").read_text())["students"][0]["questions"]
    page = browser.new_page()
    page.goto((tmp_path / "out" / "students" / "V001" / "practice.html").as_uri())
    for q in questions:
        for style in STYLES:
            if style == "confused" and TEMPLATES[q["template_id"]][4] is None:
                continue
            typed = _typed(q, style)
            page.fill(f"#answer-{q['label']}", typed)
            page.click(f"button.check[data-label='{q['label']}']")
            said = page.inner_text(f"#feedback-{q['label']}")
            status = _expected(q, style)[0]
            start = {"correct": "Correct", "partial": "Not quite.", "unreadable": "Type a number"}[status]
            assert said.startswith(start), (q["template_id"], typed, said)
            if status == "partial" and TEMPLATES[q["template_id"]][4][1] != "flops_for_macs":
                assert "the unit typed is not" in said, (q["template_id"], typed, said)


COURSE_TEMPLATE = """topic: course
questions:
  - id: conv-mmacs
    title: MACs in millions
    difficulty: easy
    type: numeric
    parameters:
      h: {choices: [64, 128]}
    architecture: "Input(32, 32, 3) -> Conv2D({{ h }}, 3) -> Flatten() -> Dense(10)"
    prompt: How many MACs does the convolution take, in millions (MMACs) to two decimals?
    quantity: layer[2].macs
    unit: MMACs
    tolerance: 0.005
"""


def test_a_course_template_may_ask_any_quantity_in_a_unit_of_its_kind(tmp_path):
    (tmp_path / "t.yaml").write_text(COURSE_TEMPLATE)
    validated = CliRunner().invoke(main, ["bank", "validate", str(tmp_path), "--seeds", "20"])
    assert validated.exit_code == 0, validated.output
    template = load_bank([tmp_path]).templates["conv-mmacs"]
    for h in (64, 128):
        variant = instantiate(template, 0, {"h": h})
        macs = 30 * 30 * 9 * 3 * h  # output positions · kernel area · input channels · filters
        assert variant.unit == "MMACs" and variant.answer == pytest.approx(macs / 1e6, rel=1e-12)
        scorer = Scorer({"flops_for_macs": 0.5})
        q = key_item("Q1", variant)
        assert scorer.score(q, f"{macs / 1e6:.2f}").status == "correct"
        assert scorer.score(q, f"{macs} MACs").status == "correct"
        assert scorer.score(q, f"{macs / 1e6:.2f} MFLOPs").mistakes == ("flops_for_macs",)
        assert scorer.score(q, f"{macs / 1e6:.2f} GB").status == "unreadable"


def test_a_unit_the_quantity_cannot_have_is_refused_naming_the_file_and_line(tmp_path):
    (tmp_path / "t.yaml").write_text(COURSE_TEMPLATE.replace("unit: MMACs", "unit: GB"))
    validated = CliRunner().invoke(main, ["bank", "validate", str(tmp_path)])
    assert validated.exit_code != 0
    (line,) = validated.output.strip().splitlines()
    unit_line = COURSE_TEMPLATE.replace("unit: MMACs", "unit: GB").splitlines().index("    unit: GB") + 1
    assert f"t.yaml:{unit_line}: unit: 'GB' is not a unit of a number of operations" in line


def test_a_size_worked_out_in_the_other_unit_and_labelled_so_is_right(key):
    scorer = Scorer(key["partial_credit"])
    for _, q in _numeric(key):
        unit = q.get("unit")
        if unit not in ("GB", "GiB"):
            continue
        other, factor = ("GiB", 1e9 / 2**30) if unit == "GB" else ("GB", 2**30 / 1e9)
        converted = scorer.score(q, f"{q['answer'] * factor:.3f} {other}")
        assert converted.status == "correct", (q["template_id"], q["answer"], converted.raw)
        relabelled = scorer.score(q, f"{q['answer']:.3f} {other}")
        assert relabelled.mistakes == ("gib_as_gb",) and relabelled.points == 0.5 * q["points"]
        assert f"The digits are right in {unit}, but the unit typed is not {unit}" in relabelled.feedback


def test_a_part_of_a_multi_part_question_has_its_own_unit(tmp_path):
    (tmp_path / "t.yaml").write_text(
        """topic: course
questions:
  - id: dense-size
    title: A dense layer's size
    difficulty: easy
    type: multi_part
    architecture: "Input(1000) -> Dense(1000)"
    prompt: A dense layer maps 1000 features to 1000.
    parts:
      - {prompt: How many parameters?, quantity: total}
      - {prompt: "Its float32 weights, in kB (1000 bytes) to one decimal?", quantity: weight_bytes(float32),
         unit: kB, tolerance: 0.05}
"""
    )
    variant = instantiate(load_bank([tmp_path]).templates["dense-size"], 0)
    first, second = (key_item(f"Q1{p.label}", p) for p in variant.parts)
    assert "unit" not in first and first["answer"] == 1001000
    assert second["unit"] == "kB" and second["answer"] == pytest.approx(4004.0)  # 4·1,001,000 bytes
    scorer = Scorer()
    assert [scorer.score(second, t).status for t in ("4004.0", "4.004 MB", "4004 kiB", "4004 days")] == [
        "correct",
        "correct",
        "wrong",
        "unreadable",
    ]
    assert scorer.score(second, "4004 KiB").mistakes == ("gib_as_gb",)
