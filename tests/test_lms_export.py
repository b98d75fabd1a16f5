"""LMS exports: schema-valid for the whole bank, parsed back by independent readers, golden files."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lms_helpers import check_golden, gift_parse, schema_errors, tar_members, zip_members
from lxml import etree

from quizgen.bank.loader import load_bank
from quizgen.cli import main
from quizgen.export import EXPORTERS
from quizgen.export.common import (
    MOODLE_GRADES,
    ElementSpool,
    FileSpool,
    element,
    hole,
    with_default_namespace,
    write_spooled,
)
from quizgen.export.sink import ZipOut, export_bytes
from quizgen.publish.generate import generate, key_for

QTI12_XSD = "qti12/ims_qtiasiv1p2p1.xsd"
QTI21_XSD = "ims/qtiv2p1/imsqti_v2p1.xsd"
CP_XSD = "ims/imscp_v1p1.xsd"


@pytest.fixture(scope="module")
def whole_bank(tmp_path_factory):
    """Every template of the bank, three anonymous variants each, with partial credit."""
    folder = tmp_path_factory.mktemp("bank")
    ids = sorted(load_bank().templates)
    lines = [
        "title: Whole bank <&> {check}",
        "salt: all",
        "variants: 3",
        "partial_credit: {bias_convention: 0.5, forgot_bias: 0.3}",
        "questions:",
    ]
    lines += [f"  - {{id: {template_id}}}" for template_id in ids]
    path = folder / "all.yaml"
    path.write_text("\n".join(lines) + "\n")
    key = key_for(path)
    return key, {fmt: export_bytes(exporter, key) for fmt, exporter in EXPORTERS.items()}


def _items(key):
    for student in key["students"]:
        for q in student["questions"]:
            yield student["student_id"], q


def _variants(key):
    """(student, question number, its items) for every student's numbered question."""
    for student in key["students"]:
        by_number: dict[str, list] = {}
        for q in student["questions"]:
            by_number.setdefault(re.match(r"Q\d+", q["label"]).group(0), []).append(q)
        for number, items in by_number.items():
            yield student["student_id"], number, items


def test_qti12_validates_against_the_official_xsd(whole_bank):
    key, out = whole_bank
    members = zip_members(out["qti12"]["canvas-qti12.zip"])
    assessments = [n for n in members if re.fullmatch(r"(g\w+)/\1\.xml", n)]
    assert len(assessments) == 1
    assert schema_errors(QTI12_XSD, members[assessments[0]]) == []
    assert "non_cc_assessments/" in members and "imsmanifest.xml" in members
    tree = etree.fromstring(members[assessments[0]])
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    groups = tree.findall(".//q:section/q:section", ns)
    assert len(groups) == len({number for _, number, _ in _variants(key)})
    assert all(g.find(".//q:selection_number", ns).text == "1" for g in groups)
    assert len(tree.findall(".//q:item", ns)) == sum(1 for _ in _variants(key))
    blanks = [i for i in tree.findall(".//q:item", ns) if "fill_in_multiple_blanks" in etree.tostring(i).decode()]
    assert len(blanks) == sum(1 for _, _, items in _variants(key) if len(items) > 1)


def test_qti21_items_test_and_manifest_validate(whole_bank):
    key, out = whole_bank
    members = zip_members(out["qti21"]["qti21.zip"])
    assert schema_errors(CP_XSD, members["imsmanifest.xml"]) == []
    items = [n for n in members if n.startswith("items/item-") and n.endswith(".xml")]
    assert len(items) == sum(1 for _ in _variants(key))
    for name in items:
        assert schema_errors(QTI21_XSD, members[name]) == [], name
    assert schema_errors(QTI21_XSD, members["tests/test.xml"]) == []
    test = etree.fromstring(members["tests/test.xml"])
    ns = {"q": "http://www.imsglobal.org/xsd/imsqti_v2p1"}
    slots = test.findall("q:testPart/q:assessmentSection", ns)
    assert len(slots) == len({number for _, number, _ in _variants(key)})
    assert all(s.find("q:selection", ns).get("select") == "1" for s in slots)
    refs = {r.get("href")[3:] for r in test.iter("{http://www.imsglobal.org/xsd/imsqti_v2p1}assessmentItemRef")}
    assert refs == set(items)
    manifest = members["imsmanifest.xml"].decode()
    assert 'type="imsqti_test_xmlv2p1"' in manifest
    for name in members:
        if name != "imsmanifest.xml":
            assert f'href="{name}"' in manifest, name


