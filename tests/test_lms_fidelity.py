"""LMS fidelity, case by case as they were seen in real imports, each export read back the way its LMS
reads it: Moodle's Cloze regexes and entity decoding, Moodle's GIFT $CATEGORY reading through
gift-pegjs, the Moodle XML and QTI documents as their importers take them. The test assignment has a
credited choice mistake and a ratio rounded to two decimals whose mistake earns credit."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lms_helpers import gift_parse
from lxml import etree
from test_lms_export import parse_cloze, shown

from quizgen.cli import main
from quizgen.export import EXPORTERS
from quizgen.export.sink import export_bytes
from quizgen.publish.generate import key_for

PARTIAL = {"forgot_bias": 0.25, "gru_reset_after": 0.5, "bias_convention": 0.5}
ASSIGNMENT = """title: Fidelity
salt: fidelity
variants: 3
partial_credit: {forgot_bias: 0.25, gru_reset_after: 0.5, bias_convention: 0.5}
questions:
  - {id: gru-reset-after-false}
  - {id: gru-versus-lstm-ratio, points: 2}
  - {id: lstm-three-inputs-five-units, points: 3}
  - pick: 1
    from: [lstm-weight-sets, lstm-overfits]
"""
QTI21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
QTI12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    path = tmp_path_factory.mktemp("fidelity") / "a.yaml"
    path.write_text(ASSIGNMENT)
    return key_for(path)


def _questions(key):
    return [(s["student_id"], q) for s in key["students"] for q in s["questions"]]


def _credited_options(key):
    """(student, question, letter, credit) for every option that is a credited mistake."""
    for student, q in _questions(key):
        if q["type"] != "multiple_choice":
            continue
        for name, letter in q["misconceptions"].items():
            if PARTIAL.get(name):
                yield student, q, letter, PARTIAL[name]


def _ratio_mistakes(key):
    """(student, question, value, credit) for each credited mistake of a rounded ratio."""
    for student, q in _questions(key):
        if q["tolerance"]:
            for name, value in q["misconceptions"].items():
                if PARTIAL.get(name) and abs(value - q["answer"]) > 2 * q["tolerance"]:
                    yield student, q, value, PARTIAL[name]


def test_the_assignment_has_the_cases(key):
    assert list(_credited_options(key)) and list(_ratio_mistakes(key))


def _moodle(key):
    root = etree.fromstring(export_bytes(EXPORTERS["moodle"], key)["moodle.xml"])
    return {q.findtext("name/text"): q for q in root.findall("question") if q.get("type") != "category"}


def test_a_credited_choice_mistake_earns_its_credit_in_moodle_gift_and_canvas(key):
    moodle = _moodle(key)
    gift = {q["title"]: q for q in gift_parse(export_bytes(EXPORTERS["gift"], key)["quiz.gift"].decode())}
    canvas_zip = zipfile.ZipFile(io.BytesIO(export_bytes(EXPORTERS["qti12"], key)["canvas-qti12.zip"]))
    body = next(n for n in canvas_zip.namelist() if n.count("/") == 1 and "meta" not in n)
    canvas = etree.fromstring(canvas_zip.read(body))
    titles = {i.get("title") for i in canvas.iter(f"{QTI12}item")}
    for student, q, letter, credit in _credited_options(key):
        name = f"{q['template_id']}-{student}"
        option = q["options"][letter]
        answers = {shown(a.findtext("text")): float(a.get("fraction")) for a in moodle[name].findall("answer")}
        assert answers[option] == pytest.approx(100 * credit)
        choices = {shown(c["text"]["text"]): c["weight"] for c in gift[name]["choices"]}
        assert choices[option] == pytest.approx(100 * credit)
        assert q["title"] in titles
    credited = [
        c
        for c in canvas.iter(f"{QTI12}respcondition")
        if c.find(f"{QTI12}setvar") is not None and c.find(f"{QTI12}setvar").text not in ("100",)
    ]
    scores = {float(c.find(f"{QTI12}setvar").text) for c in credited}
    assert 25.0 in scores


def test_a_rounded_ratios_mistake_is_matched_within_the_rounding(key):
    """A ratio "to two decimals" whose mistake is 1.2963 is credited for 1.30 as for 1.2963."""
    moodle = _moodle(key)
    gift = {q["title"]: q for q in gift_parse(export_bytes(EXPORTERS["gift"], key)["quiz.gift"].decode())}
    for student, q, value, credit in _ratio_mistakes(key):
        name = f"{q['template_id']}-{student}"
        typed = round(value, 2)
        matching = [
            a
            for a in moodle[name].findall("answer")
            if a.findtext("text") != "*"
            and abs(float(a.findtext("text")) - typed) <= float(a.findtext("tolerance")) + 1e-12
        ]
        assert [float(a.get("fraction")) for a in matching][:1] == [pytest.approx(100 * credit)]
        ranges = [c for c in gift[name]["choices"] if isinstance(c["text"], dict) and "number" in c["text"]]
        hit = [c for c in ranges if abs(c["text"]["number"] - typed) <= c["text"]["range"] + 1e-12]
        assert hit and hit[0]["weight"] == pytest.approx(100 * credit)
    canvas_zip = zipfile.ZipFile(io.BytesIO(export_bytes(EXPORTERS["qti12"], key)["canvas-qti12.zip"]))
    body = next(n for n in canvas_zip.namelist() if n.count("/") == 1 and "meta" not in n)
    bands = [  # (low, high, score) of each Canvas condition scoring a number within a band
        (
            float(c.findtext(f".//{QTI12}vargte")),
            float(c.findtext(f".//{QTI12}varlte")),
            float(c.findtext(f"{QTI12}setvar")),
        )
        for c in etree.fromstring(canvas_zip.read(body)).iter(f"{QTI12}respcondition")
        if c.find(f".//{QTI12}vargte") is not None and c.find(f"{QTI12}setvar") is not None
    ]
    for _, _, value, credit in _ratio_mistakes(key):
        typed = round(value, 2)
        assert any(lo <= typed <= hi and score == pytest.approx(100 * credit) for lo, hi, score in bands), value


def test_a_mistake_whose_band_meets_the_right_answers_is_left_out_and_said(tmp_path, key):
    overlapping = [
        (q, name)
        for _, q in _questions(key)
        if q["tolerance"]
        for name, value in q["misconceptions"].items()
        if q["tolerance"] < abs(value - q["answer"]) <= 2 * q["tolerance"]
    ]
    assert overlapping, "the ratio has a mistake within twice its tolerance"
    moodle = _moodle(key)
    for name_q, q in ((f"{q['template_id']}-{s}", q) for s, q in _questions(key) if q["tolerance"]):
        numbers = [float(a.findtext("text")) for a in moodle[name_q].findall("answer")[1:-1]]
        for value in numbers:
            assert abs(value - q["answer"]) > 2 * q["tolerance"]
    (tmp_path / "a.yaml").write_text(ASSIGNMENT)
    result = CliRunner().invoke(
        main, ["export", str(tmp_path / "a.yaml"), "--format", "moodle", "--out", str(tmp_path / "m.xml")]
    )
    assert result.exit_code == 0, result.output
    q, name = overlapping[0]
    assert f"quizgen: warning: {q['template_id']}: mistake" in result.stderr and name in result.stderr


def test_feedback_names_values_not_letters(key):
    moodle = _moodle(key)
    qti = zipfile.ZipFile(io.BytesIO(export_bytes(EXPORTERS["qti21"], key)["qti21.zip"]))
    for student, q in _questions(key):
        if q["type"] != "multiple_choice" or not q["label"][-1].isdigit():
            continue
        right = q["options"][q["answer"]]
        solution = moodle[f"{q['template_id']}-{student}"].findtext("generalfeedback/text")
        assert f"<strong>Answer: {html.escape(right)}</strong>" in solution
        item = etree.fromstring(qti.read(f"items/item-{q['template_id']}-{student.lower()}.xml"))
        texts = ["".join(m.itertext()) for m in item.iter(f"{QTI21}modalFeedback")]
        assert texts and all(f"Answer: {right}" in t for t in texts)
        assert not any(re.search(r"Answer: [A-H]\b(?! )", t) for t in texts)


def test_qti21_multi_part_items_have_maxscore_per_mistake_feedback_and_say_digits_only(key):
    qti = zipfile.ZipFile(io.BytesIO(export_bytes(EXPORTERS["qti21"], key)["qti21.zip"]))
    student = key["students"][0]
    parts = [q for q in student["questions"] if q["template_id"] == "lstm-three-inputs-five-units"]
    item = etree.fromstring(qti.read(f"items/item-lstm-three-inputs-five-units-{student['student_id'].lower()}.xml"))
    maxscore = item.find(f"{QTI21}outcomeDeclaration[@identifier='MAXSCORE']")
    assert float(maxscore.findtext(f"{QTI21}defaultValue/{QTI21}value")) == sum(q["points"] for q in parts) == 3
    feedback = {m.get("identifier"): "".join(m.itertext()) for m in item.iter(f"{QTI21}modalFeedback")}
    for q in parts:
        for name, value in q["misconceptions"].items():
            if value != q["answer"]:
                text = " ".join(q["misconception_feedback"][name].split())
                assert any(text in " ".join(t.split()) for t in feedback.values()), (q["label"], name)
    body = "".join(item.find(f"{QTI21}itemBody").itertext())
    assert body.count("Type digits only") == len(parts)


ODD_FEEDBACK = "Ends in a backslash\\} and \\# too, with \\\\} two"


def test_cloze_catch_all_and_a_backslash_before_brace_or_hash(key):
    """Moodle reads an option to an unescaped ~ # }, decodes entities, then unescapes \\} and \\#."""
    odd = {**key, "students": [dict(s) for s in key["students"]]}
    student = odd["students"][0]
    student["questions"] = [dict(q) for q in student["questions"]]
    part = next(q for q in student["questions"] if q["label"] == "Q3a")
    part["misconception_feedback"] = {n: ODD_FEEDBACK for n in part["misconceptions"]}
    root = etree.fromstring(export_bytes(EXPORTERS["moodle"], {**odd, "students": [student]})["moodle.xml"])
    (cloze,) = root.findall("question[@type='cloze']")
    embedded = parse_cloze(cloze.findtext("questiontext/text"))
    assert len(embedded) == 3
    for alternatives, q in zip(embedded, [q for q in student["questions"] if q["label"].startswith("Q3")], strict=True):
        fraction, answer, feedback = alternatives[-1]
        value, tolerance = (float(x) for x in answer.split(":"))  # any number: 0 give or take 1e300
        assert fraction == 0.0 and value - tolerance < -1e12 and value + tolerance > 1e12
        assert f"Answer: {q['answer']:,}" in shown(feedback) and q["derivation"] in shown(feedback)
    mistakes = [shown(f) for _, a, f in embedded[0][1:-1]]
    assert mistakes and all(m == ODD_FEEDBACK for m in mistakes)


