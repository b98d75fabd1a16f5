"""The key written as students are rendered: key.json piece by piece, and each numbered question's
variants spooled to its own file, so that the LMS exporters read one question at a time and memory
does not grow with the roster."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_NUMBER = re.compile(r"Q(\d+)")
_HOLE = "\0students\0"  # stands for the students' list while the rest of the key is encoded


def question_number(label: str) -> int:
    """``Q3`` and ``Q3b`` are both numbered question 3."""
    match = _NUMBER.match(label)
    if match is None:
        raise ValueError(f"not a question label: {label!r}")
    return int(match.group(1))


def by_number(questions: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """A student's key items grouped by numbered question (``Q3a`` and ``Q3b`` together), in order."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for question in questions:
        grouped.setdefault(question_number(question["label"]), []).append(question)
    return grouped


def _encoded(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)


Entry = tuple[str, list[dict[str, Any]]]
"""One student's variant of one numbered question: (student id, its items as key.json has them)."""


class SpooledKey(dict[str, Any]):
    """A key's fields besides ``students`` (title, salt, partial credit, banks), with the variants of
    each numbered question and template in a file of their own, one per line in roster order."""

    def __init__(self, head: dict[str, Any], folder: Path, templates: dict[int, list[str]], firsts: dict[str, Entry]):
        super().__init__(head)
        self.folder = folder
        self.templates = {number: templates[number] for number in sorted(templates)}
        self.firsts = firsts

    @property
    def numbers(self) -> list[int]:
        return list(self.templates)

    def first(self, number: int, template_id: str) -> Entry:
        """The first student's variant (kept in memory: titles and points come from it)."""
        return self.firsts[_spool_name(number, self.templates[number].index(template_id))]

    def entries(self, number: int, template_id: str) -> Iterator[Entry]:
        """Every student's variant of this question and template, read one line at a time."""
        name = _spool_name(number, self.templates[number].index(template_id))
        with (self.folder / name).open(encoding="utf-8") as handle:
            for line in handle:
                student_id, items = json.loads(line)
                yield student_id, items


def _spool_name(number: int, template_index: int) -> str:
    return f"q{number}-t{template_index}.jsonl"


class KeyWriter:
    """Writes key.json as students come (byte for byte what ``json.dump`` of the whole key writes)
    and spools every numbered question's entries for the exporters."""

    def __init__(self, head: dict[str, Any], key_file: Path | None, spool: Path) -> None:
        """``key_file`` None: only the spools (for an export, which writes no key.json)."""
        if "students" in head:
            raise ValueError("the key's head must not hold the students")
        self.head = head
        self.spool = spool
        spool.mkdir(parents=True, exist_ok=True)
        encoded = _encoded({**head, "students": _HOLE})
        self._before, self._after = encoded.split(json.dumps(_HOLE), 1)
        self._key: IO[str] | None = None
        if key_file is not None:
            self._key = key_file.open("w", encoding="utf-8", newline="\n")
            self._key.write(self._before + "[")
        self._spools: dict[str, IO[str]] = {}
        self._templates: dict[int, list[str]] = {}
        self._firsts: dict[str, Entry] = {}
        self.students = 0
        self.first_questions = self.fewest_questions = self.most_questions = 0  # items of a student's key

    def add(self, entry: dict[str, Any]) -> None:
        """One student's key entry (``student_id``, ``name``, ``email``, ``questions``)."""
        if self._key is not None:
            text = _encoded(entry).replace("\n", "\n  ")  # two levels deeper: key → students → entry
            self._key.write(("\n  " if not self.students else ",\n  ") + text)
        if not self.students:
            self.first_questions = self.fewest_questions = self.most_questions = len(entry["questions"])
        self.fewest_questions = min(self.fewest_questions, len(entry["questions"]))
        self.most_questions = max(self.most_questions, len(entry["questions"]))
        self.students += 1
        for number, items in by_number(entry["questions"]).items():
            templates = self._templates.setdefault(number, [])
            template_id = items[0]["template_id"]
            if template_id not in templates:
                templates.append(template_id)
            name = _spool_name(number, templates.index(template_id))
            handle = self._spools.get(name)
            if handle is None:
                handle = self._spools[name] = (self.spool / name).open("w", encoding="utf-8", newline="\n")
                self._firsts[name] = (entry["student_id"], items)
            handle.write(json.dumps([entry["student_id"], items], ensure_ascii=False) + "\n")

    def close(self) -> SpooledKey:
        """Finish key.json and the spools; what they hold, for the exporters."""
        if self._key is not None:
            self._key.write(("\n ]" if self.students else "]") + self._after + "\n")
            self._key.close()
        for handle in self._spools.values():
            handle.close()
        return SpooledKey(self.head, self.spool, self._templates, self._firsts)

    def discard(self) -> None:
        """Close everything without finishing (the output folder is being thrown away)."""
        if self._key is not None:
            self._key.close()
        for handle in self._spools.values():
            handle.close()
        shutil.rmtree(self.spool, ignore_errors=True)
