"""IMS QTI 2.1 content package: imsmanifest.xml and one assessmentItem per variant."""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree as ET

from quizgen.export.common import Item, groups_of, slug, with_default_namespace
from quizgen.export.sink import Sink
from quizgen.render import format_number

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"


def _e(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.Element(tag, attrs) if parent is None else ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _number(value: float) -> str:
    return format_number(value).replace(",", "")


def _flow(parent: ET.Element, xhtml: str) -> None:
    """Append XHTML (from Markdown and our own markup) as QTI flow content."""
    wrapper = ET.fromstring(f"<div>{xhtml}</div>")
    for child in list(wrapper):
        parent.append(child)
    if wrapper.text and wrapper.text.strip():
        _e(parent, "p", wrapper.text.strip())


def _set(parent: ET.Element, identifier: str, base_type: str, value: str) -> None:
    outcome = _e(parent, "setOutcomeValue", identifier=identifier)
    _e(outcome, "baseValue", value, baseType=base_type)


def _feedback(root: ET.Element, identifier: str, lead: str, solution: str) -> None:
    modal = _e(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=identifier, showHide="show")
    _e(modal, "p", lead)
    _flow(modal, solution)


def item_xml(item: Item, identifier: str, image: str | None, partial: dict[str, float]) -> bytes:
    q = item.question
    points = float(q["points"])
    root = _e(
        None,
        "assessmentItem",
        identifier=identifier,
        title=q["title"],
        adaptive="false",
        timeDependent="false",
    )
    base = "float" if item.numeric else "identifier"
    declaration = _e(root, "responseDeclaration", identifier="RESPONSE", cardinality="single", baseType=base)
    _e(_e(declaration, "correctResponse"), "value", str(q["answer"]))
    score = _e(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    _e(_e(score, "defaultValue"), "value", "0")
    _e(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="single", baseType="identifier")
    body = _e(root, "itemBody")
    _flow(body, item.prompt_html(image))
    processing = ET.Element("responseProcessing")
    condition = _e(processing, "responseCondition")
    first = _e(condition, "responseIf")
    solution = item.solution_html()
    feedback: list[tuple[str, str]] = []
    if item.numeric:
        _e(_e(body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="12")
        tol = _number(q["tolerance"])
        equal = _e(first, "equal", toleranceMode="absolute", tolerance=f"{tol} {tol}")
        _e(equal, "variable", identifier="RESPONSE")
        _e(equal, "correct", identifier="RESPONSE")
        _set(first, "SCORE", "float", _number(points))
        _set(first, "FEEDBACK", "identifier", "CORRECT")
        feedback.append(("CORRECT", f"Correct: {q['derivation']}"))
        for n, (value, names) in enumerate(item.wrong_numbers(), start=1):
            branch = _e(condition, "responseElseIf")
            equal = _e(branch, "equal", toleranceMode="exact")
            _e(equal, "variable", identifier="RESPONSE")
            _e(equal, "baseValue", _number(value), baseType="float")
            _set(branch, "SCORE", "float", _number(round(points * item.credit(names, partial), 4)))
            _set(branch, "FEEDBACK", "identifier", f"MISTAKE{n}")
            feedback.append((f"MISTAKE{n}", item.feedback_for(names)))
    else:
        interaction = _e(body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false", maxChoices="1")
        for letter, text in q["options"].items():
            _e(interaction, "simpleChoice", text, identifier=letter)
            feedback.append((letter, q["option_feedback"].get(letter, "")))
        match = _e(first, "match")
        _e(match, "variable", identifier="RESPONSE")
        _e(match, "correct", identifier="RESPONSE")
        _set(first, "SCORE", "float", _number(points))
    otherwise = _e(condition, "responseElse")
    if item.numeric:
        _set(otherwise, "FEEDBACK", "identifier", "WRONG")
        feedback.append(("WRONG", "Not right: compare with the worked solution."))
    else:
        outcome = _e(otherwise, "setOutcomeValue", identifier="FEEDBACK")
        _e(outcome, "variable", identifier="RESPONSE")
        correct_feedback = _e(first, "setOutcomeValue", identifier="FEEDBACK")
        _e(correct_feedback, "variable", identifier="RESPONSE")
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
    manifest = _e(None, "manifest", identifier="MANIFEST-" + slug(key["assignment"]))
    metadata = _e(manifest, "metadata")
    _e(metadata, "schema", "QTIv2.1 Package")
    _e(metadata, "schemaversion", "1.0.0")
    _e(manifest, "organizations")
    resources = _e(manifest, "resources")
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
                resource = _e(
                    resources,
                    "resource",
                    identifier=f"RES-{identifier}",
                    type="imsqti_item_xmlv2p1",
                    href=f"items/{identifier}.xml",
                )
                _e(resource, "file", href=f"items/{identifier}.xml")
                if image:
                    _e(resource, "file", href=f"items/{image}")
        archive.add("imsmanifest.xml", with_default_namespace(manifest, CP))
