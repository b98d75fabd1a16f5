"""``quizgen generate``: write every student's quiz, the keys, and the LMS files, atomically."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from quizgen import __version__
from quizgen.bank.loader import Bank, bank_files, bank_paths, file_hashes, load_bank
from quizgen.caches import clear_all
from quizgen.errors import AssignmentError, ExportError, QuizgenError
from quizgen.export import EXPORTERS
from quizgen.export.sink import Sink
from quizgen.export.together import export_together
from quizgen.files import atomic_folder, output_error, place_file, write_file
from quizgen.quiz.assignment import FORMATS, LoadedAssignment, Student, load_assignment
from quizgen.quiz.build import build_quiz, check_references, key_entry
from quizgen.quiz.keystream import KeyWriter
from quizgen.quiz.secret import load_secret
from quizgen.render.notebook import quiz_notebook
from quizgen.render.pages import Renderer, hidden_layer_of, quiz_view, student_diagram

NO_SECRET_NOTICE = "No secret was set: anyone with the assignment file can reproduce these variants from its salt."


@dataclass(frozen=True)
class GenerateResult:
    out_dir: Path
    students: int
    questions: int
    files: int
    secret_source: str
    items: tuple[int, int] = (0, 0)  # fewest and most gradable items of a student
    notices: tuple[str, ...] = ()  # what an LMS import will not carry as the key has it


def bank_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in bank_files(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def input_paths(assignment: LoadedAssignment, secret_file: Path | None, *more: Path) -> list[Path]:
    """The files an output must never replace: the assignment, its roster, the secret, banks, templates."""
    paths = [assignment.path, *([secret_file] if secret_file else []), *more]
    if assignment.spec.roster is not None:
        paths.append(assignment.path.parent / assignment.spec.roster)
    return paths


def _selected_formats(assignment: LoadedAssignment, formats: list[str] | None) -> list[str]:
    chosen = formats if formats is not None else list(assignment.spec.formats)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise AssignmentError(f"unknown format {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    missing = [f for f in chosen if f not in ("md", "html", "ipynb") and f not in EXPORTERS]
    if missing:
        raise ExportError(f"format {', '.join(missing)} is not available in this version")
    return [str(f) for f in chosen]


def banks_of(assignment: LoadedAssignment, extra: Iterable[Path] = (), builtin: bool = True) -> list[Path]:
    """The bank files an assignment is generated from: built-in, its ``bank:`` list, then ``--bank``."""
    own = []
    for entry in assignment.spec.bank:
        path = (assignment.path.parent / entry).resolve()
        if not path.exists():
            raise AssignmentError(f"{assignment.path}: bank: no such file or folder {path}")
        own.append(path)
    paths = bank_paths([*own, *extra], builtin)
    if not paths:
        raise AssignmentError(f"{assignment.path}: no bank: --no-builtin-bank needs --bank or a bank: list")
    return paths


def generate(
    assignment_path: Path,
    out_dir: Path,
    formats: list[str] | None = None,
    secret_file: Path | None = None,
    force: bool = False,
    practice: bool = False,
    templates: Path | None = None,
    bank_paths: list[Path] | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    builtin_bank: bool = True,
) -> GenerateResult:
    """Write every student's quiz and key (and the LMS files) for an assignment.

    ``bank_paths`` are the course's own template files or folders, added to the built-in bank
    (left out with ``builtin_bank=False``) and to the assignment's own ``bank:`` list.
    """
    assignment = load_assignment(assignment_path)
    bank_paths = banks_of(assignment, bank_paths or [], builtin_bank)
    bank = load_bank(bank_paths)
    check_references(assignment, bank)
    chosen = _selected_formats(assignment, formats)
    secret = load_secret(secret_file)
    if templates is not None and not templates.is_dir():
        raise AssignmentError(f"{templates}: --templates must be a folder")
    notice = "" if secret.is_set else NO_SECRET_NOTICE
    renderer = Renderer(assignment.spec.title, templates, notice)
    inputs = input_paths(assignment, secret_file, *(bank_paths or []), *([templates] if templates else []))
    with atomic_folder(out_dir, force, inputs, "generate") as scratch:
        spool = scratch / ".key-spool"
        writer = KeyWriter(_key_head(assignment, bank_paths), scratch / "key.json", spool)
        try:
            job = Job(
                assignment_path,
                tuple(bank_paths) if bank_paths else None,
                secret.value,
                templates,
                notice,
                tuple(chosen),
                practice,
            )
            files = _write_students(assignment, bank, job, renderer, scratch, progress, jobs, writer)
            clear_all()  # the quizzes' entries would only crowd the LMS files' own
            written, notices = _write_lms(writer.close(), chosen, scratch, jobs)
            files += written
        except QuizgenError:
            writer.discard()
            raise
        except Exception as error:  # a course's template failing must not leave a traceback
            writer.discard()
            raise ExportError(f"rendering failed: {type(error).__name__}: {error}") from None
        finally:
            shutil.rmtree(spool, ignore_errors=True)
        manifest = {
            "quizgen": __version__,
            "assignment": assignment.spec.title,
            "assignment_file": assignment_path.name,
            "assignment_sha256": hashlib.sha256(assignment_path.read_bytes()).hexdigest(),
            "bank_sha256": bank_hash(bank_paths),
            "salt": assignment.spec.salt,
            "secret": secret.source,
            "students": len(assignment.students),
            "formats": chosen,
            "practice": practice,
        }
        if not secret.is_set:
            manifest["notice"] = NO_SECRET_NOTICE
        write_file(scratch / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    questions = writer.first_questions
    items = (writer.fewest_questions, writer.most_questions)
    return GenerateResult(out_dir, len(assignment.students), questions, files + 2, secret.source, items, tuple(notices))


def _key_parts(
    assignment_path: Path, secret_file: Path | None, bank_paths: list[Path] | None, builtin_bank: bool
) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """An assignment's key: its head (all but the students) and each student's entry, made lazily."""
    assignment = load_assignment(assignment_path)
    paths = banks_of(assignment, bank_paths or [], builtin_bank)
    bank = load_bank(paths)
    check_references(assignment, bank)
    secret = load_secret(secret_file)
    entries = (key_entry(build_quiz(assignment, bank, secret.value, s)) for s in assignment.students)
    return _key_head(assignment, paths), entries


def key_for(
    assignment_path: Path,
    secret_file: Path | None = None,
    bank_paths: list[Path] | None = None,
    builtin_bank: bool = True,
) -> dict[str, Any]:
    """The key of an assignment (what key.json holds), without writing anything."""
    head, entries = _key_parts(assignment_path, secret_file, bank_paths, builtin_bank)
    return {**head, "students": list(entries)}


def export_file(
    assignment_path: Path,
    fmt: str,
    out_file: Path,
    secret_file: Path | None = None,
    force: bool = False,
    bank_paths: list[Path] | None = None,
    builtin_bank: bool = True,
    notices: list[str] | None = None,
) -> Path:
    """One LMS file for an assignment (``quizgen export``), written atomically; what the import will
    not carry as the key has it is added to ``notices``."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise ExportError(f"unknown LMS format '{fmt}': choose from {', '.join(sorted(EXPORTERS))}")
    if out_file.is_dir():
        raise ExportError(f"{out_file}: is a folder; give the file to write")
    if out_file.exists() and not force:
        raise ExportError(f"{out_file}: exists (use --force to replace it)")
    assignment = load_assignment(assignment_path)
    _refuse_inputs(out_file, assignment, secret_file, banks_of(assignment, bank_paths or [], builtin_bank))
    head, entries = _key_parts(assignment_path, secret_file, bank_paths, builtin_bank)
    scratch = out_file.parent / f".{out_file.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        sink = Sink(scratch)
        # The key is spooled, not held: an export for a large class takes as little memory as a small one.
        writer = KeyWriter(head, None, scratch / ".key-spool")
        try:
            for entry in entries:
                writer.add(entry)
            spooled = writer.close()
        except BaseException:
            writer.discard()
            raise
        exporter(spooled, sink)
        if notices is not None:
            notices += sink.notices
        shutil.rmtree(scratch / ".key-spool")
        (name,) = sink.names
        place_file(scratch / name, out_file, replace=force)
    except OSError as error:
        raise output_error(error, out_file) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out_file


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def _refuse_inputs(out_file: Path, assignment: LoadedAssignment, secret_file: Path | None, banks: list[Path]) -> None:
    """An export never writes over what it reads: the assignment, roster, secret, any bank file,
    nor a new template file in a bank folder (the next load would read the LMS file as one)."""
    for path in [*input_paths(assignment, secret_file), *bank_files(banks)]:
        if _same_file(out_file, path):
            raise ExportError(f"{out_file}: is an input of this export ({path}); write the LMS file elsewhere")
    target = out_file.resolve()
    for folder in banks:
        if folder.is_dir() and target.suffix == ".yaml" and folder.resolve() in target.parents:
            raise ExportError(
                f"{out_file}: is in the bank folder {folder}, where it would be read as templates; "
                "write the LMS file elsewhere"
            )


