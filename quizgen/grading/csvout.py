"""Every CSV quizgen writes goes through here: a cell a spreadsheet would run as a formula (it
starts with = + - @, a tab or a carriage return) is written with a leading ``'`` (OWASP's advice),
so a roster name such as ``=HYPERLINK(...)`` shows as text in grades and gradebooks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from operator import itemgetter

FORMULA_START = frozenset("=+-@\t\r")
_first = itemgetter(0)


def safe_cell(cell: str) -> str:
    """The cell as a spreadsheet will show it, never run it."""
    return "'" + cell if cell[:1] in FORMULA_START else cell


class SafeWriter:
    """``csv.writer`` (``\\n`` line ends) whose cells are made safe; rows of plain cells pass as they are."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer, lineterminator="\n")
        # With "\n" line ends csv quotes a cell holding "\n" but not one holding a lone "\r", which
        # a reader would then split: such rows are written with every cell quoted.
        self._quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Sequence[str]) -> None:
        if not FORMULA_START.isdisjoint(map(_first, filter(None, row))):
            row = [safe_cell(cell) for cell in row]
        (self._quoted if "\r" in "".join(row) else self._writer).writerow(row)

    def writerows(self, rows: Iterable[Sequence[str]]) -> None:
        for row in rows:
            self.writerow(row)