def test_a_broken_document_fails_validation(whole_bank):
    _, out = whole_bank
    members = zip_members(out["qti21"]["qti21.zip"])
    name = next(n for n in members if n.startswith("items/item-") and b"choiceInteraction" in members[n])
    broken = members[name].replace(b'maxChoices="1"', b'maxChoices="one"')
    assert schema_errors(QTI21_XSD, broken)
    qti12 = zip_members(out["qti12"]["canvas-qti12.zip"])
    body = next(v for n, v in qti12.items() if n.count("/") == 1 and n.endswith(".xml") and "meta" not in n)
    assert schema_errors(QTI12_XSD, body.replace(b"<resprocessing>", b"<resprocessing><bogus/>", 1))


def test_gift_round_trip_through_gift_pegjs(whole_bank):
    key, out = whole_bank
    parsed = gift_parse(out["gift"]["quiz.gift"].decode())
    questions = {q["title"]: q for q in parsed if q["type"] != "Category"}
    items = list(_items(key))
    assert len(questions) == len(items)
    assert sum(q["type"] == "Category" for q in parsed) >= 40
    for student, q in items:
        part = q["label"][-1] if q["label"][-1].isalpha() else ""
        gq = questions.pop(f"{q['template_id']}-{student}" + (f" ({part})" if part else ""))
        assert gq["globalFeedback"]["text"].startswith("<p><strong>Answer: ")
        if q["type"] == "numeric":
            assert gq["type"] == "Numerical"
            right = [c for c in gq["choices"] if c["weight"] == 100]
            assert len(right) == 1
            assert right[0]["text"]["number"] == pytest.approx(q["answer"])
            assert right[0]["text"]["range"] == pytest.approx(q["tolerance"])
            wrong = {
                c["text"]["number"]: c
                for c in gq["choices"]
                if c["weight"] != 100 and isinstance(c["text"], dict) and "number" in c["text"]
            }
            for name, value in q["misconceptions"].items():
                if abs(value - q["answer"]) > 2 * q["tolerance"]:
                    assert any(
                        q["misconception_feedback"][name] in shown(c["feedback"]["text"])
                        for v, c in wrong.items()
                        if abs(v - value) < 1e-9
                    ), (q["label"], q["template_id"], name, value)
        else:
            assert gq["type"] == "MC"
            correct = [c for c in gq["choices"] if c["isCorrect"]]
            assert [shown(c["text"]["text"]) for c in correct] == [q["options"][q["answer"]]]
            assert [shown(c["feedback"]["text"]) for c in gq["choices"]] == [
                q["option_feedback"][k] for k in q["options"]
            ]
    assert questions == {}


# How Moodle reads an embedded answer (question/type/multianswer/questiontype.php, the
# ANSWER_ALTERNATIVE_* regexes and qtype_multianswer_extract_question): an option runs to a ~ # or }
# not after a backslash or an ampersand (or "&amp;"), a feedback to a ~ or } not after a backslash;
# then HTML entities are decoded once and only \} and \# are unescaped. What is left is HTML.
_ALTERNATIVE = r"(?:=|%(-?[0-9]+(?:[.,][0-9]*)?)%)?(.+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$))(?:#(.*?(?<!\\)(?=[~}]|$)))?"
CLOZE = re.compile(
    r"\{([0-9]*):(NUMERICAL|NM|MULTICHOICE|MC):(" + _ALTERNATIVE + "(?:~" + _ALTERNATIVE + r")*)\}", re.S
)


def _moodle_decoded(text: str) -> str:
    return html.unescape(text).replace("\\}", "}").replace("\\#", "#")


def shown(field: str) -> str:
    """The text an HTML field shows, when it should hold plain text only (no markup)."""
    assert "<" not in field, field
    return html.unescape(field)


