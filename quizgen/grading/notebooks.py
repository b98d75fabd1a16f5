"""Returned notebooks, as students hand them in: a folder read recursively (an LMS download puts
each student in a folder of their own) or one ``.ipynb`` file; each notebook matched to its student
by the metadata quizgen wrote, never by its name. Cells a student adds are fine; only edits to
quizgen's own prompt cells are refused, naming the cell. An answer is what Python would leave in
its label after running the notebook: the last assignment to it, the label's case ignored."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.errors import GradeError
from quizgen.quiz.keyfile import all_labels
from quizgen.render.notebook import cell_digest, fingerprint

CHECKPOINTS = ".ipynb_checkpoints"  # Jupyter's autosaved copies: never a submission


@dataclass
class ReturnedNotebooks:
    """Answers read from notebooks, as the CSV the grader reads, and what could not be used as given."""

    csv: bytes
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    files: dict[int, str] = field(default_factory=dict)  # CSV line → the notebook it came from
    unassigned: dict[tuple[str, str], str] = field(default_factory=dict)  # (student, label) → the cell's text
    held: dict[str, list[str]] = field(default_factory=dict)  # student → their notebooks, none graded
    flagged: list[dict[str, str]] = field(default_factory=list)  # a name naming another roster student
    notebooks: int = 0


def _without_comment(line: str) -> str:
    """The line with a trailing ``# comment`` removed, quotes respected (``'#'`` stays)."""
    quote = ""
    for k, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:k]
    return line


def _text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(map(str, source)) if isinstance(source, list) else str(source)


def _assignment(label: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(label)}\s*=(?!=)\s*(?P<value>.*?)\s*$", re.IGNORECASE)


