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
    plain_number,
    slots_of,
    slug,
    with_default_namespace,
    write_spooled,
)
from quizgen.export.sink import Sink, ZipOut
from quizgen.render import markdown_html

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
    element(modal, "p", lead)
    _flow(modal, solution)


def item_xml(item: Item, identifier: str, image: str | None, partial: dict[str, float]) -> bytes:
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
    element(element(declaration, "correctResponse"), "value", str(q["answer"]))
    score = element(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    element(element(score, "defaultValue"), "value", "0")
    element(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="single", baseType="identifier")
    body = element(root, "itemBody")
    _flow(body, item.prompt_html(image))
    processing = ET.Element("responseProcessing")
    condition = element(processing, "responseCondition")
    first = element(condition, "responseIf")
    solution = item.solution_html()
    feedback: list[tuple[str, str]] = []
    if item.numeric:
        element(element(body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="12")
        tol = plain_number(q["tolerance"])
        equal = element(first, "equal", toleranceMode="absolute", tolerance=f"{tol} {tol}")
        element(equal, "variable", identifier="RESPONSE")
        element(equal, "correct", identifier="RESPONSE")
        _set(first, "SCORE", "float", plain_number(points))
        _set(first, "FEEDBACK", "identifier", "CORRECT")
        feedback.append(("CORRECT", f"Correct: {q['derivation']}"))
        for n, (value, names) in enumerate(item.wrong_numbers(), start=1):
            branch = element(condition, "responseElseIf")
            equal = element(branch, "equal", toleranceMode="exact")
            element(equal, "variable", identifier="RESPONSE")
            element(equal, "baseValue", plain_number(value), baseType="float")
            _set(branch, "SCORE", "float", plain_number(round(points * item.credit(names, partial), 4)))
            _set(branch, "FEEDBACK", "identifier", f"MISTAKE{n}")
            feedback.append((f"MISTAKE{n}", item.feedback_for(names)))
    else:
        interaction = element(body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false", maxChoices="1")
        for letter, text in q["options"].items():
            element(interaction, "simpleChoice", text, identifier=letter)
            feedback.append((letter, q["option_feedback"].get(letter, "")))
        match = element(first, "match")
        element(match, "variable", identifier="RESPONSE")
        element(match, "correct", identifier="RESPONSE")
        _set(first, "SCORE", "float", plain_number(points))
    otherwise = element(condition, "responseElse")
    if item.numeric:
        _set(otherwise, "FEEDBACK", "identifier", "WRONG")
        feedback.append(("WRONG", "Not right: compare with the worked solution."))
    else:
        outcome = element(otherwise, "setOutcomeValue", identifier="FEEDBACK")
        element(outcome, "variable", identifier="RESPONSE")
        correct_feedback = element(first, "setOutcomeValue", identifier="FEEDBACK")
        element(correct_feedback, "variable", identifier="RESPONSE")
    root.append(processing)
    for ident, lead in feedback:
        _feedback(root, ident, lead, solution)
    return with_default_namespace(root, QTI)


def parts_xml(variant: Variant, identifier: str, image: str | None, partial: dict[str, float]) -> bytes:
    """A multi-part variant as one item: an interaction per part, each scored (mistakes with their credit)."""
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
        element(element(declaration, "correctResponse"), "value", str(item.question["answer"]))
    score = element(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    element(element(score, "defaultValue"), "value", "0")
    element(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="single", baseType="identifier")
    body = element(root, "itemBody")
    _flow(body, first.prompt_html(image, include_prompt=False))
    processing = ET.Element("responseProcessing")
    for ident, part, item in responses:
        q = item.question
        block = element(body, "div")
        element(element(block, "p"), "strong", f"({part.lower()})")
        _flow(block, str(markdown_html(q["prompt"])))
        if item.numeric:
            element(element(block, "p"), "textEntryInteraction", responseIdentifier=ident, expectedLength="12")
        else:
            interaction = element(block, "choiceInteraction", responseIdentifier=ident, shuffle="false", maxChoices="1")
            for letter, text in q["options"].items():
                element(interaction, "simpleChoice", text, identifier=letter)
        points = float(q["points"])
        condition = element(processing, "responseCondition")
        first_branch = element(condition, "responseIf")
        if item.numeric:
            tol = plain_number(q["tolerance"])
            test = element(first_branch, "equal", toleranceMode="absolute", tolerance=f"{tol} {tol}")
        else:
            test = element(first_branch, "match")
        element(test, "variable", identifier=ident)
        element(test, "correct", identifier=ident)
        _add(first_branch, points)
        if item.numeric:
            for value, names in item.wrong_numbers():
                credit = round(points * item.credit(names, partial), 4)
                if not credit:
                    continue
                branch = element(condition, "responseElseIf")
                equal = element(branch, "equal", toleranceMode="exact")
                element(equal, "variable", identifier=ident)
                element(equal, "baseValue", plain_number(value), baseType="float")
                _add(branch, credit)
    _set(processing, "FEEDBACK", "identifier", "SOLUTION")
    root.append(processing)
    modal = element(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier="SOLUTION", showHide="show")
    _flow(modal, "".join(item.solution_html() for item in variant.items))
    return with_default_namespace(root, QTI)


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
                    identifier = _write_item(archive, variant, _identifier_of(variant, taken), images, partial)
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


def _write_item(archive: ZipOut, variant: Variant, identifier: str, images: set[str], partial: dict[str, float]) -> str:
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
        document = parts_xml(variant, identifier, image, partial)
    else:
        document = item_xml(first, identifier, image, partial)
    archive.add(f"items/{identifier}.xml", document)
    return identifier
