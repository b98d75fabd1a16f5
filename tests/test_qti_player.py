"""The QTI 2.1 export scored by a real player: Citolab's qti-convert turns each item into QTI 3 (its
Node entry point carries the QTI 2→3 stylesheet) and Citolab's qti-components renders and scores it
in Debian's Chromium. Every item type: the right answers earn full marks, each named mistake its
credit from the assignment's partial_credit, anything else 0. The player ignores numeric tolerance,
so tolerance items are typed at their exact values here and their bands are checked in the XML."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from lms_helpers import qti3_items, qti_player_script
from lxml import etree

from quizgen.export import EXPORTERS
from quizgen.export.sink import export_bytes
from quizgen.publish.generate import key_for

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
PARTIAL = {"bias_convention": 0.5, "gru_reset_after": 0.5, "forgot_bias": 0.25}
ASSIGNMENT = f"""title: Player check
salt: player
variants: 2
partial_credit: {json.dumps(PARTIAL)}
questions:
  - {{id: lstm-layer-total}}
  - {{id: gru-reset-after-false}}
  - {{id: gru-versus-lstm-ratio, points: 2}}
  - {{id: lstm-three-inputs-five-units, points: 3}}
  - {{id: lstm-weight-sets}}
"""

PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="{script}"></script></head>
<body><div id="host"></div><script>
window.loadItem = async (xml) => {{
  const host = document.getElementById('host');
  host.innerHTML = '';
  host.appendChild(QtiComponents.qtiTransformItem().parse(xml).htmlDoc());
  await customElements.whenDefined('qti-assessment-item');
  await host.querySelector('qti-assessment-item').updateComplete;
}};
window.score = () => {{
  const item = document.querySelector('qti-assessment-item');
  item.processResponse();
  return item.getOutcome('SCORE').value;
}};
</script></body></html>"""


