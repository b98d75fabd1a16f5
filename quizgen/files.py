"""Writing outputs: whole files, and folders that appear only once complete."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from quizgen import __version__
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


def place_file(done: Path, target: Path, replace: bool) -> None:
    """Move the finished file ``done`` to ``target``; without ``replace``, a file that appeared at
    ``target`` meanwhile is kept and the move fails (a hard link is made only where none exists)."""
    if replace:
        done.replace(target)
        return
    try:
        os.link(done, target)
    except FileExistsError:
        raise OutputError(f"{target}: appeared while this run worked; left as it is, nothing was written") from None
    except OSError:  # a file system without hard links: the check and the move are then two steps
        if target.exists():
            raise OutputError(f"{target}: appeared while this run worked; left as it is, nothing was written") from None
        done.replace(target)
        return
    done.unlink()


def output_error(error: OSError, target: Path) -> OutputError:
    return OutputError(f"{target}: cannot write: {error.strerror or error}")


MANIFEST = "manifest.json"
"""The file in every output folder that lists what the run wrote there, and which command ran."""

MARKERS = {"manifest.json": "quizgen", "summary.json": "students_in_key"}
"""Files that say quizgen wrote a folder (generate's manifest, grade's summary), with a key they hold."""

SHOWN_FOREIGN = 5


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


Snapshot = dict[str, tuple[bool, int, int, int]]
"""Each entry of a folder (relative POSIX path) → (is a folder, inode, size, modification time)."""


def snapshot(folder: Path) -> Snapshot:
    """What a folder holds, cheaply: enough to tell that nothing was added, removed or rewritten."""
    found: Snapshot = {}
    for top, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(top, name)
            try:
                stat = path.lstat()
            except OSError:  # gone or unreadable meanwhile: differs from any snapshot taken before
                found[path.relative_to(folder).as_posix()] = (name in dirs, -1, -1, -1)
                continue
            found[path.relative_to(folder).as_posix()] = (name in dirs, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return found


def _listed_files(manifest: Path) -> tuple[str, dict[str, str]] | None:
    """(command, path → SHA-256) of a manifest that lists its files; None for any other."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("command"), str):
        return None
    entries = data.get("files")
    if not isinstance(entries, list):
        return None
    listed: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            return None
        listed[entry["path"]] = str(entry.get("sha256"))
    return data["command"], listed


def _shown(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN_FOREIGN} more" if len(names) > SHOWN_FOREIGN else ""
    return ", ".join(names[:SHOWN_FOREIGN]) + more


def _own_output(out_dir: Path, target: Path, command: str) -> Snapshot:
    """The snapshot of an earlier output of ``command`` that --force may replace; refuses any other."""
    found = _listed_files(target / MANIFEST)
    if found is None:
        if written_by_quizgen(target):
            raise OutputError(
                f"{out_dir}: written by an earlier quizgen that kept no list of its files; --force replaces "
                "only a folder whose manifest.json lists them: delete it yourself or choose another folder"
            )
        raise OutputError(
            f"{out_dir}: not a folder quizgen wrote (no manifest.json of ours); "
            "--force replaces only those: empty it or choose another folder"
        )
    written_by, listed = found
    if written_by != command:
        raise OutputError(
            f"{out_dir}: holds the output of 'quizgen {written_by}', not of {command}; "
            "--force replaces only an output of the same command: choose another folder"
        )
    state = snapshot(target)
    folders = {parent for name in listed for parent in Path(name).parents if parent != Path(".")}
    foreign, changed = [], []
    for name, (is_folder, *_) in sorted(state.items()):
        if name == MANIFEST:
            continue
        if is_folder:
            if Path(name) not in folders:
                foreign.append(name + "/")
        elif name not in listed or (target / name).is_symlink() or not (target / name).is_file():
            foreign.append(name)
        elif sha256_of(target / name) != listed[name]:
            changed.append(name)
    outer = [name for name in foreign if not any(name.startswith(f) for f in foreign if f.endswith("/") and f != name)]
    if outer:
        raise OutputError(
            f"{out_dir}: holds files quizgen did not write ({_shown(outer)}); --force replaces only "
            "quizgen's own output: move them away or choose another folder"
        )
    if changed:
        raise OutputError(
            f"{out_dir}: files changed since quizgen wrote them ({_shown(changed)}); --force replaces only "
            "quizgen's output as written: move them away or choose another folder"
        )
    return state


