"""What Keras' ``model.summary()`` prints, as table rows: Keras 3's box-drawn table and the
Keras 2 / tf.keras layout (``_``/``=`` rules, fixed columns, ``Connected to`` for functional models).
Keras itself is not needed.
"""

from __future__ import annotations

import re

from quizgen.counting.model import ModelCount
from quizgen.readers.summary_table import SummaryRow, SummaryTable, fail, parse_count, parse_shape

BOX_ROW = "│"
BOX_HEADER = "┃"
TOTALS = re.compile(r"^\s*(Total|Trainable|Non-trainable) params:\s*([\d,]+)")
MODEL_NAME = re.compile(r'^\s*Model: "(.*)"\s*$')
NAME_CLASS = re.compile(r"^(?P<name>.*?)\s*\((?P<cls>[^()]*?)(?P<close>\)?)\s*$")
CONNECTION = re.compile(r"(?<![\w\[])([A-Za-z_][^\s,'\[\]…]*)(?:\[|…|$|,|\s)")
TITLES = ("Layer (type)", "Output Shape", "Param #", "Connected to", "Trainable", "Trai")


def looks_like_keras_summary(text: str) -> bool:
    return bool(re.search(r"Layer \(type\)\s*[┃ ]\s*Output Shape|Layer \(type\)\s+Output Shape", text)) and (
        "Param #" in text
    )


def parse_keras_summary(text: str, source: str) -> SummaryTable:
    """The rows and totals of a Keras summary (either layout)."""
    lines = text.splitlines()
    header = next((k for k, line in enumerate(lines) if "Layer (type)" in line and "Output Shape" in line), None)
    if header is None or "Param #" not in lines[header]:
        raise fail(source, None, "not a Keras model.summary() table (no 'Layer (type)  Output Shape  Param #' header)")
    table = SummaryTable("keras-summary", "keras", [])
    for line in lines[:header]:
        match = MODEL_NAME.match(line)
        if match:
            table.model_name = match.group(1)
    if BOX_HEADER in lines[header]:
        end = _box_rows(lines, header, table, source)
    else:
        end = _fixed_rows(lines, header, table, source)
    for line in lines[end:]:
        match = TOTALS.match(line)
        if match:
            value = int(match.group(2).replace(",", ""))
            kind = match.group(1)
            if kind == "Total":
                table.total = value
            elif kind == "Trainable":
                table.trainable = value
            else:
                table.non_trainable = value
    if not table.rows:
        raise fail(source, header + 1, "the table has no layer rows")
    return table


