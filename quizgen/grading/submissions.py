"""Reading a submissions CSV leniently: BOM, ';' or ',' or tabs, CRLF, odd rows — nothing is lost."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

csv.field_size_limit(sys.maxsize)


@dataclass(slots=True)
class Row:
    line: int
    student_id: str
    answers: dict[str, str]


@dataclass
class Intake:
    """What the file held besides answers: columns, and every row that could not be used."""

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


def _columns(names: list[str], labels: list[str], intake: Intake) -> dict[str, list[int]]:
    """Each key label's columns (matched ignoring case and blanks); a label given twice is reported."""
    by_fold = {label.casefold(): label for label in labels}
    positions: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        label = by_fold.get(name.casefold())
        if label is not None:
            positions.setdefault(label, []).append(k)
    intake.duplicate_columns = [label for label, ks in positions.items() if len(ks) > 1]
    for label in intake.duplicate_columns:
        times = len(positions[label])
        intake.notes.append(f"column {label} appears {times} times: the first non-blank answer is graded")
    return positions


def _answer(cells: list[str], columns: list[int]) -> str:
    values = [cells[k] for k in columns if k < len(cells)]
    return next((v for v in values if v.strip()), values[0] if values else "")


def read_rows(data: bytes, labels: list[str], intake: Intake) -> Iterator[Row]:
    """Rows with a student id, answers keyed by label; everything else goes to ``intake.rejected``."""
    text = decode(data, intake)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    intake.delimiter = _delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=intake.delimiter, strict=False)
    header: list[str] | None = None
    id_index = -1
    positions: dict[str, list[int]] = {}
    single: list[tuple[str, int]] = []  # (label, column) when no label has two columns
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
            id_index = lowered.index("student_id")
            intake.has_student_id = True
            intake.columns = names
            positions = _columns(names, labels, intake)
            if not intake.duplicate_columns:
                single = [(label, ks[0]) for label, ks in positions.items()]
            intake.missing_columns = [label for label in labels if label not in positions]
            known = {n.casefold() for n in labels} | {"student_id", "name", "email", "timestamp"}
            intake.extra_columns = [n for k, n in enumerate(names) if k != id_index and n.casefold() not in known]
            continue
        if not any(c.strip() for c in cells):
            continue
        intake.rows_read += 1
        raw = intake.delimiter.join(cells)
        if id_index < 0:
            intake.rejected.append((line, "no student_id column", raw[:200]))
            continue
        student_id = cells[id_index].strip() if id_index < len(cells) else ""
        if not student_id:
            intake.rejected.append((line, "no student_id in this row", raw[:200]))
            continue
        if len(cells) > len(header):
            intake.notes.append(f"line {line}: {len(cells) - len(header)} cell(s) beyond the header were ignored")
        if single:
            width = len(cells)
            answers = {label: cells[k] if k < width else "" for label, k in single}
        else:
            answers = {label: _answer(cells, ks) for label, ks in positions.items()}
        yield Row(line, student_id, answers)
    if header is None:
        intake.notes.append("the file is empty: no header, no rows")