def _key_head(assignment: LoadedAssignment, paths: list[Path]) -> dict[str, Any]:
    """Everything key.json holds but the students."""
    return {
        "assignment": assignment.spec.title,
        "salt": assignment.spec.salt,
        "partial_credit": assignment.spec.partial_credit,
        "bank": file_hashes(paths),
    }


@dataclass(frozen=True)
class Job:
    """What rendering one student needs; every worker process rebuilds its state from this."""

    assignment_path: Path
    bank_paths: tuple[Path, ...] | None
    secret: bytes
    templates: Path | None
    notice: str
    formats: tuple[str, ...]
    practice: bool


@dataclass(frozen=True)
class StudentOutput:
    files: dict[str, str]  # path under the output folder → text
    combined: dict[str, str]  # class-wide file → this student's fragment
    key: dict[str, Any]


class _Worker:
    def __init__(self, job: Job, assignment: LoadedAssignment | None = None, bank: Bank | None = None) -> None:
        self.job = job
        self.assignment = assignment or load_assignment(job.assignment_path)
        self.bank = bank or load_bank(list(job.bank_paths) if job.bank_paths else None)
        self.renderer = Renderer(self.assignment.spec.title, job.templates, job.notice)

    def render(self, student: Student) -> StudentOutput:
        job, renderer = self.job, self.renderer
        quiz = build_quiz(self.assignment, self.bank, job.secret, student)
        student_view, key_view = quiz_view(quiz, False), quiz_view(quiz, True)
        folder = f"students/{student.student_id}"
        files: dict[str, str] = {}
        combined: dict[str, str] = {}
        if "md" in job.formats:
            files[f"{folder}/quiz.md"] = renderer.quiz(student_view, "md")
            files[f"{folder}/key.md"] = combined["key.md"] = renderer.key(key_view, "md")
            for question in quiz.questions:
                v = question.variant
                if v.spec and v.framework:
                    svg = student_diagram(v.spec, v.framework, hidden_layer_of(question))
                    files[f"{folder}/diagrams/q{question.number}.svg"] = svg + "\n"
        if "html" in job.formats:
            files[f"{folder}/quiz.html"] = renderer.quiz(student_view, "html")
            files[f"{folder}/key.html"] = renderer.key(key_view, "html")
            combined["quizzes.html"] = renderer.render("quiz_body.html", quiz=student_view)
            combined["key.html"] = renderer.render("key_body.html", quiz=key_view)
        if "ipynb" in job.formats:
            files[f"{folder}/quiz.ipynb"] = quiz_notebook(quiz, self.assignment.spec.title, self.assignment.spec.salt)
        if job.practice:
            files[f"{folder}/practice.html"] = renderer.practice(student_view, quiz)
        return StudentOutput(files, combined, key_entry(quiz))


