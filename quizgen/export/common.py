"""What every LMS exporter shares: item HTML, worked solutions, groups of variants, zips."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Any, Protocol

from lxml import etree

from quizgen.caches import bounded
from quizgen.export.sink import Sink
from quizgen.quiz.keystream import SpooledKey, by_number
from quizgen.render.pages import format_number, markdown_html, student_diagram

MOODLE_GRADES = (
    100,
    90,
    83.33333,
    80,
    75,
    70,
    66.66667,
    60,
    50,
    40,
    33.33333,
    30,
    25,
    20,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10,
    5,
    0,
)


def html_text(text: str) -> str:
    """Plain text (a feedback, an option, a derivation) inside an HTML field: its ``<`` and ``&`` are
    shown, not read as markup."""
    return html.escape(text, quote=False)


@bounded(2048)
def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "quiz"


@bounded(1024)
def snap_grade(percent: float) -> float:
    """The nearest fraction Moodle's importer accepts (any other is an import error)."""
    return min(MOODLE_GRADES, key=lambda g: (abs(g - percent), -g))


def moodle_grade(share: float, what: str, sink: Sink | None) -> float:
    """A credit as the Moodle fraction (percent) that carries it; the nearest one Moodle accepts, said
    so to ``sink`` when that is not the credit itself."""
    percent = 100 * share
    snapped = snap_grade(percent)
    if sink is not None and abs(snapped - percent) > 1e-4:
        sink.note(
            ("grade", what, round(percent, 6)),
            f"Moodle: credit {format_grade(percent)}% for {what} is written as {format_grade(snapped)}%, "
            "the nearest grade Moodle accepts",
        )
    return snapped


