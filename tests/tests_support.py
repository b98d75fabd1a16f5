"""Helpers shared by the tests."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main


def require(module: str) -> None:
    """Skip without ``module`` on a developer's machine; fail in CI, which must run every check."""
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed: CI must run the framework cross-checks")
        pytest.skip(f"{module} is not installed")


def numeric_item(spec: str, quantity: str = "total", framework: str = "keras", **changes):
    """A numeric key item whose answer and mistakes come from the counting core, as key.json's do."""
    from quizgen.bank.answers import answer_for

    answer = answer_for(spec, None, framework, quantity)
    item = {
        "label": "Q1",
        "type": "numeric",
        "points": 1,
        "answer": answer.value,
        "tolerance": 0,
        "derivation": answer.derivation,
        "misconceptions": {w.name: w.value for w in answer.wrongs},
        "misconception_feedback": {w.name: w.explanation for w in answer.wrongs},
        "spec": spec,
        "framework": framework,
        "quantity": quantity,
    }
    return {**item, **changes}


def doc_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block of a Markdown document."""
    return re.findall(r"```(\w+)\n(.*?)```", text, re.S)


def run_doc_commands(text: str, where: Path) -> list[str]:
    """Do what a document shows, in order, inside ``where``: write each block that starts with
    ``# file: NAME`` (YAML keeps that comment line, other files start below it) and run each ``sh``
    block's ``quizgen`` lines (``> FILE`` writes the output there). Returns the lines run; a command
    that fails fails the test with its output."""
    ran = []
    for kind, body in doc_blocks(text):
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            target = where / first.removeprefix("# file: ").strip()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body if kind == "yaml" else rest, encoding="utf-8")
            continue
        if kind != "sh":
            continue
        for line in body.strip().splitlines():
            args = shlex.split(line)
            assert args[0] == "quizgen", line
            redirect = args.index(">") if ">" in args else None
            result = CliRunner().invoke(main, args[1:redirect])
            assert result.exit_code == 0, (line, result.output)
            if redirect is not None:
                (where / args[redirect + 1]).write_text(result.output)
            ran.append(line)
    return ran
