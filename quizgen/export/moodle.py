"""Moodle XML: a category per assignment and per template, numerical and multichoice questions."""

from __future__ import annotations

import base64
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from quizgen.export.common import (
    Item,
    Variant,
    format_grade,
    html_text,
    moodle_grade,
    number_text,
    slots_of,
    slug,
)
from quizgen.export.sink import Sink
from quizgen.render.pages import format_number, markdown_html

CATCH_ALL = "Not right. Compare your count with the worked solution."


def cdata(text: str) -> str:
    """HTML in CDATA, with ``]]>`` split as Moodle's own exporter splits it."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_field(tag: str, html: str, extra: str = "", attrs: str = ' format="html"') -> str:
    return f"<{tag}{attrs}><text>{cdata(html)}</text>{extra}</{tag}>"


def _file(item: Item, *, include_prompt: bool = True) -> tuple[str, str]:
    if item.diagram is None:
        return item.prompt_html(include_prompt=include_prompt), ""
    name, svg = item.diagram
    encoded = base64.b64encode(svg.encode()).decode()
    return item.prompt_html(
        f"@@PLUGINFILE@@/{name}", include_prompt=include_prompt
    ), f'<file name={quoteattr(name)} path="/" encoding="base64">{encoded}</file>'


def _answer(fraction: float, text: str, feedback: str, tolerance: str | None = None) -> str:
    tol = f"<tolerance>{tolerance}</tolerance>" if tolerance is not None else ""
    return (
        f'<answer fraction="{format_grade(fraction)}" format="plain_text"><text>{escape(text)}</text>{tol}'
        f"{text_field('feedback', html_text(feedback))}</answer>"
    )


def _numerical(item: Item, partial: dict[str, float], sink: Sink | None = None) -> list[str]:
    q = item.question
    tolerance = number_text(q["tolerance"])
    answers = [_answer(100, number_text(q["answer"]), f"Correct: {q['derivation']}", tolerance)]
    for mistake in item.scored_mistakes(partial, sink):
        credit = moodle_grade(mistake.credit, f"{q['template_id']} {', '.join(mistake.names)}", sink)
        answers.append(_answer(credit, number_text(mistake.value), mistake.feedback, tolerance))
    answers.append(_answer(0, "*", CATCH_ALL, "0"))
    return [
        *answers,
        "<unitgradingtype>0</unitgradingtype><unitpenalty>0</unitpenalty><showunits>3</showunits>",
        "<unitsleft>0</unitsleft>",
    ]


def _multichoice(item: Item, partial: dict[str, float], sink: Sink | None = None) -> list[str]:
    q = item.question
    parts = [
        "<single>true</single><shuffleanswers>false</shuffleanswers><answernumbering>ABCD</answernumbering>",
        "<showstandardinstruction>0</showstandardinstruction>",
        text_field("correctfeedback", "Correct."),
        text_field("partiallycorrectfeedback", "Partly right."),
        text_field("incorrectfeedback", "Not right: see the worked solution."),
        "<shownumcorrect/>",
    ]
    for letter, text in q["options"].items():
        fraction = moodle_grade(item.option_credit(letter, partial), f"{q['template_id']} option {text!r}", sink)
        feedback = q["option_feedback"].get(letter, "")
        parts.append(
            f'<answer fraction="{format_grade(fraction)}" format="html"><text>{cdata(html_text(text))}</text>'
            f"{text_field('feedback', html_text(feedback))}</answer>"
        )
    return parts


def _question(item: Item, partial: dict[str, float], sink: Sink | None = None) -> str:
    q = item.question
    kind = "numerical" if item.numeric else "multichoice"
    html, files = _file(item)
    body = [
        f'<question type="{kind}">',
        f"<name><text>{escape(item.ident)}</text></name>",
        text_field("questiontext", html, files),
        text_field("generalfeedback", item.solution_html()),
        f"<defaultgrade>{format_number(q['points']).replace(',', '')}</defaultgrade>",
        "<penalty>0.3333333</penalty><hidden>0</hidden>",
        f"<idnumber>{escape(item.ident)}</idnumber>",
    ]
    body += _numerical(item, partial, sink) if item.numeric else _multichoice(item, partial, sink)
    body.append(f"<tags><tag><text>{escape(q['template_id'])}</text></tag></tags>")
    body.append("</question>")
    return "\n".join(body)


def _category(path: str, info: str, idnumber: str) -> str:
    return (
        f'<question type="category"><category><text>{escape(path)}</text></category>'
        f"{text_field('info', info)}<idnumber>{escape(idnumber)}</idnumber></question>"
    )


def category_name(title: str) -> str:
    """A readable category name; ``/`` separates categories in a path, so a slash in a title is doubled."""
    return " ".join(title.split()).replace("/", "//")


# Moodle reads an embedded answer's option up to an unescaped ``~ # }``, its feedback up to ``~ }``,
# then decodes HTML entities once and unescapes only ``\}`` and ``\#``; characters the reading could
# stop at, or that a backslash would precede, are written as entities.
CLOZE_ENTITIES = {"&": "&amp;", "~": "&#126;", "}": "&#125;", "{": "&#123;", "#": "&#35;", "\\": "&#92;"}
CLOZE_SPECIAL = re.compile("[" + re.escape("".join(CLOZE_ENTITIES)) + "]")


# The catch-all of a NUMERICAL part: 0 give or take 1e300, so any number. Moodle's Cloze reader gives a
# "*" alternative no tolerance, and saving it then raises PHP warnings for every part
# (question/type/numerical/questiontype.php); a number with a tolerance it reads cleanly.
CLOZE_ANY_NUMBER = "0:1e300"


def cloze_text(text: str) -> str:
    """Plain text inside an embedded answer, on one line: after Moodle's reading, the HTML of ``text``.

    A backslash right before ``}`` or ``#`` gets a second one: Moodle's unescaping of ``\\}`` and
    ``\\#`` (after the entities are decoded) takes one away."""
    text = re.sub(r"\\(?=[}#])", r"\\\\", " ".join(text.split()))
    return CLOZE_SPECIAL.sub(lambda m: CLOZE_ENTITIES[m.group()], html_text(text))


