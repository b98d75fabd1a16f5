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
from collections.abc import Callable

import pytest
from click.testing import CliRunner

from quizgen.bank.answers import answer_for
from quizgen.bank.loader import load_bank
from quizgen.cli import main
from quizgen.publish.generate import key_for


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
def key(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("training-units")
    roster = folder / "roster.csv"
    roster.write_text("student_id\n" + "".join(f"t{n:02d}\n" for n in range(STUDENTS)))
    (folder / "a.yaml").write_text(
        "title: Training units\nsalt: units\nroster: roster.csv\n"
        "partial_credit: {gib_as_gb: 0.5, bits_for_bytes: 0.5, flops_for_macs: 0.5}\n"
        "questions:\n" + "".join(f"  - {{id: {t}}}\n" for t in TEMPLATES)
    )
    return key_for(folder / "a.yaml")


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


def test_answers_typed_as_students_type_them_are_graded_as_an_instructor_expects(key, tmp_path):
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key))
    labels = [q["label"] for q in key["students"][0]["questions"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", *labels])
    expected: dict[tuple[str, str], tuple[str, float, str]] = {}
    for n, student in enumerate(key["students"]):
        style = STYLES[n % len(STYLES)]
        row = [student["student_id"]]
        for q in student["questions"]:
            applies = style != "confused" or TEMPLATES[q["template_id"]][4] is not None
            typed = _typed(q, style if applies else "bare")
            row.append(typed)
            status, share = _expected(q, style if applies else "bare")
            expected[(student["student_id"], q["label"])] = (status, share, typed)
        writer.writerow(row)
    subs = tmp_path / "subs.csv"
    subs.write_text(out.getvalue())
    result = CliRunner().invoke(main, ["grade", str(key_path), str(subs), "--out", str(tmp_path / "g")])
    assert result.exit_code == 0, result.output
    grades = {r["student_id"]: r for r in csv.DictReader((tmp_path / "g" / "grades.csv").open())}
    summary = json.loads((tmp_path / "g" / "summary.json").read_text())
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
