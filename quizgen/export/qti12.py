"""Canvas classic quizzes: a QTI 1.2 zip with one question group per numbered question (one variant each)."""

from __future__ import annotations

import hashlib
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree as ET

from quizgen.export.common import (
    ElementSpool,
    FileSpool,
    Item,
    Variant,
    add_resource,
    element,
    hole,
    html_text,
    manifest,
    number_text,
    plain_number,
    slots_of,
    slug,
    with_default_namespace,
    write_child,
    write_spooled,
)
from quizgen.export.sink import Sink
from quizgen.render.pages import markdown_html

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CC = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _ident(*parts: str) -> str:
    return "g" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def _material(parent: ET.Element, html: str) -> None:
    element(element(parent, "material"), "mattext", html, texttype="text/html")


def _metadata(item_el: ET.Element, fields: dict[str, str]) -> None:
    meta = element(element(item_el, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = element(meta, "qtimetadatafield")
        element(field, "fieldlabel", label)
        element(field, "fieldentry", entry)


def _feedback(item_el: ET.Element, ident: str, html: str) -> None:
    _material(element(element(item_el, "itemfeedback", ident=ident), "flow_mat"), html)


def _condition(processing: ET.Element, cont: str) -> tuple[ET.Element, ET.Element]:
    condition = element(processing, "respcondition", **{"continue": cont})
    return condition, element(condition, "conditionvar")


def _show(condition: ET.Element, ident: str) -> None:
    element(condition, "displayfeedback", feedbacktype="Response", linkrefid=ident)


def _item(section: ET.Element, item: Item, image: str | None, partial: dict[str, float], sink: Sink) -> None:
    q = item.question
    ident = _ident(item.ident)
    el = element(section, "item", ident=ident, title=q["title"])
    kind = "numerical_question" if item.numeric else "multiple_choice_question"
    _metadata(el, {"question_type": kind, "points_possible": plain_number(q["points"]), "original_answer_ids": ""})
    presentation = element(el, "presentation")
    _material(presentation, item.prompt_html(image))
    processing = ET.Element("resprocessing")
    outcomes = element(processing, "outcomes")
    element(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    condition, var = _condition(processing, "Yes")
    element(var, "other")
    _show(condition, "general_fb")
    feedback: list[tuple[str, str]] = [("general_fb", item.solution_html())]
    if item.numeric:
        response = element(presentation, "response_str", ident="response1", rcardinality="Single")
        element(element(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
        for n, mistake in enumerate(item.scored_mistakes(partial, sink), start=1):
            condition, var = _condition(processing, "Yes")
            _band(var, mistake.value, q["tolerance"])
            if mistake.credit:
                element(condition, "setvar", number_text(round(100 * mistake.credit, 4)), action="Set", varname="SCORE")
            _show(condition, f"mistake{n}_fb")
            feedback.append((f"mistake{n}_fb", html_text(mistake.feedback)))
        condition, var = _condition(processing, "No")
        _band(var, q["answer"], q["tolerance"])
        element(condition, "setvar", "100", action="Set", varname="SCORE")
        _show(condition, "correct_fb")
        feedback.append(("correct_fb", html_text(f"Correct: {q['derivation']}")))
    else:
        response = element(presentation, "response_lid", ident="response1", rcardinality="Single")
        choices = element(response, "render_choice")
        for letter, text in q["options"].items():
            _material(element(choices, "response_label", ident=letter), html_text(text))
            condition, var = _condition(processing, "Yes")
            element(var, "varequal", letter, respident="response1")
            _show(condition, f"{letter}_fb")
            feedback.append((f"{letter}_fb", html_text(q["option_feedback"].get(letter, ""))))
        condition, var = _condition(processing, "No")
        element(var, "varequal", q["answer"], respident="response1")
        element(condition, "setvar", "100", action="Set", varname="SCORE")
        for letter in q["options"]:
            share = item.option_credit(letter, partial)
            if letter != q["answer"] and share:
                condition, var = _condition(processing, "No")
                element(var, "varequal", letter, respident="response1")
                element(condition, "setvar", number_text(round(100 * share, 4)), action="Set", varname="SCORE")
    condition, var = _condition(processing, "Yes")
    element(var, "other")
    _show(condition, "general_incorrect_fb")
    feedback.append(("general_incorrect_fb", "Not right: compare with the worked solution."))
    el.append(processing)
    for fb_ident, html in feedback:
        _feedback(el, fb_ident, html)


def _credits_a_mistake(item: Item, partial: dict[str, float]) -> bool:
    if item.numeric:
        return any(m.credit for m in item.scored_mistakes(partial))
    return any(0 < item.option_credit(letter, partial) < 1 for letter in item.question["options"])


def _band(var: ET.Element, value: float, tolerance: float) -> None:
    """The response is ``value`` (as typed) or within ``tolerance`` of it."""
    either = element(var, "or")
    element(either, "varequal", number_text(value), respident="response1")
    both = element(either, "and")
    element(both, "vargte", number_text(value - tolerance), respident="response1")
    element(both, "varlte", number_text(value + tolerance), respident="response1")


def spellings(value: float) -> list[str]:
    """How a number may be typed into a blank: ``2304``, ``2,304``, ``2 304``, ``2304.0``."""
    plain = plain_number(value)
    forms = [plain]
    if float(value).is_integer():
        grouped = f"{int(value):,}"
        forms += [grouped, grouped.replace(",", " "), f"{int(value)}.0"]
    return list(dict.fromkeys(forms))


def _blanks(section: ET.Element, variant: Variant, image: str | None) -> None:
    """A multi-part variant as one fill-in-multiple-blanks question: a blank per part, each right answer
    in its usual spellings (Canvas matches a blank's text exactly: no tolerance, no per-mistake credit)."""
    first = variant.items[0]
    el = element(section, "item", ident=_ident(variant.ident), title=first.question["title"])
    total = sum(float(item.question["points"]) for item in variant.items)
    _metadata(
        el,
        {
            "question_type": "fill_in_multiple_blanks_question",
            "points_possible": plain_number(total),
            "original_answer_ids": "",
        },
    )
    presentation = element(el, "presentation")
    html = [first.prompt_html(image, include_prompt=False)]
    blanks = []
    for item in variant.items:
        part = item.label[len(item.label.rstrip("abcdefgh")) :]
        blank = f"part_{part}"
        blanks.append((blank, item))
        hint = " (the letter of your choice)" if not item.numeric else ""
        prompt = str(markdown_html(item.question["prompt"]))
        options = ""
        if item.question.get("options"):
            options = (
                "<ul>"
                + "".join(f"<li>{letter}. {escape(text)}</li>" for letter, text in item.question["options"].items())
                + "</ul>"
            )
        html.append(f"<div><p><strong>({part})</strong></p>{prompt}{options}<p>[{blank}]{hint}</p></div>")
    _material(presentation, "".join(html))
    processing = ET.Element("resprocessing")
    outcomes = element(processing, "outcomes")
    element(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    for blank, item in blanks:
        response = element(presentation, "response_lid", ident=f"response_{blank}")
        element(element(response, "material"), "mattext", blank)
        choices = element(response, "render_choice")
        accepted = spellings(item.question["answer"]) if item.numeric else [item.question["answer"]]
        for n, text in enumerate(accepted):
            label = _ident(variant.ident, blank, str(n))
            element(element(element(choices, "response_label", ident=label), "material"), "mattext", text)
            condition, var = _condition(processing, "No")
            element(var, "varequal", label, respident=f"response_{blank}")
            share = 100 * float(item.question["points"]) / total
            element(condition, "setvar", plain_number(round(share, 4)), action="Add", varname="SCORE")
    condition, var = _condition(processing, "Yes")
    element(var, "other")
    _show(condition, "general_fb")
    el.append(processing)
    _feedback(el, "general_fb", "".join(item.solution_html() for item in variant.items))


def write_assessment(
    out: IO[str], key: dict[str, Any], assessment_id: str, images: FileSpool, sink: Sink | None = None
) -> float:
    """Stream the assessment, one question group at a time; returns the points possible."""
    title = quoteattr(key["assignment"])
    out.write(
        f"<?xml version='1.0' encoding='utf-8'?>\n<questestinterop xmlns=\"{QTI}\">\n"
        f'<assessment ident="{assessment_id}" title={title}>\n'
        "<qtimetadata><qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry>"
        '</qtimetadatafield></qtimetadata>\n<section ident="root_section">\n'
    )
    points = 0.0
    partial = key.get("partial_credit", {})
    notes = sink if sink is not None else Sink()
    for slot in slots_of(key):
        points += slot.points
        # One question group per numbered question, drawing one of every variant of its templates.
        section = ET.Element("section", ident=_ident(assessment_id, slot.label), title=slot.title)
        section.text = _BODY
        opening = ET.tostring(section, encoding="unicode").split(_BODY)[0]
        section.text = None
        selection = element(element(section, "selection_ordering"), "selection")
        element(selection, "selection_number", "1")
        element(element(selection, "selection_extension"), "points_per_item", plain_number(slot.points))
        # Unqualified here: written inside questestinterop, the section takes its default namespace.
        # Written item by item (indented as the whole section would be), so that a question of a
        # thousand students' variants is never one tree in memory.
        out.write(opening)
        _write_children(out, section)
        for variant in slot.variants:
            first = variant.items[0]
            src = None
            diagram = first.diagram  # drawn once for every format written together
            if diagram:
                images.add(f"{assessment_id}/images/{diagram[0]}", diagram[1].encode())
                src = f"$IMS-CC-FILEBASE$/images/{diagram[0]}"
            holder = ET.Element("section")
            if variant.multi_part:
                _blanks(holder, variant, src)
                notes.note(("canvas", "blanks"), CANVAS_BLANKS)
            else:
                _item(holder, first, src, partial, notes)
                if _credits_a_mistake(first, partial):
                    notes.note(("canvas", "credit"), CANVAS_CREDIT)
            _write_children(out, holder)
        out.write("\n</section>\n")
    out.write("</section>\n</assessment>\n</questestinterop>\n")
    return points


_BODY = "QUIZGEN-SECTION-BODY"

CANVAS_BLANKS = (
    "Canvas QTI 1.2: each multi-part question is a fill-in-multiple-blanks question there: a blank matches "
    "its right answer's usual spellings exactly (no tolerance), a mistake earns no credit, and the parts' "
    "own feedback is left out (the worked solution is kept)"
)
CANVAS_CREDIT = (
    "Canvas QTI 1.2: the package credits named mistakes (numbers and options), but Canvas classic quizzes "
    "score an answer all or nothing: check the credited answers after import, or grade with quizgen grade"
)


def _write_children(out: IO[str], parent: ET.Element) -> None:
    """Each child of ``parent`` as the section's children: one level in."""
    for child in parent:
        write_child(out, child, 1)


def meta_xml(key: dict[str, Any], assessment_id: str, points: float) -> bytes:
    root = ET.Element("quiz", identifier=assessment_id)
    fields = {
        "title": key["assignment"],
        "description": "",
        "shuffle_answers": "false",
        "scoring_policy": "keep_highest",
        "quiz_type": "assignment",
        "points_possible": plain_number(points),
        "allowed_attempts": "1",
        "show_correct_answers": "true",
    }
    for tag, text in fields.items():
        element(root, tag, text)
    return with_default_namespace(root, CANVAS)


def write_manifest(out: IO[str], assessment_id: str, images: list[str]) -> None:
    """The package's manifest: the assessment, its meta file and every diagram, the diagrams'
    resources written one by one (a thousand students' diagrams are never one tree)."""
    root, resources = manifest(_ident("manifest", assessment_id), "IMS Content", "1.1.3")
    add_resource(
        resources,
        assessment_id,
        "imsqti_xmlv1p2",
        [f"{assessment_id}/{assessment_id}.xml"],
        dependency=f"{assessment_id}_meta",
    )
    meta = f"{assessment_id}/assessment_meta.xml"
    add_resource(
        resources,
        f"{assessment_id}_meta",
        "associatedcontent/imscc_xmlv1p1/learning-application-resource",
        [meta],
        href=meta,
    )
    with ElementSpool(2) as spool:
        for n, path in enumerate(images):
            spool.add(add_resource(None, _ident("image", str(n), path), "webcontent", [path], href=path))
        write_spooled(out, root, CC, [(hole(resources, 0), spool)])


def export(key: dict[str, Any], sink: Sink) -> None:
    assessment_id = _ident("assessment", slug(key["assignment"]))
    with FileSpool() as images, sink.zip("canvas-qti12.zip") as archive:
        with archive.member(f"{assessment_id}/{assessment_id}.xml") as out:
            points = write_assessment(out, key, assessment_id, images, sink)
        archive.add(f"{assessment_id}/assessment_meta.xml", meta_xml(key, assessment_id, points))
        with archive.member("imsmanifest.xml") as out:
            write_manifest(out, assessment_id, images.names())
        archive.add_folder("non_cc_assessments")
        for name in images.names():
            archive.add(name, images.read(name))