def _columns(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for k, cell in enumerate(cells):
        title = cell.strip()
        for known in TITLES:
            if title.startswith(known) and known not in found:
                found["Trainable" if known == "Trai" else known] = k
                break
    return found


def _box_rows(lines: list[str], header: int, table: SummaryTable, source: str) -> int:
    """Keras 3: cells between ``│``; a wrapped cell goes on in the next line with an empty count."""
    titles = lines[header].strip().strip(BOX_HEADER).split(BOX_HEADER)
    columns = _columns(titles)
    if any(title not in columns for title in TITLES[:3]):
        raise fail(source, header + 1, "the header names no 'Layer (type)', 'Output Shape' and 'Param #' columns")
    pending: list[tuple[int, list[str]]] = []
    end = len(lines)
    for number in range(header + 1, len(lines)):
        line = lines[number].strip()
        if line.startswith("└") or (line.startswith("Total params") or line.startswith("Trainable params")):
            end = number
            break
        if not line.startswith(BOX_ROW):
            continue
        cells = [cell.rstrip() for cell in line.strip(BOX_ROW).split(BOX_ROW)]
        if len(cells) < len(titles):
            raise fail(source, number + 1, f"a row with {len(cells)} cells under a header of {len(titles)}")
        if cells[columns["Param #"]].strip() or not pending:
            pending.append((number + 1, cells))
        else:
            last = pending[-1][1]
            for k, cell in enumerate(cells):
                if cell.strip() and k < len(last):
                    last[k] = f"{last[k].rstrip()} {cell.strip()}"
    for number, cells in pending:
        table.rows.append(_row(number, cells, columns, source, boxed=True))
    return end


def _fixed_rows(lines: list[str], header: int, table: SummaryTable, source: str) -> int:
    """Keras 2: columns at the header's positions, rows between the ``=`` rules."""
    head = lines[header]
    starts = sorted((head.index(title), title) for title in TITLES[:5] if title in head)
    titles = [title for _, title in starts]
    bounds = [start for start, _ in starts]
    bounds[0] = 0
    columns = {title: k for k, title in enumerate(titles)}
    number = header + 1
    while number < len(lines) and not lines[number].strip().startswith("="):
        number += 1
    if number < len(lines) and set(lines[number].strip()) != {"="}:
        raise fail(source, number + 1, "a '=' rule with text after it (lines run together?)")
    pending: list[tuple[int, list[str], int]] = []
    number += 1
    end = len(lines)
    while number < len(lines):
        raw = lines[number]
        stripped = raw.strip()
        if stripped.startswith("=") or TOTALS.match(raw):
            if stripped.startswith("=") and set(stripped) != {"="}:
                raise fail(source, number + 1, "a '=' rule with text after it (lines run together?)")
            end = number
            break
        number += 1
        if not stripped or set(stripped) <= set("_|¯ "):
            continue
        depth = len(raw) - len(raw.lstrip("|"))
        body = raw.replace("|", " ")
        cells = [body[bounds[k] : bounds[k + 1] if k + 1 < len(bounds) else None] for k in range(len(bounds))]
        if parse_count(_count_text(cells[columns["Param #"]])) is not None or not pending:
            pending.append((number, cells, depth))
        else:
            last = pending[-1][1]
            for k, cell in enumerate(cells):
                if cell.strip():
                    last[k] = f"{last[k].rstrip()}{cell.strip()}"  # Keras 2 cuts a long cell anywhere
    for line, cells, depth in pending:
        row = _row(line, cells, columns, source, boxed=False)
        row.depth = depth
        table.rows.append(row)
    return end


def _count_text(cell: str) -> str:
    return re.sub(r"\s*\((unused|unbuilt)\)\s*$", "", cell.strip())


def _row(line: int, cells: list[str], columns: dict[str, int], source: str, boxed: bool) -> SummaryRow:
    label = cells[columns["Layer (type)"]]
    depth = 0
    if boxed and "└" in label:
        indent = label.index("└")
        depth = max(1, (indent - 1) // 3 + 1) if indent > 1 else 1
        label = label[indent + 1 :]
    label = label.strip()
    match = NAME_CLASS.match(label)
    if match is None or not match.group("cls").strip():
        raise fail(source, line, f"cannot read the layer and its class from '{label}' (expected 'name (Class)')")
    cls = match.group("cls").strip()
    truncated = cls.endswith("…") or not match.group("close")
    printed_text = _count_text(cells[columns["Param #"]])
    printed = parse_count(printed_text)
    if printed is None:
        raise fail(source, line, f"{label}: the parameter count '{printed_text}' is not a number")
    shape = parse_shape(cells[columns["Output Shape"]])
    row = SummaryRow(line, cls.rstrip("…"), printed, shape, match.group("name").strip(), depth, truncated=truncated)
    row.unbuilt = bool(re.search(r"\((unused|unbuilt)\)", cells[columns["Param #"]]))
    if "Connected to" in columns:
        text = cells[columns["Connected to"]].strip()
        row.inputs = tuple(name.rstrip("…") for name in CONNECTION.findall(text) if name not in ("-",))
    if "Trainable" in columns:
        flag = cells[columns["Trainable"]].strip()[:1]
        row.trainable = True if flag == "Y" else False if flag == "N" else None
    return row


def read_keras_summary(text: str, source: str = "summary.txt") -> ModelCount:
    """Count a Keras model from its ``model.summary()``: every row must be derived and agree."""
    from quizgen.readers.explain import count_from_table

    return count_from_table(parse_keras_summary(text, source), source)