_WORKER: _Worker | None = None


def _start_worker(job: Job) -> None:
    global _WORKER
    _WORKER = _Worker(job)


def _render_in_worker(student: Student) -> StudentOutput:
    assert _WORKER is not None
    return _WORKER.render(student)


def _rendered(job: Job, assignment: LoadedAssignment, bank: Bank, jobs: int) -> Iterator[StudentOutput]:
    """Each student's output in roster order, rendered here or by ``jobs`` worker processes."""
    students = assignment.students
    if jobs <= 1 or len(students) < 2 * jobs:
        worker = _Worker(job, assignment, bank)
        yield from map(worker.render, students)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(job,)) as pool:
        yield from pool.map(_render_in_worker, students, chunksize=8)


def _write_students(
    assignment: LoadedAssignment,
    bank: Bank,
    job: Job,
    renderer: Renderer,
    out: Path,
    progress: Callable[[int], None] | None,
    jobs: int,
    key: KeyWriter,
) -> int:
    """Every student's files and the class-wide ones; each student's key entry goes to ``key``."""
    files = 0
    with ExitStack() as stack:
        combined: dict[str, IO[str]] = {}

        def open_combined(name: str, head: str = "") -> None:
            handle = stack.enter_context((out / name).open("w", encoding="utf-8", newline="\n"))
            handle.write(head)
            combined[name] = handle

        if "html" in job.formats:
            for name, title in (("quizzes.html", "quizzes"), ("key.html", "answer key")):
                open_combined(name, renderer.render("_page_head.html", doc_title=f"{assignment.spec.title} — {title}"))
        if "md" in job.formats:
            open_combined("key.md")
        for n, output in enumerate(_rendered(job, assignment, bank, jobs)):
            for relative, text in output.files.items():
                write_file(out / relative, text)
            files += len(output.files)
            for name, fragment in output.combined.items():
                combined[name].write(("\n---\n\n" if n and name == "key.md" else "") + fragment)
            key.add(output.key)
            if progress:
                progress(1)
        for name in ("quizzes.html", "key.html"):
            if name in combined:
                combined[name].write(renderer.render("_page_foot.html"))
        files += len(combined)
    return files


def _export_in_worker(key: dict[str, Any], formats: list[str], folder: Path) -> tuple[list[str], list[str]]:
    sink = Sink(folder)
    export_together(key, formats, sink)
    return sink.names, sink.notices


def _write_lms(key: dict[str, Any], formats: list[str], out: Path, jobs: int = 1) -> tuple[int, list[str]]:
    """LMS files under ``out/lms``, the formats written together; with several jobs the formats are
    shared out among worker processes, each reading the spooled key itself. Returns the number of
    files and the notices of what an import will not carry."""
    chosen = [fmt for fmt in formats if fmt in EXPORTERS]
    workers = min(jobs, len(chosen))
    if workers > 1:
        groups = [chosen[k::workers] for k in range(workers)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_export_in_worker, [key] * workers, groups, [out / "lms"] * workers))
            return sum(len(n) for n, _ in results), sorted({t for _, texts in results for t in texts})
    sink = Sink(out / "lms")
    export_together(key, chosen, sink)
    return len(sink.names), sink.notices