def parse_cloze(text: str) -> list[list[tuple[float, str, str]]]:
    """Each embedded answer's alternatives as (fraction, answer, feedback HTML), read as Moodle reads them."""
    found = []
    for match in CLOZE.finditer(text):
        alternatives, remaining = [], match.group(3)
        while remaining:
            alt = re.match("~?" + _ALTERNATIVE, remaining, re.S)
            assert alt, remaining
            fraction = 100.0 if alt.group(0).lstrip("~").startswith("=") else float(alt.group(1) or 0)
            alternatives.append((fraction, _moodle_decoded(alt.group(2)), _moodle_decoded(alt.group(3) or "")))
            remaining = remaining[alt.end() :]
        found.append(alternatives)
    return found


def _check_numeric_answers(q, right_value, right_tolerance, read_back, partial):
    assert right_value == pytest.approx(q["answer"]) and right_tolerance == pytest.approx(q["tolerance"])
    for name, value in q["misconceptions"].items():
        if abs(value - q["answer"]) <= 2 * q["tolerance"]:
            continue
        fraction, feedback = next(fb for v, fb in read_back.items() if abs(v - value) < 1e-9)
        assert " ".join(q["misconception_feedback"][name].split()) in " ".join(shown(feedback).split())
        if name in partial:
            assert fraction >= 30 - 1e-6


def test_moodle_xml_round_trip(whole_bank):
    key, out = whole_bank
    root = etree.fromstring(out["moodle"]["moodle.xml"])
    categories = [c.findtext("category/text") for c in root.findall("question[@type='category']")]
    base = categories[0]
    assert base.startswith("top/") and all(c.startswith(base) for c in categories)
    slot_categories = {c for c in categories if c.count("/") == 2}
    assert len(slot_categories) == len({number for _, number, _ in _variants(key)})
    by_name = {q.findtext("name/text"): q for q in root.findall("question") if q.get("type") != "category"}
    assert len(by_name) == sum(1 for _ in _variants(key))
    partial = key["partial_credit"]
    for student, _, items in _variants(key):
        mq = by_name[f"{items[0]['template_id']}-{student}"]
        assert "Answer: " in mq.findtext("generalfeedback/text")
        text = mq.findtext("questiontext/text")
        for src in re.findall(r"@@PLUGINFILE@@/([^\"]+)", text):
            assert mq.find(f"questiontext/file[@name='{src}']") is not None
        if len(items) > 1:
            assert mq.get("type") == "cloze"
            embedded = parse_cloze(text)
            assert len(embedded) == len(items)
            for q, alternatives in zip(items, embedded, strict=True):
                for fraction, _, _ in alternatives:
                    assert fraction in [pytest.approx(g) for g in MOODLE_GRADES]
                if q["type"] == "numeric":
                    (right,) = [a for a in alternatives if a[0] == 100]
                    value, _, tolerance = right[1].partition(":")
                    assert alternatives[-1][:2] == (0.0, "0:1e300") and "Answer: " in alternatives[-1][2]
                    read_back = {float(a[1].split(":")[0]): (a[0], a[2]) for a in alternatives[:-1] if a[0] != 100}
                    _check_numeric_answers(q, float(value), float(tolerance), read_back, partial)
                else:
                    assert [shown(a[1]) for a in alternatives] == list(q["options"].values())
                    assert [shown(a[2]) for a in alternatives] == [
                        " ".join(q["option_feedback"][k].split()) for k in q["options"]
                    ]
            continue
        q = items[0]
        assert float(mq.findtext("defaultgrade")) == pytest.approx(q["points"])
        answers = mq.findall("answer")
        for a in answers:
            assert float(a.get("fraction")) in [pytest.approx(g) for g in MOODLE_GRADES]
        if q["type"] == "numeric":
            assert mq.get("type") == "numerical"
            right = [a for a in answers if a.get("fraction") == "100"]
            assert len(right) == 1 and answers[-1].findtext("text") == "*"
            read_back = {
                float(a.findtext("text")): (float(a.get("fraction")), a.findtext("feedback/text"))
                for a in answers[1:-1]
            }
            _check_numeric_answers(
                q, float(right[0].findtext("text")), float(right[0].findtext("tolerance")), read_back, partial
            )
        else:
            assert mq.get("type") == "multichoice"
            texts = [shown(a.findtext("text")) for a in answers]
            assert texts == list(q["options"].values())
            fractions = dict(zip(q["options"], (a.get("fraction") for a in answers), strict=True))
            assert fractions[q["answer"]] == "100"
            assert [shown(a.findtext("feedback/text")) for a in answers] == [
                q["option_feedback"][k] for k in q["options"]
            ]