def _value(text: str) -> str:
    if text == "None":
        return ""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def answers_of(cells: list[dict[str, Any]], labels: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each label's answer (the last assignment to it in any code cell, in order) and, for a label
    no cell assigns, its answer cell's text (to say that the cell does not assign it)."""
    patterns = {label: _assignment(label) for label in labels}
    answers: dict[str, str] = {}
    cell_text: dict[str, str] = {}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata")
        own = meta.get("quizgen") if isinstance(meta, dict) else None
        text = _text(cell)
        if isinstance(own, dict) and own.get("label") in patterns:
            cell_text[own["label"]] = text
        for line in text.splitlines():
            bare = _without_comment(line)
            for label, pattern in patterns.items():
                match = pattern.match(bare)
                if match:
                    answers[label] = _value(match.group("value"))
    unassigned = {label: text for label, text in cell_text.items() if label not in answers}
    return answers, unassigned


def _edited(cells: list[Any], meta: dict[str, Any]) -> str | None:
    """Which of quizgen's own cells was edited or removed (None: all as written)."""
    digests = meta.get("cells")
    by_id = {c.get("id"): c for c in cells if isinstance(c, dict)}
    if isinstance(digests, dict):
        present = {cell_digest(c) for c in cells if isinstance(c, dict)}
        for cell_id, digest in digests.items():
            cell = by_id.get(cell_id)
            if cell is None:
                if digest in present:  # an editor that drops cell ids kept the cell as written
                    continue
                return f"quizgen's cell '{cell_id}' was edited or removed"
            if cell_digest(cell) != digest:
                first = _text(cell).strip().splitlines()[:1]
                shown = f" ({first[0][:50]})" if first else ""
                return f"quizgen's cell '{cell_id}'{shown} was edited; only answer cells may change"
        return None
    # Notebooks written before each cell had its digest: quizgen's prompt cells are the locked ones.
    locked = [
        c
        for c in cells
        if isinstance(c, dict)
        and isinstance(c.get("metadata"), dict)
        and c["metadata"].get("editable") is False
        and c["metadata"].get("deletable") is False
    ]
    if fingerprint(locked) != meta.get("fingerprint"):
        return "a cell quizgen wrote (not an answer cell) was edited or removed"
    return None


def _words(text: str) -> str:
    """Lower-case words without accents, space-separated and -framed: ``José_Núñez`` → `` jose nunez ``."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[^\W_]+", bare)) + " "


def _names(students: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    """Each roster student with the words that name them in a path: id, full name, and a first or
    last name no other student of the roster has (``bo/quiz.ipynb`` names Bo Chen)."""
    tokens = [_words(str(s.get("name") or "")).split() for s in students]
    counts: dict[str, int] = {}
    for own in tokens:
        for token in set(own):
            counts[token] = counts.get(token, 0) + 1
    named = []
    for student, own in zip(students, tokens, strict=True):
        phrases = [_words(student["student_id"]), _words(" ".join(own))]
        phrases += [f" {t} " for t in own if counts[t] == 1 and len(t) > 1]
        named.append((student, [p for p in phrases if p.strip()]))
    return named


def _named(relative: str, names: list[tuple[dict[str, Any], list[str]]]) -> list[dict[str, Any]]:
    """The roster students a file's path names (whole words, case ignored)."""
    words = _words(relative.removesuffix(".ipynb"))
    return [student for student, phrases in names if any(p in words for p in phrases)]


def _notebook_files(path: Path) -> tuple[Path, list[Path]]:
    """The folder names are taken relative to, and the notebooks (sorted)."""
    if not path.is_dir():
        return path.parent, [path]
    files = sorted(p for p in path.rglob("*.ipynb") if CHECKPOINTS not in p.relative_to(path).parts and p.is_file())
    if not files:
        raise GradeError(f"{path}: no notebook (*.ipynb) in this folder or its subfolders")
    return path, files


def _load(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return None, f"cannot read it: {error.strerror}"
    except UnicodeDecodeError:
        return None, "not a notebook: it is not UTF-8 text"
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); was it saved whole?"
    except ValueError as error:
        return None, f"not valid JSON ({error})"
    if not isinstance(notebook, dict) or not isinstance(notebook.get("metadata"), dict):
        return None, "not a Jupyter notebook (no metadata)"
    meta = notebook["metadata"].get("quizgen")
    if not isinstance(meta, dict) or not isinstance(meta.get("student_id"), str):
        return None, "not a notebook written by quizgen generate --format ipynb (no quizgen metadata)"
    if not isinstance(notebook.get("cells"), list):
        return None, "not a Jupyter notebook (no list of cells)"
    return notebook, ""


def read_notebooks(path: Path, key: dict[str, Any]) -> ReturnedNotebooks:
    """One CSV row per notebook whose student has exactly one; everything else said."""
    root, files = _notebook_files(path)
    labels = all_labels(key)
    students = key["students"]
    by_id = {s["student_id"]: s for s in students}
    names = _names(students)
    returned = ReturnedNotebooks(b"", notebooks=len(files))
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for file in files:
        relative = file.relative_to(root).as_posix()
        notebook, problem = _load(file)
        if notebook is None:
            returned.refused.append((relative, problem))
            continue
        meta = notebook["metadata"]["quizgen"]
        sid = meta["student_id"]
        if meta.get("assignment") != key["assignment"] or meta.get("salt") != key.get("salt"):
            returned.refused.append((relative, f"a notebook of another assignment ({meta.get('assignment')!r})"))
            continue
        edited = _edited(notebook["cells"], meta)
        if edited:
            returned.refused.append((relative, f"{sid}: {edited}"))
            continue
        others = [s for s in _named(relative, names) if s["student_id"] != sid]
        if others:
            owner = by_id.get(sid, {"student_id": sid})
            returned.flagged.append(
                {
                    "file": relative,
                    "student_id": sid,
                    "names": ", ".join(_who(s) for s in others),
                    "message": f"{relative}: the notebook is {_who(owner)}'s, but its name or folder names "
                    + ", ".join(_who(s) for s in others),
                }
            )
        found.setdefault(sid, []).append((relative, notebook))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", *labels])
    line = 1
    for sid, notebooks in found.items():
        if len(notebooks) > 1:
            returned.held[sid] = [name for name, _ in notebooks]
            continue
        relative, notebook = notebooks[0]
        answers, unassigned = answers_of(notebook["cells"], labels)
        for label, text in unassigned.items():
            returned.unassigned[(sid, label)] = text
        writer.writerow([sid, *(answers.get(label, "") for label in labels)])
        line += 1
        returned.files[line] = relative
    returned.csv = buffer.getvalue().encode("utf-8")
    return returned


def _who(student: dict[str, Any]) -> str:
    name = student.get("name")
    return f"{name} ({student['student_id']})" if name else str(student["student_id"])
