"""IMS QTI 2.1 content package: an assessmentItem per variant (one for all parts of a multi-part question),
an assessmentTest with a section per numbered question, and the manifest."""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from lxml import etree as ET

from quizgen.export.common import (
    ElementSpool,
    Item,
    Variant,
    add_resource,
    element,
    hole,
    manifest,
    number_text,
    plain_number,
    slots_of,
    slug,
    with_default_namespace,
    write_spooled,
)
from quizgen.export.sink import Sink, ZipOut
from quizgen.render.pages import markdown_html

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"


def _flow(parent: ET.Element, xhtml: str) -> None:
    """Append XHTML (from Markdown and our own markup) as QTI flow content."""
    wrapper = ET.fromstring(f"<div>{xhtml}</div>")
    for child in list(wrapper):
        parent.append(child)
    if wrapper.text and wrapper.text.strip():
        element(parent, "p", wrapper.text.strip())


def _set(parent: ET.Element, identifier: str, base_type: str, value: str) -> None:
    outcome = element(parent, "setOutcomeValue", identifier=identifier)
    element(outcome, "baseValue", value, baseType=base_type)


def _feedback(root: ET.Element, identifier: str, lead: str, solution: str) -> None:
    modal = element(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=identifier, showHide="show")
    if lead:
        element(modal, "p", lead)
    if solution:
        _flow(modal, solution)


DIGITS_ONLY = "Type digits only, without thousands separators (2304, not 2,304)."
WRONG = "Not right: compare with the worked solution."