def test_the_homework_keeps_its_shape_in_every_format(tmp_path):
    """10 numbered questions worth 14 points, the pool of 4 conceptual templates one of them."""
    key = key_for(Path(__file__).resolve().parent.parent / "examples" / "homework.yaml")
    out = {fmt: export_bytes(exporter, key) for fmt, exporter in EXPORTERS.items()}
    moodle = etree.fromstring(out["moodle"]["moodle.xml"])
    paths = [c.findtext("category/text") for c in moodle.findall("question[@type='category']")]
    assert sum(p.count("/") == 2 for p in paths) == 10 and sum(p.count("/") == 3 for p in paths) == 4
    gift = out["gift"]["quiz.gift"].decode()
    assert gift.count("// [id:") == sum(len(s["questions"]) for s in key["students"])
    qti12 = zip_members(out["qti12"]["canvas-qti12.zip"])
    body = next(v for n, v in qti12.items() if n.count("/") == 1 and n.endswith(".xml") and "meta" not in n)
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    sections = etree.fromstring(body).findall(".//q:section/q:section", ns)
    assert len(sections) == 10
    points = sum(float(s.find(".//q:points_per_item", ns).text) for s in sections)
    assert points == 14
    meta = next(v for n, v in qti12.items() if n.endswith("assessment_meta.xml"))
    assert b"<points_possible>14</points_possible>" in meta
    test = etree.fromstring(zip_members(out["qti21"]["qti21.zip"])["tests/test.xml"])
    qti = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
    assert len(test.findall(f"{qti}testPart/{qti}assessmentSection")) == 10


HOSTILE = """topic: hostile
questions:
  - id: hostile-text
    title: "Odd text <b>&amp; ]]> {braces} ~tilde"
    difficulty: easy
    type: numeric
    parameters:
      h: {min: 2, max: 4}
    architecture: "Input(3) -> LSTM({{ h }})"
    prompt: "Is a < b & c? {not: a = GIFT} ~ ]]> # end: LSTM({{ h }})"
    quantity: total
"""


def test_hostile_text_survives_every_format(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "hostile.yaml").write_text(HOSTILE)
    (tmp_path / "roster.csv").write_text("student_id,name\nx.1,Ann <&> {O'Neil}\n")
    assignment = tmp_path / "a.yaml"
    assignment.write_text("title: 'T <&> {x} ]]>'\nsalt: s\nroster: roster.csv\nquestions:\n  - {id: hostile-text}\n")
    key = key_for(assignment, bank_paths=[bank])
    prompt_piece = "Is a &lt; b &amp; c? {not: a = GIFT} ~ ]]&gt; # end"
    moodle = export_bytes(EXPORTERS["moodle"], key)["moodle.xml"]
    question = etree.fromstring(moodle).find("question[@type='numerical']")
    assert prompt_piece in question.findtext("questiontext/text")
    gift = gift_parse(export_bytes(EXPORTERS["gift"], key)["quiz.gift"].decode())
    numerical = next(q for q in gift if q["type"] == "Numerical")
    assert prompt_piece in numerical["stem"]["text"]
    assert numerical["choices"][0]["text"]["number"] == key["students"][0]["questions"][0]["answer"]
    for fmt, name in (("qti12", "canvas-qti12.zip"), ("qti21", "qti21.zip")):
        members = zip_members(export_bytes(EXPORTERS[fmt], key)[name])
        docs = [v for n, v in members.items() if n.endswith(".xml") and "manifest" not in n and "meta" not in n]
        texts = " ".join("".join(etree.fromstring(d).itertext()) for d in docs)
        assert (
            prompt_piece.replace("&lt;", "<").replace("&amp;", "&").replace("&gt;", ">") in texts
            or prompt_piece in texts
        )