def part_weights(items: list[Item]) -> list[int]:
    """Whole-number weights in the proportions of the parts' points (what an embedded answer takes)."""
    points = [float(item.question["points"]) for item in items]
    for scale in range(1, 101):
        scaled = [p * scale / min(points) for p in points]
        if all(abs(w - round(w)) < 1e-6 for w in scaled):
            return [max(1, round(w)) for w in scaled]
    return [max(1, round(10 * p / min(points))) for p in points]


def embedded(item: Item, weight: int, partial: dict[str, float], sink: Sink | None = None) -> str:
    """One part as a Cloze sub-question: NUMERICAL with an answer per known mistake and a catch-all
    with the worked solution for any other number, or MULTICHOICE."""
    q = item.question
    if item.numeric:
        tolerance = number_text(q["tolerance"])
        answers = [f"={number_text(q['answer'])}:{tolerance}#{cloze_text('Correct: ' + q['derivation'])}"]
        for mistake in item.scored_mistakes(partial, sink):
            credit = moodle_grade(mistake.credit, f"{q['template_id']} {', '.join(mistake.names)}", sink)
            answers.append(
                f"%{format_grade(credit)}%{number_text(mistake.value)}:{tolerance}#{cloze_text(mistake.feedback)}"
            )
        answers.append(f"%0%{CLOZE_ANY_NUMBER}#{cloze_text('Not right. ' + item.solution_text())}")
        return "{" + f"{weight}:NUMERICAL:" + "~".join(answers) + "}"
    options = []
    for letter, text in q["options"].items():
        feedback = cloze_text(q["option_feedback"].get(letter, ""))
        if letter == q["answer"]:
            options.append(f"={cloze_text(text)}#{feedback}")
        else:
            credit = moodle_grade(item.option_credit(letter, partial), f"{q['template_id']} option {text!r}", sink)
            options.append(f"%{format_grade(credit)}%{cloze_text(text)}#{feedback}")
    return "{" + f"{weight}:MULTICHOICE:" + "~".join(options) + "}"


def _cloze(variant: Variant, partial: dict[str, float], sink: Sink | None = None) -> str:
    """A multi-part variant as one embedded-answers (Cloze) question, every part in place."""
    first = variant.items[0]
    stem, files = _file(first, include_prompt=False)
    pieces = [stem]
    for item, weight in zip(variant.items, part_weights(variant.items), strict=True):
        part = re.sub(r"^Q\d+", "", item.label)
        prompt = markdown_html(item.question["prompt"])
        pieces.append(
            f"<div><p><strong>({part})</strong></p>{prompt}<p>{embedded(item, weight, partial, sink)}</p></div>"
        )
    solution = "".join(item.solution_html() for item in variant.items)
    body = [
        '<question type="cloze">',
        f"<name><text>{escape(variant.ident)}</text></name>",
        text_field("questiontext", "".join(pieces), files),
        text_field("generalfeedback", solution),
        "<penalty>0.3333333</penalty><hidden>0</hidden>",
        f"<idnumber>{escape(variant.ident)}</idnumber>",
        f"<tags><tag><text>{escape(variant.template_id)}</text></tag></tags>",
        "</question>",
    ]
    return "\n".join(body)


def export(key: dict[str, Any], sink: Sink) -> None:
    """Categories from ``top/``: the assignment, one per numbered question (a pool's templates under
    it), so that "a random question from this category, including subcategories" fills each slot."""
    base = f"top/{category_name(key['assignment'])}"
    base_id = slug(key["assignment"])
    partial = key.get("partial_credit", {})
    with sink.text("moodle.xml") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
        out.write(_category(base, escape(key["assignment"]), base_id) + "\n")
        for slot in slots_of(key):
            path = f"{base}/{category_name(slot.title)}"
            slot_id = f"{base_id}-q{slot.number}"
            info = "Draw one question at random from this category, including subcategories."
            out.write(_category(path, escape(info), slot_id) + "\n")
            for template_id, variants in slot.templates.items():
                if slot.pool:
                    title = category_name(variants[0].title)
                    out.write(
                        _category(
                            f"{path}/{title}",
                            escape(f"Variants of {variants[0].title}."),
                            f"{slot_id}-{slug(template_id)}",
                        )
                        + "\n"
                    )
                for variant in variants:
                    if variant.multi_part:
                        out.write(_cloze(variant, partial, sink) + "\n")
                    else:
                        out.write(_question(variant.items[0], partial, sink) + "\n")
        out.write("</quiz>\n")