def _moodle_gift_category(line: str) -> str:
    """format/gift readquestion: escapedchar_pre (\\\\ to a backslash, \\: \\# \\= \\{ \\} \\~ \\n to
    placeholders that $CATEGORY never turns back), then trim(substr($text, 10))."""
    text = line.replace("\\\\", "\0")
    for escaped in ("\\:", "\\#", "\\=", "\\{", "\\}", "\\~", "\\n"):
        text = text.replace(escaped, f"&&{ord(escaped[1]):03d};")
    return text.replace("\0", "\\")


def test_gift_category_names_keep_what_moodle_reads(key):
    odd_title = "GRU with reset_after=False {x} ~y #z \\ end"
    changed = {**key, "students": [dict(s) for s in key["students"]]}
    for student in changed["students"]:
        student["questions"] = [
            {**q, "title": odd_title} if q["template_id"] == "gru-reset-after-false" else q
            for q in student["questions"]
        ]
    parsed = gift_parse(export_bytes(EXPORTERS["gift"], changed)["quiz.gift"].decode())
    categories = [_moodle_gift_category(c["title"]) for c in parsed if c["type"] == "Category"]
    assert f"top/Fidelity/Q1. {odd_title}" in categories
    assert all("&&" not in c for c in categories)


def test_one_naming_style_for_categories(key):
    slot = re.compile(r"^Q\d+\. ")
    moodle = etree.fromstring(export_bytes(EXPORTERS["moodle"], key)["moodle.xml"])
    paths = [c.findtext("category/text") for c in moodle.findall("question[@type='category']")]
    assert all(slot.match(p.split("/")[2]) for p in paths if p.count("/") == 2)
    gift = [c["title"] for c in gift_parse(export_bytes(EXPORTERS["gift"], key)["quiz.gift"].decode())]
    gift = [t for t in gift if isinstance(t, str) and t.startswith("top/")]
    assert gift and all(slot.match(t.split("/")[2]) for t in gift)
    assert any(t.split("/")[2] == "Q4. One of 2 questions" for t in gift)
    assert any(p.split("/")[2] == "Q4. One of 2 questions" for p in paths if p.count("/") == 2)


def test_canvas_says_at_export_time_what_its_import_loses(tmp_path):
    (tmp_path / "a.yaml").write_text(ASSIGNMENT)
    result = CliRunner().invoke(
        main, ["export", str(tmp_path / "a.yaml"), "--format", "qti12", "--out", str(tmp_path / "c.zip")]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "Canvas QTI 1.2" in line]
    assert any("fill-in-multiple-blanks" in line for line in lines)
    assert any("all or nothing" in line for line in lines)
    assert all(line.startswith("quizgen: warning: ") for line in lines)
    assert (tmp_path / "c.zip").exists() and Path(tmp_path / "c.zip").stat().st_size
