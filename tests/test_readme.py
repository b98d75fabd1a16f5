"""What README.md shows a user works as shown."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from quizgen.bank.loader import load_bank
from quizgen.quiz.assignment import load_assignment
from quizgen.quiz.build import check_references

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_assignment_file_example_loads(tmp_path):
    section = README.split("## The assignment file", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    shutil.copy(ROOT / "examples" / "roster.csv", tmp_path / "roster.csv")
    (tmp_path / "a.yaml").write_text(block, encoding="utf-8")
    assignment = load_assignment(tmp_path / "a.yaml")
    check_references(assignment, load_bank())
    assert len(assignment.students) == 30 and assignment.spec.partial_credit["bias_convention"] == 0.5


def _console_blocks() -> list[tuple[str, str]]:
    """(command, output) of each ``$ quizgen …`` console example."""
    blocks = []
    for body in re.findall(r"```console\n(.*?)```", README, re.S):
        command, _, output = body.partition("\n")
        blocks.append((command.removeprefix("$ "), output))
    return blocks


def test_console_examples_print_what_readme_shows(tmp_path, monkeypatch):
    import shlex

    from click.testing import CliRunner

    from quizgen.cli import main

    (tmp_path / "gpt2").mkdir()
    (tmp_path / "gpt2" / "config.json").write_text('{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}')
    shutil.copy(ROOT / "tests" / "data" / "summaries" / "keras3_two_lstm.txt", tmp_path / "summary.txt")
    monkeypatch.chdir(tmp_path)
    blocks = _console_blocks()
    assert len(blocks) >= 2
    for command, output in blocks:
        args = shlex.split(command)
        assert args[0] == "quizgen"
        result = CliRunner().invoke(main, args[1:])
        assert result.exit_code == 0, result.output
        assert result.output == output, command
