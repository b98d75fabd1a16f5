"""GIFT: numerical and multiple-choice questions with per-answer feedback, all specials escaped."""

from __future__ import annotations

import re
from typing import Any

from quizgen.export.common import Item, format_grade, html_text, moodle_grade, number_text, slots_of, slug
from quizgen.export.moodle import CATCH_ALL, category_name
from quizgen.export.sink import Sink

_SPECIAL = "\\~=#{}:"  # the backslash first, so that the escapes added are not escaped again


def escape(text: str) -> str:
    """GIFT text: ``~ = # { } :`` and backslash escaped; no raw newlines (a blank line ends a question)."""
    for char in _SPECIAL:
        if char in text:
            text = text.replace(char, "\\" + char)
    return (re.sub(r"\s*\n\s*", " ", text) if "\n" in text else text).strip()


def _text(text: str) -> str:
    """Plain text as an answer or feedback: HTML, as the question's ``[html]`` makes every text of it."""
    return escape(html_text(text))


def _weight(percent: float) -> str:
    return f"%{format_grade(percent)}%"


def _numerical(item: Item, partial: dict[str, float], sink: Sink | None = None) -> str:
    q = item.question
    tolerance = number_text(q["tolerance"])
    answers = [f"\t=%100%{number_text(q['answer'])}:{tolerance}#{_text('Correct: ' + q['derivation'])}"]
    for mistake in item.scored_mistakes(partial, sink):
        credit = moodle_grade(mistake.credit, f"{q['template_id']} {', '.join(mistake.names)}", sink)
        answers.append(f"\t={_weight(credit)}{number_text(mistake.value)}:{tolerance}#{_text(mistake.feedback)}")
    answers.append(f"\t~#{_text(CATCH_ALL)}")
    return "{#\n" + "\n".join(answers)


def _multichoice(item: Item, partial: dict[str, float], sink: Sink | None = None) -> str:
    q = item.question
    answers = []
    for letter, text in q["options"].items():
        feedback = _text(q["option_feedback"].get(letter, ""))
        if letter == q["answer"]:
            answers.append(f"\t={_text(text)}#{feedback}")
            continue
        credit = moodle_grade(item.option_credit(letter, partial), f"{q['template_id']} option {text!r}", sink)
        weight = _weight(credit) if credit else ""
        answers.append(f"\t~{weight}{_text(text)}#{feedback}")
    return "{\n" + "\n".join(answers)


def _question(item: Item, partial: dict[str, float], name: str, sink: Sink | None = None) -> str:
    body = _numerical(item, partial, sink) if item.numeric else _multichoice(item, partial, sink)
    general = escape(item.solution_html())
    number = item.label.rstrip("abcdefgh").lower()
    tags = " ".join(f"[tag:{escape(t)}]" for t in (item.question["template_id"], number))
    header = f"// [id:{escape(slug(name))}] {tags}\n"
    return f"{header}::{escape(name)}::[html]{escape(item.prompt_html())}{body}\n\t####{general}\n}}"


def _category(title: str) -> str:
    """A category name as Moodle reads it from a ``$CATEGORY:`` line: as written, GIFT's markup
    characters included, but for ``\\`` read as one backslash (so every backslash is doubled)."""
    return category_name(title).replace("\\", "\\\\")


def export(key: dict[str, Any], sink: Sink) -> None:
    """A category per numbered question (a pool's templates under it); each question has its id and
    tags on the comment line before it, which Moodle's importer reads. GIFT has no multi-part type:
    a variant's parts are consecutive questions named alike (``…-s001 (a)``, ``(b)``)."""
    base = f"top/{_category(key['assignment'])}"
    partial = key.get("partial_credit", {})
    with sink.text("quiz.gift") as out:
        out.write(f"// {escape(key['assignment'])}: written by quizgen\n")
        for slot in slots_of(key):
            path = f"{base}/{_category(slot.title)}"
            for variants in slot.templates.values():
                category = f"{path}/{_category(variants[0].title)}" if slot.pool else path
                out.write(f"\n$CATEGORY: {category}\n")
                for variant in variants:
                    for item in variant.items:
                        part = item.label[len(slot.label) :]
                        name = f"{variant.ident} ({part})" if part else variant.ident
                        out.write("\n" + _question(item, partial, name, sink) + "\n")