def _outcomes(root: ET.Element, points: float, feedback: str = "single") -> None:
    """SCORE (0 until scored), MAXSCORE (the item's points) and the FEEDBACK outcome."""
    score = element(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    element(element(score, "defaultValue"), "value", "0")
    maximum = element(root, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single", baseType="float")
    element(element(maximum, "defaultValue"), "value", number_text(points))
    element(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality=feedback, baseType="identifier")


def _entry(parent: ET.Element, identifier: str) -> None:
    """A text entry for a number, and the line saying how to type it."""
    element(element(parent, "p"), "textEntryInteraction", responseIdentifier=identifier, expectedLength="12")
    element(parent, "p", DIGITS_ONLY)


def _choices(parent: ET.Element, identifier: str, options: dict[str, str]) -> None:
    interaction = element(parent, "choiceInteraction", responseIdentifier=identifier, shuffle="false", maxChoices="1")
    for letter, text in options.items():
        element(interaction, "simpleChoice", text, identifier=letter)


def _near(parent: ET.Element, response: str, value: float | None, tolerance: float) -> None:
    """RESPONSE within ``tolerance`` of ``value`` (of the correct response when None)."""
    if tolerance:
        tol = number_text(tolerance)
        test = element(parent, "equal", toleranceMode="absolute", tolerance=f"{tol} {tol}")
    else:
        test = element(parent, "equal", toleranceMode="exact")
    element(test, "variable", identifier=response)
    if value is None:
        element(test, "correct", identifier=response)
    else:
        element(test, "baseValue", number_text(value), baseType="float")


def _chosen(parent: ET.Element, response: str, letter: str | None) -> None:
    """RESPONSE is this option (the correct one when None)."""
    match = element(parent, "match")
    element(match, "variable", identifier=response)
    if letter is None:
        element(match, "correct", identifier=response)
    else:
        element(match, "baseValue", letter, baseType="identifier")


def scoring(
    item: Item, response: str, partial: dict[str, float], sink: Sink | None
) -> list[tuple[str | None, float, str, str]]:
    """How a response is scored, in order: (option letter or None, value or 0, share of points,
    feedback id) for the right answer first, then each credited or named mistake; the same credit as
    the other exports give."""
    q = item.question
    rules: list[tuple[str | None, float, str, str]] = []
    if item.numeric:
        rules.append((None, float(q["answer"]), "1", "CORRECT"))
        for n, mistake in enumerate(item.scored_mistakes(partial, sink), start=1):
            rules.append((None, mistake.value, repr(mistake.credit), f"MISTAKE{n}"))
    else:
        for letter in q["options"]:
            share = item.option_credit(letter, partial)
            if letter == q["answer"] or share:
                rules.append((letter, 0.0, repr(share), letter))
        rules.sort(key=lambda rule: rule[0] != q["answer"])
    return rules


def item_xml(
    item: Item, identifier: str, image: str | None, partial: dict[str, float], sink: Sink | None = None
) -> bytes:
    q = item.question
    points = float(q["points"])
    root = element(
        None,
        "assessmentItem",
        identifier=identifier,
        title=q["title"],
        adaptive="false",
        timeDependent="false",
    )
    base = "float" if item.numeric else "identifier"
    declaration = element(root, "responseDeclaration", identifier="RESPONSE", cardinality="single", baseType=base)
    element(element(declaration, "correctResponse"), "value", _correct(item))
    _outcomes(root, points)
    body = element(root, "itemBody")
    _flow(body, item.prompt_html(image))
    processing = ET.Element("responseProcessing")
    if item.numeric:
        _entry(body, "RESPONSE")
        feedback = [("CORRECT", f"Correct: {q['derivation']}")]
        feedback += [(f"MISTAKE{n}", m.feedback) for n, m in enumerate(item.scored_mistakes(partial), start=1)]
        feedback.append(("WRONG", WRONG))
    else:
        _choices(body, "RESPONSE", q["options"])
        feedback = [(letter, q["option_feedback"].get(letter, "")) for letter in q["options"]]
        outcome = element(processing, "setOutcomeValue", identifier="FEEDBACK")
        element(outcome, "variable", identifier="RESPONSE")
    condition = element(processing, "responseCondition")
    for n, (letter, value, share, fb) in enumerate(scoring(item, "RESPONSE", partial, sink)):
        branch = element(condition, "responseElseIf" if n else "responseIf")
        if item.numeric:
            _near(branch, "RESPONSE", None if n == 0 else value, float(q["tolerance"]))
        else:
            _chosen(branch, "RESPONSE", None if n == 0 else letter)
        _set(branch, "SCORE", "float", number_text(round(points * float(share), 4)))
        if item.numeric:
            _set(branch, "FEEDBACK", "identifier", fb)
    if item.numeric:
        _set(element(condition, "responseElse"), "FEEDBACK", "identifier", "WRONG")
    root.append(processing)
    solution = item.solution_html()
    for ident, lead in feedback:
        _feedback(root, ident, lead, solution)
    return with_default_namespace(root, QTI)


def _correct(item: Item) -> str:
    return number_text(item.question["answer"]) if item.numeric else str(item.question["answer"])


def parts_xml(
    variant: Variant, identifier: str, image: str | None, partial: dict[str, float], sink: Sink | None = None
) -> bytes:
    """A multi-part variant as one item: an interaction per part, each scored (mistakes and credited
    options with their credit), each part's feedback for what was answered, then the worked solution."""
    first = variant.items[0]
    root = element(
        None,
        "assessmentItem",
        identifier=identifier,
        title=first.question["title"],
        adaptive="false",
        timeDependent="false",
    )
    responses = []
    for item in variant.items:
        part = item.label[len(item.label.rstrip("abcdefgh")) :].upper()
        ident = f"RESPONSE_{part}"
        responses.append((ident, part, item))
        base = "float" if item.numeric else "identifier"
        declaration = element(root, "responseDeclaration", identifier=ident, cardinality="single", baseType=base)
        element(element(declaration, "correctResponse"), "value", _correct(item))
    _outcomes(root, sum(float(item.question["points"]) for item in variant.items), "multiple")
    body = element(root, "itemBody")
    _flow(body, first.prompt_html(image, include_prompt=False))
    processing = ET.Element("responseProcessing")
    start = element(element(processing, "setOutcomeValue", identifier="FEEDBACK"), "multiple")
    element(start, "baseValue", "SOLUTION", baseType="identifier")
    feedback: list[tuple[str, str]] = []
    for ident, part, item in responses:
        q = item.question
        block = element(body, "div")
        element(element(block, "p"), "strong", f"({part.lower()})")
        _flow(block, str(markdown_html(q["prompt"])))
        if item.numeric:
            _entry(block, ident)
        else:
            _choices(block, ident, q["options"])
        points = float(q["points"])
        condition = element(processing, "responseCondition")
        rules = scoring(item, ident, partial, sink)
        for n, (letter, value, share, fb) in enumerate(rules):
            branch = element(condition, "responseElseIf" if n else "responseIf")
            if item.numeric:
                _near(branch, ident, None if n == 0 else value, float(q["tolerance"]))
            else:
                _chosen(branch, ident, None if n == 0 else letter)
            credit = round(points * float(share), 4)
            if credit:
                _add(branch, credit)
            _include(branch, f"{part}_{fb}")
        if item.numeric:
            feedback.append((f"{part}_CORRECT", f"({part.lower()}) Correct: {q['derivation']}"))
            mistakes = item.scored_mistakes(partial)
            feedback += [(f"{part}_MISTAKE{n}", f"({part.lower()}) {m.feedback}") for n, m in enumerate(mistakes, 1)]
            _include(element(condition, "responseElse"), f"{part}_WRONG")
            feedback.append((f"{part}_WRONG", f"({part.lower()}) {WRONG}"))
        else:
            for letter in q["options"]:
                if not any(rule[0] == letter for rule in rules):
                    branch = element(condition, "responseElseIf")
                    _chosen(branch, ident, letter)
                    _include(branch, f"{part}_{letter}")
            for letter in q["options"]:
                feedback.append((f"{part}_{letter}", f"({part.lower()}) {q['option_feedback'].get(letter, '')}"))
    root.append(processing)
    for ident, lead in feedback:
        _feedback(root, ident, lead, "")
    _feedback(root, "SOLUTION", "", "".join(item.solution_html() for item in variant.items))
    return with_default_namespace(root, QTI)


def _include(branch: ET.Element, identifier: str) -> None:
    """FEEDBACK gains ``identifier`` (a multiple outcome: one feedback per part is shown)."""
    outcome = element(branch, "setOutcomeValue", identifier="FEEDBACK")
    together = element(outcome, "multiple")
    element(together, "variable", identifier="FEEDBACK")
    element(together, "baseValue", identifier, baseType="identifier")


def _add(branch: ET.Element, points: float) -> None:
    """SCORE = SCORE + points."""
    outcome = element(branch, "setOutcomeValue", identifier="SCORE")
    total = element(outcome, "sum")
    element(total, "variable", identifier="SCORE")
    element(total, "baseValue", plain_number(points), baseType="float")


class Heading(NamedTuple):
    """What the assessmentTest says of a numbered question (kept instead of all its variants)."""

    label: str
    title: str


def test_document(key: dict[str, Any]) -> tuple[Any, Any]:
    """The assessmentTest without its sections: (root, the test part the sections go in). A section
    per numbered question selects one of its templates (a pool), each a section selecting one of its
    variants; the score is the sum of the items'."""
    root = element(None, "assessmentTest", identifier="TEST-" + slug(key["assignment"]), title=key["assignment"])
    score = element(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    element(element(score, "defaultValue"), "value", "0")
    part = element(root, "testPart", identifier="PART-1", navigationMode="nonlinear", submissionMode="simultaneous")
    processing = element(root, "outcomeProcessing")
    outcome = element(processing, "setOutcomeValue", identifier="SCORE")
    element(element(outcome, "sum"), "testVariables", variableIdentifier="SCORE")
    return root, part


def test_section(slot: Heading, refs: dict[str, list[str]]) -> Any:
    """One numbered question's section of the assessmentTest."""
    section = element(None, "assessmentSection", identifier=f"SECTION-{slot.label}", title=slot.title, visible="true")
    element(section, "selection", select="1")
    for template_id, identifiers in refs.items():
        group = element(
            section,
            "assessmentSection",
            identifier=f"SECTION-{slot.label}-{slug(template_id)}",
            title=template_id,
            visible="false",
        )
        element(group, "selection", select="1")
        for identifier in identifiers:
            element(group, "assessmentItemRef", identifier=f"REF-{identifier}", href=f"../items/{identifier}.xml")
    return section


def _identifier(item: Item | Variant, taken: set[str]) -> str:
    base = "item-" + slug(item.ident)
    if base in taken:
        base += "-" + hashlib.sha256(item.ident.encode()).hexdigest()[:8]
    taken.add(base)
    return base


def export(key: dict[str, Any], sink: Sink) -> None:
    partial = key.get("partial_credit", {})
    root, resources = manifest("MANIFEST-" + slug(key["assignment"]), "QTIv2.1 Package", "1.0.0")
    taken: set[str] = set()
    images: set[str] = set()
    # The manifest's resources, the test's dependencies and sections: written out as they come.
    with (
        ElementSpool(2) as items,
        ElementSpool(3) as dependencies,
        ElementSpool(2) as sections,
        sink.zip("qti21.zip") as archive,
    ):
        for slot in slots_of(key):
            refs: dict[str, list[str]] = {}
            for template_id, variants in slot.templates.items():
                for variant in variants:
                    identifier = _write_item(archive, variant, _identifier_of(variant, taken), images, partial, sink)
                    image = variant.items[0].diagram
                    files = [f"items/{identifier}.xml", *([f"items/images/{image[0]}"] if image else [])]
                    items.add(add_resource(None, f"RES-{identifier}", "imsqti_item_xmlv2p1", files, href=files[0]))
                    dependencies.add(element(None, "dependency", identifierref=f"RES-{identifier}"))
                    refs.setdefault(template_id, []).append(identifier)
            sections.add(test_section(Heading(slot.label, slot.title), refs))
        with archive.member("tests/test.xml") as out:
            test_root, part = test_document(key)
            write_spooled(out, test_root, QTI, [(hole(part), sections)])
        with archive.member("imsmanifest.xml") as out:
            items_hole = hole(resources, 0)
            test = element(resources, "resource", identifier="RES-TEST", type="imsqti_test_xmlv2p1")
            test.set("href", "tests/test.xml")
            element(test, "file", href="tests/test.xml")
            write_spooled(out, root, CP, [(items_hole, items), (hole(test, 1), dependencies)])


def _identifier_of(variant: Variant, taken: set[str]) -> str:
    return _identifier(variant if variant.multi_part else variant.items[0], taken)


def _write_item(
    archive: ZipOut, variant: Variant, identifier: str, images: set[str], partial: dict[str, float], sink: Sink
) -> str:
    """The variant's item document (and its diagram, once) into the package."""
    first = variant.items[0]
    image = None
    diagram = first.diagram
    if diagram:
        name, svg = diagram
        image = f"images/{name}"
        if image not in images:
            images.add(image)
            archive.add(f"items/{image}", svg.encode())
    if variant.multi_part:
        document = parts_xml(variant, identifier, image, partial, sink)
    else:
        document = item_xml(first, identifier, image, partial, sink)
    archive.add(f"items/{identifier}.xml", document)
    return identifier
