"""Reading a key.json written by ``quizgen generate`` (for trace, grade and export)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from quizgen.errors import GradeError


def read_key(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GradeError(f"{path}: cannot read the key: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GradeError(f"{path}: not a key.json file: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("students"), list):
        raise GradeError(f"{path}: not a key.json file (no 'students' list)")
    return data
