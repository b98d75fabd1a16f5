"""LMS exporters, registered by the word the CLI and assignment files use for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quizgen.export import gift, moodle, moodle_mbz, qti12, qti21
from quizgen.export.sink import Sink

Exporter = Callable[[dict[str, Any], Sink], None]
"""Writes the LMS file(s) for a key (as written to key.json) into a sink, streaming."""

EXPORTERS: dict[str, Exporter] = {
    "moodle": moodle.export,
    "moodle-mbz": moodle_mbz.export,
    "gift": gift.export,
    "qti12": qti12.export,
    "qti21": qti21.export,
}
