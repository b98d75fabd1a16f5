"""Rendering quizzes, keys and practice pages through Jinja templates (built-in or a course's own)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from markupsafe import Markup

from quizgen.bank.answer_kinds import confusion_feedback, kind_of, reader_table, unit_feedback
from quizgen.bank.schema import Variant
from quizgen.caches import bounded
from quizgen.counting import count
from quizgen.counting.quantity import measure
from quizgen.errors import QuizgenError
from quizgen.quiz.build import QuizQuestion, StudentQuiz, key_entry
from quizgen.render.diagram import architecture_svg, cell_svg
from quizgen.render.plain_markdown import plain_html
from quizgen.resources import templates_dir

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "typographer": False, "xhtmlOut": True})


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _ViewEnvironment(Environment):
    """jinja2's Environment reading the views' keys straight away: for ``view.title`` it first tries
    the attribute, which a plain dict only has for its methods, and catches the AttributeError,
    which took a tenth of a quiz's rendering. Same lookups, same results, the miss skipped."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_env(user_dir: Path | None = None) -> Environment:
    """Strict, autoescaping HTML/XML; a course's folder is searched before the built-ins, and with
    one the environment is sandboxed (the built-in templates alone need no sandbox, and run faster)."""
    loaders = [FileSystemLoader(str(user_dir))] if user_dir else []
    loaders.append(FileSystemLoader(str(templates_dir())))
    kind = SandboxedEnvironment if user_dir else _ViewEnvironment
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a run: no stat of the file per render
    )
    env.filters["markdown"] = markdown_html
    env.filters["number"] = format_number
    env.filters["json_script"] = json_script
    return env


@bounded(2048)
def markdown_html(text: str) -> Markup:
    """Bank Markdown as HTML; raw HTML in bank text is escaped, never passed through."""
    html = plain_html(text)  # sentences and code spans, the usual bank text, need no parser
    return Markup(html if html is not None else _MARKDOWN.render(text))


def format_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return f"{int(value):,}"


def json_script(value: Any) -> Markup:
    """JSON safe inside <script type="application/json">."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _asked_layer(variant: Variant) -> int | None:
    if variant.quantity and variant.quantity.startswith("units["):
        return int(variant.quantity[6:-1])
    return None


@bounded(2048)
def student_diagram(spec: str, framework: str, hidden: int | None) -> Markup:
    return Markup(architecture_svg(spec, framework, hidden_layer=hidden))


@bounded(512)
def _key_diagrams(spec: str, framework: str) -> tuple[Markup, ...]:
    model = count(spec, framework)
    out = [Markup(architecture_svg(spec, framework, annotate=True))]
    recurrent = [layer for layer in model.layers if layer.type in ("LSTM", "GRU")]
    if len(recurrent) == 1 and recurrent[0].input_width:
        call = recurrent[0].call
        units = call.args[0].value if call.args else None
        cell = cell_svg(recurrent[0].type, recurrent[0].input_width, units) if isinstance(units, int) else None
        if cell:
            out.append(Markup(cell))
    return tuple(out)


@bounded(1024)
def derivation_mathml(spec: str, framework: str, quantity: str) -> Markup | None:
    if quantity.startswith(("total", "trainable", "layer")):
        try:
            return Markup(measure(count(spec, framework), quantity).mathml())
        except QuizgenError:
            return None
    return None


def hidden_layer_of(question: QuizQuestion) -> int | None:
    candidates = [question.variant, *question.variant.parts]
    return next((k for k in map(_asked_layer, candidates) if k is not None), None)


def question_view(question: QuizQuestion, with_key: bool) -> dict[str, Any]:
    """What templates see of one question; key material only when ``with_key``."""
    variant = question.variant
    view: dict[str, Any] = {
        "number": question.number,
        "label": question.label,
        "title": variant.title,
        "points": variant.points,
        "prompt": variant.prompt,
        "type": variant.type,
        "options": variant.options,
        "diagram": None,
        "diagram_file": f"q{question.number}.svg" if variant.spec else None,
        "entries": [],
    }
    if variant.spec and variant.framework:
        view["diagram"] = student_diagram(variant.spec, variant.framework, hidden_layer_of(question))
    for label, item in question.items():
        entry: dict[str, Any] = {
            "label": label,
            "part": item.label,
            "prompt": item.prompt if variant.parts else "",
            "type": item.type,
            "options": item.options,
            "points": item.points,
        }
        if with_key:
            entry.update(
                answer=item.answer,
                tolerance=item.tolerance,
                unit=item.unit,
                derivation=item.derivation,
                mathml=derivation_mathml(item.spec, item.framework or "keras", item.quantity)
                if item.spec and item.quantity
                else None,
                solution=item.solution,
                misconceptions=[
                    {"name": name, "value": value, "feedback": item.misconception_feedback.get(name, "")}
                    for name, value in item.misconceptions.items()
                ],
                option_feedback=item.option_feedback,
            )
        view["entries"].append(entry)
    if with_key:
        view["solution"] = variant.solution if variant.parts else []
        view["key_diagrams"] = (
            _key_diagrams(variant.spec, variant.framework) if variant.spec and variant.framework else ()
        )
    return view


def quiz_view(quiz: StudentQuiz, with_key: bool) -> dict[str, Any]:
    return {
        "student": quiz.student,
        "points": quiz.points,
        "questions": [question_view(q, with_key) for q in quiz.questions],
    }


def practice_data(quiz: StudentQuiz) -> dict[str, Any]:
    """The answers a practice page checks in the browser (it states on the page that they are inside)."""
    entry = key_entry(quiz)
    keep = (
        "label",
        "type",
        "answer",
        "tolerance",
        "options",
        "derivation",
        "solution",
        "misconceptions",
        "misconception_feedback",
        "option_feedback",
    )
    return {"questions": [{**{k: q[k] for k in keep}, **_reading(q)} for q in entry["questions"]]}


def _reading(q: dict[str, Any]) -> dict[str, Any]:
    """How the page reads a numeric answer: the answer grammar's table for the question's kind."""
    if q["type"] != "numeric":
        return {"quantity": q.get("quantity", "")}
    kind, unit = kind_of(q)
    reader = reader_table(kind, unit)
    if kind.dimension_mistake:
        reader["mistake_feedback"] = unit_feedback(q, kind.dimension_mistake)
    confused = sorted(set(reader["confusions"].values()))
    reader["confusion_feedback"] = {name: confusion_feedback(q, name) for name in confused}
    return {"quantity": q.get("quantity", ""), "reader": reader, **({"unit": q["unit"]} if q.get("unit") else {})}


class Renderer:
    """Renders every output kind for one assignment; templates are compiled once."""

    def __init__(self, title: str, user_dir: Path | None = None, notice: str = "") -> None:
        self.env = make_env(user_dir)
        self.common = {"title": title, "notice": notice}

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**self.common, **context)

    def quiz(self, view: dict[str, Any], fmt: str) -> str:
        """A student's quiz from ``quiz_view(quiz, with_key=False)``."""
        return self.render(f"quiz.{fmt}", quiz=view)

    def key(self, view: dict[str, Any], fmt: str) -> str:
        """A student's key from ``quiz_view(quiz, with_key=True)``."""
        return self.render(f"key.{fmt}", quiz=view)

    def practice(self, view: dict[str, Any], quiz: StudentQuiz) -> str:
        return self.render("practice.html", quiz=view, data=practice_data(quiz))