def check_replaceable(
    out_dir: Path, force: bool, keep: Sequence[Path] = (), command: str = "generate"
) -> tuple[Path, Snapshot | None]:
    """The resolved output folder once it is safe to write, with what it held (None: absent or empty).

    A non-empty folder needs ``force``, and is then replaced only when it is an earlier output of
    the same ``command`` holding nothing but the files its manifest lists, as written."""
    target = out_dir.resolve()
    if target.exists() and not target.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder")
    if not target.is_dir() or not any(target.iterdir()):
        return target, None
    if not force:
        raise OutputError(f"{out_dir}: the folder is not empty (use --force to replace an earlier output of quizgen)")
    if _inside(Path.cwd().resolve(), target):
        raise OutputError(f"{out_dir}: --force would replace the current folder; choose an output folder inside it")
    for path in keep:
        if _inside(path.resolve(), target):
            raise OutputError(f"{out_dir}: --force would delete {path}, an input of this command; choose another")
    try:
        return target, _own_output(out_dir, target, command)
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot read the earlier output: {error.strerror or error}") from None


def files_in_order(folder: Path, prefix: str = "") -> Iterator[str]:
    """Every file under ``folder`` (relative POSIX path) in sorted order, a folder listed at a time:
    a subfolder's files all begin with its name and "/", so it is placed among its siblings by that."""
    with os.scandir(folder) as found:
        entries = sorted(
            (entry.name + "/" if entry.is_dir() else entry.name, entry.is_dir(), entry.is_symlink()) for entry in found
        )
    for name, is_folder, is_link in entries:
        if is_folder:
            if not is_link:  # as os.walk: a link to a folder is neither a file nor followed
                yield from files_in_order(folder / name, prefix + name)
        else:
            yield prefix + name


def seal(folder: Path, command: str) -> None:
    """Complete ``folder``'s manifest (what the run put there already stays): the command, and
    every file written with its SHA-256. Written as ``json.dumps(manifest, indent=1, sort_keys=True)``
    would write it, an entry at a time, so that a large class's list never sits in memory."""
    path = folder / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"quizgen": __version__}
    manifest["command"] = command
    manifest["files"] = []
    head, tail = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).split('\n "files": []', 1)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(head + '\n "files": [')
        separator = ""
        for name in files_in_order(folder):
            if name == MANIFEST:
                continue
            entry = json.dumps({"path": name, "sha256": sha256_of(folder / name)}, indent=1, ensure_ascii=False)
            out.write(separator + "\n  " + entry.replace("\n", "\n  "))
            separator = ","
        out.write(("\n ]" if separator else "]") + tail + "\n")


def _changed_meanwhile(out_dir: Path, moved_to: Path | None = None) -> OutputError:
    kept = f"; what it held is kept at {moved_to}" if moved_to else ", left as it is"
    return OutputError(
        f"{out_dir}: the folder appeared or changed while this run worked (another run writing there?){kept}; "
        "nothing of this run was written: run it again"
    )


def _commit(scratch: Path, target: Path, before: Snapshot | None, out_dir: Path) -> None:
    """Put the finished ``scratch`` at ``target``, never over anything ``before`` did not show.

    Renames are atomic and a folder renamed onto a non-empty one fails, so of runs finishing
    together into one new folder exactly one succeeds and the others say so."""
    if before is None:
        try:
            target.rmdir()  # the empty folder found at the start; refused if it filled up since
        except FileNotFoundError:
            pass
        except OSError:
            raise _changed_meanwhile(out_dir) from None
        try:
            scratch.rename(target)
        except OSError:
            if target.exists():
                raise _changed_meanwhile(out_dir) from None
            raise
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        target.rename(old)
    except FileNotFoundError:
        raise _changed_meanwhile(out_dir) from None
    if snapshot(old) != before:
        try:
            old.rename(target)
        except OSError:
            raise _changed_meanwhile(out_dir, old) from None
        raise _changed_meanwhile(out_dir)
    try:
        scratch.rename(target)
    except OSError:
        try:
            old.rename(target)
        except OSError:
            raise _changed_meanwhile(out_dir, old) from None
        raise _changed_meanwhile(out_dir) from None
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_folder(out_dir: Path, force: bool, keep: Sequence[Path] = (), command: str = "generate") -> Iterator[Path]:
    """A scratch folder that becomes ``out_dir`` only if everything inside was written.

    ``--force`` replaces only an earlier output of the same command holding nothing else, and
    never one holding ``keep`` (the inputs). On success the folder's manifest.json lists every
    file written; a folder that appeared or changed meanwhile is left as it is and the run fails."""
    target, before = check_replaceable(out_dir, force, keep, command)
    parent = target.parent
    scratch = parent / f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        scratch.mkdir()
    except OSError as error:
        raise output_error(error, out_dir) from None
    try:
        yield scratch
        seal(scratch, command)
        _commit(scratch, target, before, out_dir)
    except OSError as error:
        shutil.rmtree(scratch, ignore_errors=True)
        raise output_error(error, out_dir) from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
