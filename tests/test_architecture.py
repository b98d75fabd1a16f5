"""The stages' import rules (pyproject's [tool.importlinter]) hold, and break where they should."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "quizgen", tmp_path / "quizgen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache", "--no-logo"],
        cwd=root,
        env={"PATH": "", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
    )


def test_the_package_keeps_every_contract(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_reading_the_version_from_any_stage_breaks_no_rule(tmp_path):
    """quizgen/__init__.py imports the public API for type checkers only: importing the package is no
    dependency on every stage."""
    root = _copy(tmp_path)
    for stage in ("counting", "readers", "bank", "files"):
        path = root / "quizgen" / (f"{stage}.py" if stage == "files" else f"{stage}/throwaway.py")
        before = path.read_text() if path.exists() else '"""Planted by the test."""\n'
        path.write_text(f"{before}\nfrom quizgen import __version__  # noqa\n")
    result = _lint(root)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("planted", "contract"),
    [
        ({"bank/throwaway.py": "from quizgen.render.pages import Renderer"}, "Stages only look down"),
        ({"counting/throwaway.py": "import quizgen.bank.loader"}, "Stages only look down"),
        ({"export/throwaway.py": "from quizgen.grading import run"}, "Stages only look down"),
        ({"grading/throwaway.py": "from quizgen.export import gift"}, "Grading knows nothing"),
        ({"readers/throwaway.py": "from quizgen.bank.schema import Template"}, "do not know each other"),
        ({"counting/throwaway.py": "import jinja2"}, "pure and light"),
        (
            {"throwaway.py": "from quizgen.quiz import keyfile", "files.py": "from quizgen import throwaway"},
            "Plumbing imports no stage",
        ),
        (
            {
                "render/throwaway.py": "from quizgen.render import pages",
                "render/pages.py": "from quizgen.render import throwaway",
            },
            "No circles",
        ),
    ],
)
def test_a_planted_import_that_breaks_a_rule_fails_the_check(tmp_path, planted, contract):
    root = _copy(tmp_path)
    for module, line in planted.items():
        path = root / "quizgen" / module
        before = path.read_text() if path.exists() else '"""Planted by the test."""\n'
        path.write_text(f"{before}\n{line}\n")
    result = _lint(root)
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken and "throwaway" in broken, broken
