"""Reading a submissions CSV leniently: BOM, ';' or ',' or tabs, CRLF, odd rows — nothing is lost."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

csv.field_size_limit(sys.maxsize)


@dataclass(slots=True)
class Row:
    line: int
    student_id: str
    cells: list[str]


class _Plan:
    """Where a list of labels' answers sit in a row: the columns of each label, and, when each label
    has one column, a getter taking them all at once from a row long enough (``last`` its last)."""

    def __init__(self, columns: list[list[int]]) -> None:
        self.columns = columns
        single = [ks[0] for ks in columns if len(ks) == 1]
        self.getter: Callable[[list[str]], Sequence[str]] | None = None
        self.last = max(single, default=-1)
        if len(single) == len(columns) > 1:
            self.getter = itemgetter(*single)


@dataclass
class Intake:
    """What the file held besides answers: columns, and every row that could not be used.

    The key's labels are known only once the key has been read (it is read after the submissions,
    student by student), so columns are matched to labels by their names as each student is graded,
    and ``settle`` names the missing, extra and doubled columns at the end.
    """

    delimiter: str = ","
    columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)
    has_student_id: bool = False
    not_utf8: bool = False
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, raw text)
    notes: list[str] = field(default_factory=list)
    rows_read: int = 0
    id_index: int = -1
    _by_name: dict[str, list[int]] = field(default_factory=dict, repr=False)  # folded name → columns
    _plans: dict[tuple[str, ...], _Plan] = field(default_factory=dict, repr=False)
    _header_notes: int = 0  # where the notes about the header go among the notes

    def read_header(self, names: list[str]) -> None:
        self.columns = names
        for k, name in enumerate(names):
            if k != self.id_index:
                self._by_name.setdefault(name.casefold(), []).append(k)
        self._header_notes = len(self.notes)

    def answers(self, cells: list[str], labels: tuple[str, ...]) -> Sequence[str]:
        """A row's answer to each label, in the labels' order (matched ignoring case; a label given
        twice: its first non-blank answer; a label with no column: blank)."""
        plan = self._plans.get(labels)
        if plan is None:
            plan = self._plans[labels] = _Plan([self._by_name.get(label.casefold(), []) for label in labels])
        if plan.getter is not None and len(cells) > plan.last:
            return plan.getter(cells)
        width = len(cells)
        return [(cells[ks[0]] if ks[0] < width else "") if len(ks) == 1 else _answer(cells, ks) for ks in plan.columns]

    def settle(self, labels: list[str]) -> None:
        """The missing, extra and doubled columns, once every label of the key is known."""
        if not self.has_student_id:
            return
        folded = {label.casefold(): label for label in labels}
        self.missing_columns = [label for label in labels if label.casefold() not in self._by_name]
        self.duplicate_columns = [folded[n] for n, ks in self._by_name.items() if n in folded and len(ks) > 1]
        notes = [
            f"column {label} appears {len(self._by_name[label.casefold()])} times: the first non-blank answer is graded"
            for label in self.duplicate_columns
        ]
        self.notes[self._header_notes : self._header_notes] = notes
        known = set(folded) | {"student_id", "name", "email", "timestamp"}
        self.extra_columns = [n for k, n in enumerate(self.columns) if k != self.id_index and n.casefold() not in known]


def decode(data: bytes, intake: Intake) -> str:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", errors="replace")
        intake.not_utf8 = True
        intake.notes.append("the file is not valid UTF-8; unreadable bytes were replaced with '\ufffd'")
    if "\0" in text:
        text = text.replace("\0", "")
        intake.notes.append("NUL bytes were removed")
    return text


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _label(cell: str) -> str:
    text = cell.strip().strip('"').strip()
    match = re.fullmatch(r"[Qq]\s*(\d+)\s*([A-Za-z]?)", text)
    return f"Q{match.group(1)}{match.group(2).lower()}" if match else text


def _answer(cells: list[str], columns: list[int]) -> str:
    values = [cells[k] for k in columns if k < len(cells)]
    return next((v for v in values if v.strip()), values[0] if values else "")


def read_rows(data: bytes, intake: Intake) -> Iterator[Row]:
    """Rows with a student id and their cells; everything else goes to ``intake.rejected``."""
    text = decode(data, intake)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    intake.delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=intake.delimiter, strict=False)
    header: list[str] | None = None
    for cells in reader:
        line = reader.line_num
        if header is None:
            if not any(c.strip() for c in cells):
                continue
            header = cells
            names = [_label(c) for c in header]
            lowered = [n.lower().replace(" ", "_") for n in names]
            if "student_id" not in lowered:
                intake.rejected.append((line, "no 'student_id' column in the header", intake.delimiter.join(cells)))
                intake.notes.append("without a student_id column no row can be matched to a student")
                header = []
                continue
            intake.id_index = lowered.index("student_id")
            intake.has_student_id = True
            intake.read_header(names)
            continue
        if not "".join(cells).strip():
            continue
        intake.rows_read += 1
        id_index = intake.id_index
        if id_index < 0:
            intake.rejected.append((line, "no student_id column", intake.delimiter.join(cells)[:200]))
            continue
        student_id = cells[id_index].strip() if id_index < len(cells) else ""
        if not student_id:
            intake.rejected.append((line, "no student_id in this row", intake.delimiter.join(cells)[:200]))
            continue
        if len(cells) > len(header):
            intake.notes.append(f"line {line}: {len(cells) - len(header)} cell(s) beyond the header were ignored")
        yield Row(line, student_id, cells)
    if header is None:
        intake.notes.append("the file is empty: no header, no rows")
