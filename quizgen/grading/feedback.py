"""Each student's feedback files (Markdown and HTML), written here or by worker processes: for a
large course they are most of what grading costs (two rendered pages and two files per student).
A course template's error in a worker reaches the caller as the same jinja2 exception."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice
from pathlib import Path
from typing import Any

from quizgen.files import write_file
from quizgen.grading.score import ItemResult
from quizgen.render.pages import Renderer

CHUNK = 32  # students sent to a worker at a time

Work = tuple[dict[str, Any], list[ItemResult] | None]  # a key's student, and their results (None: no submission)


def _view(student: dict[str, Any], results: list[ItemResult] | None) -> dict[str, Any]:
    by_label: dict[str, ItemResult] = {}
    for result in results or []:
        by_label.setdefault(result.label, result)
    items = [{"question": q, "result": by_label.get(q["label"])} for q in student["questions"]]
    total = sum(r.points for r in results or [])
    maximum = sum(float(q["points"]) for q in student["questions"])
    return {"student": student, "items": items, "total": total, "maximum": maximum, "submitted": results is not None}


class _Writer:
    def __init__(self, title: str, templates: Path | None, folder: Path) -> None:
        self.renderer = Renderer(f"{title} — feedback", templates)
        self.folder = folder

    def write(self, work: Work) -> None:
        student, results = work
        view = _view(student, results)
        for fmt in ("md", "html"):
            write_file(self.folder / f"{student['student_id']}.{fmt}", self.renderer.render(f"feedback.{fmt}", **view))


_WORKER: _Writer | None = None


def _start_worker(title: str, templates: Path | None, folder: Path) -> None:
    global _WORKER
    _WORKER = _Writer(title, templates, folder)


def _write_in_worker(chunk: list[Work]) -> None:
    assert _WORKER is not None
    for work in chunk:
        _WORKER.write(work)


def _chunks(work: Iterator[Work]) -> Iterator[list[Work]]:
    chunk = list(islice(work, CHUNK))
    while chunk:
        yield chunk
        chunk = list(islice(work, CHUNK))


def write_feedback(title: str, templates: Path | None, folder: Path, work: Iterable[Work], jobs: int = 1) -> None:
    """``folder/<student_id>.md`` and ``.html`` for every student, as ``work`` comes (it is read as the
    files are written: a few chunks ahead of the workers, never whole)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = iter(work)
    first = list(islice(items, 2 * CHUNK * jobs)) if jobs > 1 else []
    if len(first) < 2 * CHUNK * jobs:  # one process, or too few students to share out
        writer = _Writer(title, templates, folder)
        for one in chain(first, items):
            writer.write(one)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(title, templates, folder)) as pool:
        pending: deque[Future[None]] = deque()
        for chunk in _chunks(chain(first, items)):
            pending.append(pool.submit(_write_in_worker, chunk))
            if len(pending) > 2 * jobs:
                pending.popleft().result()
        for future in pending:
            future.result()
