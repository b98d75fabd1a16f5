"""What README.md shows a user works as shown."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from quizgen.assignment import load_assignment
from quizgen.bank import load_bank
from quizgen.build import check_references

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
