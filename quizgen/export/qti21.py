"""IMS QTI 2.1 content package: imsmanifest.xml and one assessmentItem per variant."""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree as ET

from quizgen.export.common import (
    Item,
    add_resource,
    element,
    groups_of,
    manifest,
    plain_number,
    slug,
    with_default_namespace,
)
from quizgen.export.sink import Sink

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


def _identifier(item: Item, taken: set[str]) -> str:
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
    with sink.zip("qti21.zip") as archive:
        for group in groups_of(key):
            for item in group.items:
                identifier = _identifier(item, taken)
                image = None
                diagram = item.diagram
                if diagram:
                    name, svg = diagram
                    image = f"images/{name}"
                    if image not in images:
                        images.add(image)
                        archive.add(f"items/{image}", svg.encode())
                archive.add(f"items/{identifier}.xml", item_xml(item, identifier, image, partial))
                files = [f"items/{identifier}.xml", *([f"items/{image}"] if image else [])]
                add_resource(resources, f"RES-{identifier}", "imsqti_item_xmlv2p1", files, href=files[0])
        archive.add("imsmanifest.xml", with_default_namespace(root, CP))