def typed(value: float) -> str:
    """A number as a student types it, digits only."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def named_mistakes(q: dict) -> dict[float, float]:
    """Numbers a named mistake gives (outside twice the tolerance of the right answer, where its band
    meets no right answer's) and the credit each earns: the best of the mistakes behind it."""
    found: dict[float, float] = {}
    for name, value in q["misconceptions"].items():
        if abs(value - q["answer"]) > 2 * q["tolerance"]:
            found[value] = max(found.get(value, 0.0), PARTIAL.get(name, 0.0))
    return found


def option_credit(q: dict, letter: str) -> float:
    if letter == q["answer"]:
        return 1.0
    return max((PARTIAL.get(n, 0.0) for n, v in q["misconceptions"].items() if v == letter), default=0.0)


def other_number(q: dict) -> float:
    """A number no rule of the item matches."""
    value = float(q["answer"]) * 3 + 17
    while any(abs(value - v) < 1 for v in q["misconceptions"].values()):
        value += 101
    return value


def responses(parts: list[dict]) -> list[tuple[dict[str, str], float]]:
    """(a response for each part, the score it must earn): all right, then each part in turn answered
    with each option or named mistake, then with a number no rule matches, the other parts right."""
    right = {_response(q, len(parts)): typed(q["answer"]) if q["type"] == "numeric" else q["answer"] for q in parts}
    total = sum(float(q["points"]) for q in parts)
    cases = [(right, total)]
    for q in parts:
        ident, points = _response(q, len(parts)), float(q["points"])
        if q["type"] == "numeric":
            wrong = {value: credit for value, credit in named_mistakes(q).items()}
            wrong[other_number(q)] = 0.0
            answers = [(typed(value), credit) for value, credit in wrong.items()]
        else:
            answers = [(letter, option_credit(q, letter)) for letter in q["options"] if letter != q["answer"]]
        cases += [({**right, ident: answer}, total - points + points * credit) for answer, credit in answers]
    return cases


def _response(q: dict, count: int) -> str:
    return "RESPONSE" if count == 1 else "RESPONSE_" + q["label"][-1].upper()


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("player")
    (folder / "a.yaml").write_text(ASSIGNMENT)
    key = key_for(folder / "a.yaml")
    for student in key["students"]:  # a multi-part question with a multiple-choice part (as Q4d)
        questions = student["questions"]
        choice = next(q for q in questions if q["template_id"] == "gru-reset-after-false")
        part = {**choice, "label": "Q4d", "template_id": "lstm-three-inputs-five-units", "points": 1.0}
        questions.insert(next(k for k, q in enumerate(questions) if q["label"] == "Q5"), part)
    members = zipfile.ZipFile(io.BytesIO(export_bytes(EXPORTERS["qti21"], key)["qti21.zip"]))
    items = {n: members.read(n).decode() for n in members.namelist() if n.startswith("items/item-")}
    return key, items


def _parts_of(key, student_id: str, ident: str) -> list[dict]:
    student = next(s for s in key["students"] if s["student_id"] == student_id)
    return [q for q in student["questions"] if ident.startswith(f"items/item-{q['template_id']}-")]


def test_every_item_type_scores_as_the_key_says_in_the_player(export, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    key, items = export
    converted = qti3_items({name: xml for name, xml in items.items() if name.endswith(".xml")})
    page_file = tmp_path / "player.html"
    page_file.write_text(PAGE.format(script=qti_player_script().as_uri()))
    checked: dict[str, int] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(page_file.as_uri())
        for name, qti3 in sorted(converted.items()):
            student = name.rsplit("-", 1)[1].removesuffix(".xml").upper()
            parts = _parts_of(key, student, name)
            assert parts, name
            page.evaluate("xml => loadItem(xml)", qti3)
            current: dict[str, str] = {}
            for answers, expected in responses(parts):
                for ident, answer in answers.items():
                    if current.get(ident) == answer:
                        continue  # clicking a chosen option again would clear it
                    current[ident] = answer
                    q = next(q for q in parts if _response(q, len(parts)) == ident)
                    if q["type"] == "numeric":
                        box = page.locator(f"qti-text-entry-interaction[response-identifier={ident}] input")
                        box.fill(answer)
                        box.press("Tab")
                    else:
                        choices = page.locator(f"qti-choice-interaction[response-identifier={ident}]")
                        choices.locator(f"qti-simple-choice[identifier={answer}]").click()
                score = float(page.evaluate("score()"))
                assert score == pytest.approx(expected, abs=1e-4), (name, answers)
                kind = (
                    "multi-part"
                    if len(parts) > 1
                    else parts[0]["type"] + (" tolerance" if parts[0]["tolerance"] else "")
                )
                checked[kind] = checked.get(kind, 0) + 1
        browser.close()
    assert set(checked) == {"numeric", "numeric tolerance", "multiple_choice", "multi-part"}, checked


def test_a_credited_choice_and_a_rounded_ratio_are_in_the_assignment(export):
    key, _ = export
    questions = [q for s in key["students"] for q in s["questions"]]
    assert any(0 < option_credit(q, k) < 1 for q in questions if q["type"] == "multiple_choice" for k in q["options"])
    assert any(credit > 0 for q in questions if q["tolerance"] for credit in named_mistakes(q).values())


def test_tolerance_bands_in_the_xml(export):
    """What the player cannot score: a mistake on a rounded answer is matched within the question's
    tolerance (a ratio to two decimals: 1.30 for 1.2963), the right answer within its own, and a
    mistake whose band would meet the right answer's is not scored at all."""
    key, items = export
    seen = 0
    for name, xml in items.items():
        student = name.rsplit("-", 1)[1].removesuffix(".xml").upper()
        (q,) = [q for q in _parts_of(key, student, name) if q["tolerance"]] or [None]
        if q is None:
            continue
        root = etree.fromstring(xml.encode())
        tests = root.findall(f".//{QTI}responseCondition/*/{QTI}equal")
        tol = f"{typed(q['tolerance'])} {typed(q['tolerance'])}"
        assert {(t.get("toleranceMode"), t.get("tolerance")) for t in tests} == {("absolute", tol)}
        values = {float(t.findtext(f"{QTI}baseValue")) for t in tests if t.find(f"{QTI}baseValue") is not None}
        assert values == set(named_mistakes(q))
        for value, credit in named_mistakes(q).items():
            rounded = round(value, 2)
            assert abs(rounded - value) <= q["tolerance"]  # what a student types to two decimals is in the band
            seen += credit > 0
    assert seen
