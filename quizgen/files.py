"""Writing outputs: whole files, and folders that appear only once complete."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from quizgen.errors import OutputError


def write_file(path: Path, text: str | bytes) -> None:
    """Text as UTF-8 with its newlines as they are; the folders are made when missing (tried after
    the write fails: a run writes thousands of files into folders that exist)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        path.write_bytes(data)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def output_error(error: OSError, target: Path) -> OutputError:
    return OutputError(f"{target}: cannot write: {error.strerror or error}")


MARKERS = {"manifest.json": "quizgen", "summary.json": "students_in_key"}
"""Files that say quizgen wrote a folder (generate's manifest, grade's summary), with a key they hold."""


def written_by_quizgen(folder: Path) -> bool:
    for name, key in MARKERS.items():
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and key in data:
            return True
    return False


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_replaceable(out_dir: Path, force: bool, keep: Sequence[Path] = ()) -> Path:
    """The resolved output folder, once it is safe to write: empty, or quizgen's own with ``force``."""
    target = out_dir.resolve()
    if target.exists() and not target.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder")
    if not target.is_dir() or not any(target.iterdir()):
        return target
    if not force:
        raise OutputError(f"{out_dir}: the folder is not empty (use --force to replace an earlier output of quizgen)")
    if _inside(Path.cwd().resolve(), target):
        raise OutputError(f"{out_dir}: --force would replace the current folder; choose an output folder inside it")
    for path in keep:
        if _inside(path.resolve(), target):
            raise OutputError(f"{out_dir}: --force would delete {path}, an input of this command; choose another")
    if not written_by_quizgen(target):
        raise OutputError(
            f"{out_dir}: not a folder quizgen wrote (no manifest.json or summary.json of ours); "
            "--force replaces only those: empty it or choose another folder"
        )
    return target


@contextmanager
def atomic_folder(out_dir: Path, force: bool, keep: Sequence[Path] = ()) -> Iterator[Path]:
    """A scratch folder that becomes ``out_dir`` only if everything inside was written.

    ``--force`` replaces only a folder that quizgen wrote, and never one holding ``keep`` (the inputs).
    """
    target = check_replaceable(out_dir, force, keep)
    parent = target.parent
    scratch = parent / f".{target.name}.partial-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
    except OSError as error:
        raise output_error(error, out_dir) from None
    try:
        yield scratch
        old = parent / f".{target.name}.old-{os.getpid()}"
        if target.exists():
            target.rename(old)
        scratch.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(scratch, ignore_errors=True)
        raise output_error(error, out_dir) from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