ODD = "a < b & c > d \"q\" 's' {x} ~t #h \\ / ]]> &amp; end"


def _odd_key(tmp_path: Path):
    """A key whose feedback, derivations and options hold every character an LMS reads specially: a
    multi-part question with a multiple-choice part (one Cloze question in Moodle), a multiple-choice
    and a numeric question."""
    assignment = tmp_path / "odd.yaml"
    assignment.write_text(
        "title: Odd\nsalt: s\nvariants: 1\nquestions:\n"
        "  - {id: gru-breakdown}\n  - {id: conv1d-layer-choice}\n  - {id: lstm-layer-total}\n"
    )
    key = key_for(assignment)
    questions = key["students"][0]["questions"]
    choice = next(q for q in questions if q["type"] == "multiple_choice")
    part = {**choice, "label": "Q1z", "template_id": questions[0]["template_id"]}
    questions.insert(next(k for k, q in enumerate(questions) if q["label"] == "Q2"), part)
    for q in questions:
        q["derivation"] = f"{ODD} = {q['answer']}"
        q["misconception_feedback"] = {name: f"{ODD} {name}" for name in q["misconceptions"]}
        q["options"] = {letter: f"{ODD} {letter}" for letter in q["options"]}
        q["option_feedback"] = {letter: f"{ODD} why {letter}" for letter in q["options"]}
    return key, questions


def _expected_texts(questions) -> set[str]:
    texts = {f"Correct: {q['derivation']}" for q in questions if q["type"] == "numeric"}
    for q in questions:
        texts |= set(q["misconception_feedback"].values()) if q["type"] == "numeric" else set()
        texts |= set(q["options"].values()) | set(q["option_feedback"].values())
    return texts


def test_feedback_and_options_show_as_written_in_every_lms(tmp_path):
    """Plain text in an LMS's HTML fields is escaped once for HTML (and, in a Cloze question, written
    so that Moodle's reading of embedded answers gives that HTML back)."""
    key, questions = _odd_key(tmp_path)
    expected = _expected_texts(questions)
    root = etree.fromstring(export_bytes(EXPORTERS["moodle"], key)["moodle.xml"])
    (cloze,) = root.findall("question[@type='cloze']")
    embedded = parse_cloze(cloze.findtext("questiontext/text"))
    assert len(embedded) == 4
    read = {
        shown(text) for alternatives in embedded for _, answer, feedback in alternatives for text in (answer, feedback)
    }
    fields = [a.findtext("feedback/text") for a in root.iter("answer")]
    fields += [a.findtext("text") for a in root.findall("question[@type='multichoice']/answer")]
    read |= {shown(text) for text in fields}
    assert expected <= read
    gift = gift_parse(export_bytes(EXPORTERS["gift"], key)["quiz.gift"].decode())
    read = {
        shown(c["feedback"]["text"]) for q in gift if q["type"] != "Category" for c in q["choices"] if c["feedback"]
    }
    read |= {shown(c["text"]["text"]) for q in gift if q["type"] == "MC" for c in q["choices"]}
    assert expected <= read
    members = zip_members(export_bytes(EXPORTERS["qti12"], key)["canvas-qti12.zip"])
    body = next(v for n, v in members.items() if n.count("/") == 1 and n.endswith(".xml") and "meta" not in n)
    mattexts = etree.fromstring(body).iter("{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}mattext")
    read = {shown(m.text) for m in mattexts if m.text and "<p>" not in m.text and "<div>" not in m.text}
    single = [q for q in questions if q["label"][-1].isdigit()]  # Canvas carries no per-part feedback
    assert _expected_texts(single) <= read


def _small_key(tmp_path: Path):
    assignment = tmp_path / "small.yaml"
    assignment.write_text(
        "title: Small quiz\nsalt: golden\nvariants: 2\npartial_credit: {bias_convention: 0.5}\nquestions:\n"
        "  - {id: lstm-layer-total}\n  - {id: lstm-three-inputs-five-units}\n  - {id: gru-lighter-alternative}\n"
        "  - {id: lstm-layer-total-choice}\n"
    )
    return key_for(assignment)


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_golden_files(tmp_path, fmt):
    output = export_bytes(EXPORTERS[fmt], _small_key(tmp_path))
    for name, data in output.items():
        if name.endswith((".zip", ".mbz")):
            members = zip_members(data) if name.endswith(".zip") else tar_members(data)
            for member, content in sorted(members.items()):
                if not member.endswith("/"):
                    check_golden(f"{fmt}/{name}/{member}", content)
        else:
            check_golden(f"{fmt}/{name}", data)


