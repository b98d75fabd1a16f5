"""Each student's feedback files (Markdown and HTML), written here or by worker processes: for a
large course they are most of what grading costs (two rendered pages and two files per student).
A course template's error in a worker reaches the caller as the same jinja2 exception."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from quizgen.files import write_file
from quizgen.grading.score import ItemResult
from quizgen.render import Renderer

CHUNK = 32  # students sent to a worker at a time
PROGRESS_EVERY = 1000

Work = tuple[dict[str, Any], list[ItemResult] | None]  # a key's student, and their results (None: no submission)


def feedback_view(student: dict[str, Any], results: list[ItemResult] | None) -> dict[str, Any]:
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
        view = feedback_view(student, results)
        for fmt in ("md", "html"):
            write_file(self.folder / f"{student['student_id']}.{fmt}", self.renderer.render(f"feedback.{fmt}", **view))


_WORKER: _Writer | None = None


def _start_worker(title: str, templates: Path | None, folder: Path) -> None:
    global _WORKER
    _WORKER = _Writer(title, templates, folder)


def _write_in_worker(work: Work) -> None:
    assert _WORKER is not None
    _WORKER.write(work)


def _written(title: str, templates: Path | None, folder: Path, work: list[Work], jobs: int) -> Iterator[None]:
    if jobs <= 1 or len(work) < 2 * CHUNK * jobs:
        yield from map(_Writer(title, templates, folder).write, work)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(title, templates, folder)) as pool:
        yield from pool.map(_write_in_worker, work, chunksize=CHUNK)


def write_feedback(
    title: str,
    templates: Path | None,
    folder: Path,
    work: Iterable[Work],
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """``folder/<student_id>.md`` and ``.html`` for every student; ``progress(written, students)``
    every ``PROGRESS_EVERY`` students and at the end."""
    work = list(work)
    folder.mkdir(parents=True, exist_ok=True)
    done = 0
    for done, _ in enumerate(_written(title, templates, folder, work, jobs), start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, len(work))
    if progress is not None:
        progress(done, len(work))
