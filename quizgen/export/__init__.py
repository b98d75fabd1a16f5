"""LMS exporters, registered by the word the CLI and assignment files use for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quizgen.export import gift, moodle, qti12, qti21

Exporter = Callable[[dict[str, Any]], dict[str, bytes]]
"""Takes the key (as written to key.json) and returns file name → bytes under ``lms/``."""

EXPORTERS: dict[str, Exporter] = {
    "moodle": moodle.export,
    "gift": gift.export,
    "qti12": qti12.export,
    "qti21": qti21.export,
}
