"""Writing outputs: whole files, and folders that appear only once complete."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from quizgen.errors import OutputError


def write_file(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)


def output_error(error: OSError, target: Path) -> OutputError:
    return OutputError(f"{target}: cannot write: {error.strerror or error}")


@contextmanager
def atomic_folder(out_dir: Path, force: bool) -> Iterator[Path]:
    """A scratch folder that becomes ``out_dir`` only if everything inside was written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise OutputError(f"{out_dir}: the folder is not empty (use --force to replace it)")
    parent = out_dir.resolve().parent
    scratch = parent / f".{out_dir.name}.partial-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
    except OSError as error:
        raise output_error(error, out_dir) from None
    try:
        yield scratch
        old = parent / f".{out_dir.name}.old-{os.getpid()}"
        if out_dir.exists():
            out_dir.rename(old)
        scratch.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(scratch, ignore_errors=True)
        raise output_error(error, out_dir) from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