def test_export_command_writes_one_file_and_generate_writes_lms(tmp_path):
    examples = Path(__file__).resolve().parent.parent / "examples"
    target = tmp_path / "hw.xml"
    result = CliRunner().invoke(
        main, ["export", str(examples / "homework.yaml"), "--format", "moodle", "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert etree.fromstring(target.read_bytes()).tag == "quiz"
    again = CliRunner().invoke(
        main, ["export", str(examples / "homework.yaml"), "--format", "moodle", "--out", str(target)]
    )
    assert again.exit_code != 0 and "exists" in again.output
    generate(examples / "homework.yaml", tmp_path / "out", formats=["moodle", "gift", "qti12", "qti21"])
    assert sorted(p.name for p in (tmp_path / "out" / "lms").iterdir()) == [
        "canvas-qti12.zip",
        "moodle.xml",
        "qti21.zip",
        "quiz.gift",
    ]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["formats"] == ["moodle", "gift", "qti12", "qti21"]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_spooled_children_give_the_bytes_of_the_whole_tree(count):
    """Large QTI documents are written child by child; the bytes are those of the whole tree."""

    def child(k):
        node = element(None, "resource", identifier=f"R-{k}", title='a "quoted" & <odd> title')
        element(node, "file", href=f"items/{k}.xml")
        return node

    whole = element(None, "manifest", identifier="M")
    resources = element(whole, "resources")
    for k in range(count):
        resources.append(child(k))
    element(whole, "tail", "text")
    expected = with_default_namespace(whole, "urn:x").decode()

    root = element(None, "manifest", identifier="M")
    resources = element(root, "resources")
    placeholder = hole(resources)
    element(root, "tail", "text")
    out = io.StringIO()
    with ElementSpool(2) as spool:
        for k in range(count):
            spool.add(child(k))
        write_spooled(out, root, "urn:x", [(placeholder, spool)])
    assert out.getvalue() == expected


@pytest.mark.parametrize("members", [0, 3, 70_000])
def test_zip_with_spooled_directory_has_the_bytes_of_a_plain_zip(members):
    """ZipOut keeps its central directory in a temporary file: the zip is byte for byte what
    zipfile writes holding every entry, past the 65,535 entries that need ZIP64 records too."""

    def write(out):
        out.add_folder("folder")
        out.add("é/ünïcode name.svg", "<svg>ü</svg>".encode())
        with out.member("items/document.xml") as text:
            text.write("<item>" + "x" * 5000 + "</item>")
        for k in range(members):
            out.add(f"items/item-{k:05d}.xml", f"<i>{k}</i>".encode())
        out.close()

    spooled = io.BytesIO()
    write(ZipOut(spooled))
    plain_buffer = io.BytesIO()
    plain = ZipOut(plain_buffer)
    plain.archive.filelist, plain.archive.NameToInfo = [], {}
    write(plain)
    assert spooled.getvalue() == plain_buffer.getvalue()
    with zipfile.ZipFile(spooled) as back:
        assert len(back.infolist()) == members + 3
        assert back.read("é/ünïcode name.svg") == "<svg>ü</svg>".encode()
        assert back.testzip() is None


def test_file_spool_gives_files_back_in_name_order_with_their_first_bytes():
    with FileSpool() as spool:
        spool.add("b.svg", b"<b/>")
        spool.add("a.svg", b"<a/>")
        assert spool.read("b.svg") == b"<b/>"
        spool.add("c.svg", b"<c/>")  # after a read: still appended at the end
        spool.add("a.svg", b"<other/>")
        assert spool.names() == ["a.svg", "b.svg", "c.svg"]
        assert [spool.read(name) for name in spool.names()] == [b"<a/>", b"<b/>", b"<c/>"]
