"""A new user's own small assignment: 4 questions (one in three parts, one multiple choice, one in
bytes) for 6 students, generated once per test module that grades it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from quizgen.cli import main

ROSTER = """student_id,name,email
s01,Ada Lovelace,ada@example.edu
s02,Bo Chen,bo@example.edu
s03,Cy Young,cy@example.edu
s04,Di Ross,di@example.edu
s05,Ed Kim,ed@example.edu
s06,Flo Diaz,flo@example.edu
"""
ASSIGNMENT = """title: "Quiz 2: recurrent layers"
salt: quiz2-2026
roster: roster.csv
formats: [md]
questions:
  - {id: lstm-three-inputs-five-units}
  - {id: pytorch-lstm-two-biases}
  - {id: lstm-layer-total}
  - {id: weights-in-float16}
"""


def make_quiz(folder: Path, fmt: str = "md", roster: str = ROSTER) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The generated output folder and the key's students by id."""
    (folder / "roster.csv").write_text(roster)
    (folder / "quiz2.yaml").write_text(ASSIGNMENT)
    out = folder / "out"
    result = CliRunner().invoke(main, ["generate", str(folder / "quiz2.yaml"), "--out", str(out), "--format", fmt])
    assert result.exit_code == 0, result.output
    key = json.loads((out / "key.json").read_text())
    return out, {s["student_id"]: s for s in key["students"]}
