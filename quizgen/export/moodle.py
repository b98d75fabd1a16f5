"""Moodle XML: a category per assignment and per template, numerical and multichoice questions."""

from __future__ import annotations

import base64
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from quizgen.export.common import Item, format_grade, groups_of, slug, snap_grade
from quizgen.export.sink import Sink
from quizgen.render import format_number

CATCH_ALL = "Not right. Compare your count with the worked solution."


def cdata(text: str) -> str:
    """HTML in CDATA, with ``]]>`` split as Moodle's own exporter splits it."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_field(tag: str, html: str, extra: str = "", attrs: str = ' format="html"') -> str:
    return f"<{tag}{attrs}><text>{cdata(html)}</text>{extra}</{tag}>"


def _file(item: Item) -> tuple[str, str]:
    if item.diagram is None:
        return item.prompt_html(), ""
    name, svg = item.diagram
    encoded = base64.b64encode(svg.encode()).decode()
    return item.prompt_html(
        f"@@PLUGINFILE@@/{name}"
    ), f'<file name={quoteattr(name)} path="/" encoding="base64">{encoded}</file>'


def _answer(fraction: float, text: str, feedback: str, tolerance: str | None = None) -> str:
    tol = f"<tolerance>{tolerance}</tolerance>" if tolerance is not None else ""
    return (
        f'<answer fraction="{format_grade(fraction)}" format="plain_text"><text>{escape(text)}</text>{tol}'
        f"{text_field('feedback', feedback)}</answer>"
    )


def _numerical(item: Item, partial: dict[str, float]) -> list[str]:
    q = item.question
    tolerance = format_number(q["tolerance"]).replace(",", "")
    answers = [_answer(100, str(q["answer"]), f"Correct: {q['derivation']}", tolerance)]
    for value, names in item.wrong_numbers():
        credit = snap_grade(100 * item.credit(names, partial))
        answers.append(_answer(credit, str(value), item.feedback_for(names), "0"))
    answers.append(_answer(0, "*", CATCH_ALL, "0"))
    return [
        *answers,
        "<unitgradingtype>0</unitgradingtype><unitpenalty>0</unitpenalty><showunits>3</showunits>",
        "<unitsleft>0</unitsleft>",
    ]


def _multichoice(item: Item, partial: dict[str, float]) -> list[str]:
    q = item.question
    mistakes = item.letter_mistakes()
    parts = [
        "<single>true</single><shuffleanswers>false</shuffleanswers><answernumbering>ABCD</answernumbering>",
        "<showstandardinstruction>0</showstandardinstruction>",
        text_field("correctfeedback", "Correct."),
        text_field("partiallycorrectfeedback", "Partly right."),
        text_field("incorrectfeedback", "Not right: see the worked solution."),
        "<shownumcorrect/>",
    ]
    for letter, text in q["options"].items():
        fraction = 100 if letter == q["answer"] else snap_grade(100 * item.credit(mistakes.get(letter, []), partial))
        feedback = q["option_feedback"].get(letter, "")
        parts.append(
            f'<answer fraction="{format_grade(fraction)}" format="html"><text>{cdata(text)}</text>'
            f"{text_field('feedback', feedback)}</answer>"
        )
    return parts


def _question(item: Item, partial: dict[str, float]) -> str:
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
    body += _numerical(item, partial) if item.numeric else _multichoice(item, partial)
    body.append(f"<tags><tag><text>{escape(q['template_id'])}</text></tag></tags>")
    body.append("</question>")
    return "\n".join(body)


def _category(path: str, info: str) -> str:
    return (
        f'<question type="category"><category><text>{escape(path)}</text></category>'
        f"{text_field('info', info)}</question>"
    )


def export(key: dict[str, Any], sink: Sink) -> None:
    base = f"$course$/top/quizgen/{slug(key['assignment'])}"
    partial = key.get("partial_credit", {})
    with sink.text("moodle.xml") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
        out.write(_category(base, escape(key["assignment"])) + "\n")
        for group in groups_of(key):
            out.write(
                _category(f"{base}/{group.name}", f"Variants of {escape(group.title)}: draw one per student.") + "\n"
            )
            for item in group.items:
                out.write(_question(item, partial) + "\n")
        out.write("</quiz>\n")
