"""Shared by the LMS export tests: assignments over the whole bank, schemas, gift-pegjs, goldens."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import zipfile
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).resolve().parent / "schemas"
GOLDEN = Path(__file__).resolve().parent / "golden"

# stdin is read as UTF-8 text, not chunk by chunk as bytes: a character split across two chunks
# would otherwise come out as two replacement characters.
GIFT_JS = (
    "let s='';process.stdin.setEncoding('utf8');process.stdin.on('data',d=>s+=d).on('end',()=>{try{"
    "process.stdout.write(JSON.stringify(require('gift-pegjs').parse(s)))}catch(e){console.error(e.message);"
    "process.exit(2)}})"
)


@cache
def lxml_schema(relative: str):
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMAS / relative)))


def schema_errors(relative: str, document: bytes) -> list[str]:
    from lxml import etree

    schema = lxml_schema(relative)
    ok = schema.validate(etree.fromstring(document))
    return [] if ok else [str(e) for e in schema.error_log]


def gift_parse(text: str) -> list[dict]:
    modules = os.environ.get("QUIZGEN_GIFT_PARSER_PATH") or str(ROOT / ".tools" / "node_modules")
    if not (Path(modules) / "gift-pegjs").is_dir():
        if os.environ.get("CI"):
            pytest.fail("gift-pegjs is not installed: scripts/test installs it")
        pytest.skip("gift-pegjs is not installed (npm install --prefix .tools gift-pegjs@1.0.2)")
    proc = subprocess.run(
        ["node", "-e", GIFT_JS],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": modules},
    )
    if proc.returncode:
        raise ValueError(proc.stderr.strip())
    return json.loads(proc.stdout)


def _node_modules(package: str) -> Path:
    modules = Path(os.environ.get("QUIZGEN_GIFT_PARSER_PATH") or ROOT / ".tools" / "node_modules")
    if not (modules / package).is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{package} is not installed: scripts/test installs it")
        pytest.skip(f"{package} is not installed (scripts/test installs it into .tools)")
    return modules


def qti3_items(items: dict[str, str]) -> dict[str, str]:
    """QTI 2.1 items (name → XML) converted to QTI 3 by @citolab/qti-convert's Node entry point."""
    modules = _node_modules("@citolab/qti-convert")
    proc = subprocess.run(
        ["node", str(Path(__file__).resolve().parent / "qti_convert.mjs")],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "QTI_MODULES": str(modules)},
    )
    if proc.returncode:
        raise ValueError(proc.stderr.strip()[-2000:])
    return json.loads(proc.stdout)


def qti_player_script() -> Path:
    """@citolab/qti-components bundled for a page: the QTI 3 player's custom elements."""
    return _node_modules("@citolab/qti-components") / "@citolab" / "qti-components" / "cdn" / "index.global.js"


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def tar_members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}  # type: ignore[union-attr]


def check_golden(name: str, actual: bytes) -> None:
    """Compare with tests/golden/NAME; QUIZGEN_UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("QUIZGEN_UPDATE_GOLDEN") or not path.exists():
        if os.environ.get("CI") and not path.exists():
            pytest.fail(f"golden file {path} is missing")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
    expected = path.read_bytes()
    if expected != actual:
        import difflib

        diff = "\n".join(
            difflib.unified_diff(
                expected.decode(errors="replace").splitlines(),
                actual.decode(errors="replace").splitlines(),
                "golden",
                "now",
                lineterm="",
                n=2,
            )
        )
        pytest.fail(f"{name} differs from its golden file:\n{diff[:4000]}")