def format_grade(percent: float) -> str:
    return f"{percent:.7f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Item:
    """One gradable item of one variant, ready for an LMS: text, answers, feedback."""

    student_id: str
    question: dict[str, Any]

    @cached_property
    def diagram(self) -> tuple[str, str] | None:
        """(file name, SVG) of the student's architecture diagram, drawn when asked for."""
        q = self.question
        if not q.get("spec") or not q.get("framework"):
            return None
        name = f"{slug(q['template_id'])}-{slug(self.student_id)}.svg"
        return name, str(student_diagram(q["spec"], q["framework"], _hidden(q)))

    @property
    def label(self) -> str:
        return self.question["label"]

    @property
    def group(self) -> str:
        """Items of one group are variants of each other: an LMS draws one per student."""
        template = self.question["template_id"]
        part = re.sub(r"^Q\d+", "", self.label)
        return f"{template}-{part}" if part else template

    @property
    def ident(self) -> str:
        return f"{self.group}-{self.student_id}".replace(".", "-")

    @property
    def numeric(self) -> bool:
        return self.question["type"] == "numeric"

    def prompt_html(self, image_src: str | None = None, *, include_prompt: bool = True) -> str:
        """Stem, prompt and diagram; a multi-part question leaves the prompt out and shows each part's own."""
        parts = []
        if self.question.get("stem"):
            parts.append(str(markdown_html(self.question["stem"])))
        if include_prompt:
            parts.append(str(markdown_html(self.question["prompt"])))
        if self.diagram and image_src is not None:
            alt = html.escape(f"Architecture: {self.question.get('spec', '')}", quote=True)
            parts.append(f'<p><img src="{html.escape(image_src, quote=True)}" alt="{alt}" /></p>')
        return "".join(parts)

    @property
    def answer_shown(self) -> str:
        """The right answer as the student sees it: a number, or the right option's text (LMSs shuffle
        options and show no letters)."""
        q = self.question
        if self.numeric:
            return str(format_number(q["answer"])) + (f" {q['unit']}" if q.get("unit") else "")
        return str(q["options"].get(q["answer"], q["answer"]))

    def solution_html(self) -> str:
        q = self.question
        lines = [f"<p><strong>Answer: {html.escape(self.answer_shown)}</strong>"]
        if q.get("derivation"):
            lines.append(f" — {html.escape(q['derivation'])}")
        lines.append("</p>")
        if q.get("solution"):
            lines.append("<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in q["solution"]) + "</ul>")
        return "".join(lines)

    def solution_text(self) -> str:
        q = self.question
        head = f"Answer: {self.answer_shown}" + (f" — {q['derivation']}" if q.get("derivation") else "")
        return " ".join([head, *q.get("solution", [])])

    def wrong_numbers(self) -> list[tuple[float, list[str]]]:
        """Distinct wrong numbers (outside the tolerance), each with the mistakes behind it."""
        q = self.question
        by_value: dict[float, list[str]] = {}
        for name, value in sorted(q["misconceptions"].items()):
            if not isinstance(value, int | float) or abs(value - q["answer"]) <= q["tolerance"]:
                continue
            by_value.setdefault(value, []).append(name)
        return sorted(by_value.items(), key=lambda kv: kv[0])

    def feedback_for(self, names: list[str]) -> str:
        texts = [self.question["misconception_feedback"].get(n, n) for n in names]
        return " ".join(dict.fromkeys(texts))

    def credit(self, names: list[str], partial: dict[str, float]) -> float:
        """Share of points for an answer explained by these mistakes (the best one)."""
        return max((partial.get(n, 0.0) for n in names), default=0.0)

    def scored_mistakes(self, partial: dict[str, float], sink: Sink | None = None) -> list[Mistake]:
        """The numbers an LMS scores as named mistakes, each matched within the question's own
        tolerance (the band its rounding allows), best credit first so that where two mistakes' bands
        meet the better one is matched, as the grader does. A mistake whose band would overlap the right
        answer's is left out, and said so to ``sink``."""
        q = self.question
        answer, tolerance = float(q["answer"]), float(q["tolerance"])
        scored = []
        for value, names in self.wrong_numbers():
            if abs(value - answer) <= 2 * tolerance:
                if sink is not None:
                    sink.note(
                        ("overlap", q["template_id"], q["label"][len(q["label"].rstrip("abcdefgh")) :], *names),
                        f"{q['template_id']}: mistake {', '.join(names)} left out of the LMS scoring where its "
                        f"number is within twice the tolerance of the right answer "
                        f"(e.g. {format_number(value)} against {format_number(answer)} ± {format_number(tolerance)})",
                    )
                continue
            scored.append(Mistake(value, names, self.credit(names, partial), self.feedback_for(names)))
        return sorted(scored, key=lambda m: (-m.credit, m.value))

    def option_credit(self, letter: str, partial: dict[str, float]) -> float:
        """Share of points for choosing this option: 1 for the right one, a credited mistake's share."""
        if letter == self.question["answer"]:
            return 1.0
        return self.credit(self.letter_mistakes().get(letter, []), partial)

    def letter_mistakes(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name, letter in sorted(self.question["misconceptions"].items()):
            if isinstance(letter, str):
                found.setdefault(letter, []).append(name)
        return found


@dataclass(frozen=True)
class Mistake:
    """A named mistake's number as an LMS scores it: matched within the question's tolerance."""

    value: float
    names: list[str]
    credit: float  # share of the points, as partial_credit gives it
    feedback: str


@dataclass
class Variant:
    """One student's variant of one numbered question: its items (several for a multi-part question)."""

    student_id: str
    template_id: str
    title: str
    items: list[Item] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(float(item.question["points"]) for item in self.items)

    @property
    def multi_part(self) -> bool:
        return len(self.items) > 1

    @property
    def ident(self) -> str:
        return f"{self.template_id}-{self.student_id}".replace(".", "-")


class Variants(Protocol):
    """A template's variants of one numbered question: a list, or read from a spool when iterated."""

    def __iter__(self) -> Iterator[Variant]: ...

    def __getitem__(self, index: int, /) -> Variant: ...


class SpooledVariants:
    """Variants read from a generate run's spool each time they are iterated; the first one kept."""

    def __init__(self, key: SpooledKey, number: int, template_id: str) -> None:
        self.key, self.number, self.template_id = key, number, template_id
        self._first = variant_of(*key.first(number, template_id))

    def __iter__(self) -> Iterator[Variant]:
        return (variant_of(sid, items) for sid, items in self.key.entries(self.number, self.template_id))

    def __getitem__(self, index: int, /) -> Variant:
        if index != 0:
            raise IndexError("only the first variant of a spool is at hand")
        return self._first


@dataclass
class Slot:
    """A numbered question of the assignment: the variants an LMS draws one of, by template."""

    number: int
    templates: dict[str, Variants] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"Q{self.number}"

    @property
    def pool(self) -> bool:
        """Drawn from several templates (a ``pick`` of the assignment)."""
        return len(self.templates) > 1

    @property
    def variants(self) -> Iterator[Variant]:
        return (v for variants in self.templates.values() for v in variants)

    @property
    def first(self) -> Variant:
        return next(iter(self.templates.values()))[0]

    @property
    def points(self) -> float:
        return self.first.points

    @property
    def title(self) -> str:
        if self.pool:
            return f"{self.label}. One of {len(self.templates)} questions"
        return f"{self.label}. {self.first.title}"


class SlotFeed(dict[str, Any]):
    """A key whose numbered questions come from ``slots`` (shared by exporters writing together)."""

    def __init__(self, key: dict[str, Any], slots: Callable[[], Iterator[Slot]]) -> None:
        super().__init__({k: v for k, v in key.items() if k != "students"})
        self.slots = slots


def slots_of(key: dict[str, Any]) -> Iterator[Slot]:
    """The assignment's numbered questions in order, each with every student's variant of it.

    A spooled key (generate, export) is read a variant at a time, as the exporter iterates."""
    if isinstance(key, SlotFeed):
        yield from key.slots()
        return
    if isinstance(key, SpooledKey):
        for number, ids in key.templates.items():
            yield Slot(number, {t: SpooledVariants(key, number, t) for t in ids})
        return
    entries: dict[int, list[tuple[str, list[dict[str, Any]]]]] = {}
    for student in key["students"]:
        for number, items in by_number(student["questions"]).items():
            entries.setdefault(number, []).append((student["student_id"], items))
    for number in sorted(entries):
        lists: dict[str, list[Variant]] = {}
        for student_id, items in entries[number]:
            variant = variant_of(student_id, items)
            lists.setdefault(variant.template_id, []).append(variant)
        yield Slot(number, dict(lists))


def variant_of(student_id: str, items: list[dict[str, Any]]) -> Variant:
    """A student's variant of a numbered question from its items as key.json has them."""
    return Variant(student_id, items[0]["template_id"], items[0]["title"], [Item(student_id, q) for q in items])


def _hidden(question: dict[str, Any]) -> int | None:
    quantity = question.get("quantity") or ""
    return int(quantity[6:-1]) if quantity.startswith("units[") else None


def with_default_namespace(root: Any, namespace: str) -> bytes:
    """An lxml tree of unqualified elements serialized as a document in ``namespace`` (by default)."""
    etree.indent(root)
    text = etree.tostring(root, encoding="unicode")
    tag = root.tag
    text = text.replace(f"<{tag}", f'<{tag} xmlns="{namespace}"', 1)
    return ("<?xml version='1.0' encoding='utf-8'?>\n" + text + "\n").encode("utf-8")


def write_child(out: IO[str], child: Any, depth: int) -> None:
    """One element on its own line at ``depth`` (the root is 0), laid out as ``etree.indent`` lays it
    out inside the whole tree: large documents are written a child at a time with this."""
    etree.indent(child, level=depth)
    out.write("\n" + "  " * depth + etree.tostring(child, encoding="unicode", with_tail=False))


class ElementSpool:
    """Children of one element of a large document, serialized one by one as they come (laid out as
    ``with_default_namespace`` lays out the whole tree) and kept in a temporary file, not in memory."""

    def __init__(self, depth: int) -> None:
        self.depth = depth  # of the children: the document's root is 0
        self.count = 0
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115 (closed on exit)

    def __enter__(self) -> ElementSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def add(self, child: Any) -> None:
        write_child(self._file, child, self.depth)
        self.count += 1

    def copy_to(self, out: IO[str]) -> None:
        self._file.seek(0)
        shutil.copyfileobj(self._file, out)


class FileSpool:
    """Files bound for a zip, kept in a temporary file (not in memory) until written in name order:
    a manifest that lists them all comes before them. A name added twice keeps its first bytes."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed on exit)
        self._where: dict[str, tuple[int, int]] = {}
        self._end = 0
        self._at_end = True  # writes follow each other without a seek until something is read

    def __enter__(self) -> FileSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def add(self, name: str, data: bytes) -> None:
        if name not in self._where:
            self._where[name] = (self._end, len(data))
            if not self._at_end:
                self._file.seek(self._end)
                self._at_end = True
            self._end += self._file.write(data)

    def names(self) -> list[str]:
        return sorted(self._where)

    def read(self, name: str) -> bytes:
        offset, size = self._where[name]
        self._file.seek(offset)
        self._at_end = False
        return self._file.read(size)


def hole(parent: Any, k: int = 0) -> Any:
    """A placeholder child of ``parent`` where a spool's children go (see ``write_spooled``)."""
    return element(parent, f"quizgen-hole-{k}")


def write_spooled(out: IO[str], root: Any, namespace: str, holes: list[tuple[Any, ElementSpool]]) -> None:
    """The document of ``root`` with each spool's children in place of its hole, byte for byte what
    the whole tree would give (holes in document order; an empty spool's hole is dropped)."""
    for placeholder, spool in holes:
        if not spool.count:
            placeholder.getparent().remove(placeholder)
    text = with_default_namespace(root, namespace).decode("utf-8")
    for placeholder, spool in holes:
        if spool.count:
            head, text = text.split("\n" + "  " * spool.depth + f"<{placeholder.tag}/>", 1)
            out.write(head)
            spool.copy_to(out)
    out.write(text)


def element(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    """An lxml element (a root when ``parent`` is None) with optional text."""
    node = etree.Element(tag, attrs) if parent is None else etree.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def plain_number(value: float) -> str:
    """A number as XML answer text: no thousands separators, integers without ``.0``."""
    return format_number(value).replace(",", "")


def number_text(value: float) -> str:
    """A number as an LMS reads it back exactly: digits only, integers without ``.0``, every digit of a
    fraction kept (``plain_number`` keeps six significant digits)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def manifest(identifier: str, schema: str, version: str) -> tuple[Any, Any]:
    """An IMS content-package manifest skeleton: (root, its resources element)."""
    root = element(None, "manifest", identifier=identifier)
    metadata = element(root, "metadata")
    element(metadata, "schema", schema)
    element(metadata, "schemaversion", version)
    element(root, "organizations")
    return root, element(root, "resources")


def add_resource(
    resources: Any,
    identifier: str,
    kind: str,
    files: list[str],
    href: str | None = None,
    dependency: str | None = None,
) -> Any:
    """One manifest resource with its files (and the resource it depends on); a resource of no
    element yet when ``resources`` is None (for an ``ElementSpool``)."""
    attrs = {"identifier": identifier, "type": kind}
    if href is not None:
        attrs["href"] = href
    resource = element(resources, "resource", **attrs)
    for path in files:
        element(resource, "file", href=path)
    if dependency is not None:
        element(resource, "dependency", identifierref=dependency)
    return resource
