"""What ``torchinfo.summary()`` prints, as table rows (torchinfo and PyTorch not needed).

Rows are ``├─Linear: 1-3`` (class, depth and index; ``Linear (fc): 1-3`` with var_names), then
one cell per column the header names. ``--`` is no count (a container whose layers follow, or a
layer without parameters), ``(1,234)`` a frozen layer's count, ``(recursive)`` a module used again.
"""

from __future__ import annotations

import re

from quizgen.counting.model import ModelCount
from quizgen.readers.summary_table import SummaryRow, SummaryTable, fail, parse_count, parse_shape

HEADER = re.compile(r"^Layer \(type(?: \(var_name\))?(?::depth-idx)?\)")
TITLES = ("Input Shape", "Output Shape", "Param #", "Param %", "Kernel Shape", "Mult-Adds", "Trainable")
NAME = re.compile(
    r"^(?P<tree>[│├└─|`+\s-]*?)(?P<cls>[A-Za-z_][\w.]*)(?: \((?P<var>[^()]*)\))?"
    r"(?:: (?P<depth>\d+)(?:-(?P<idx>\d+))?)?(?=\s|$)"
)
TOTALS = re.compile(r"^(Total|Trainable|Non-trainable) params:\s*([\d,]+)")


def looks_like_torchinfo(text: str) -> bool:
    headed = any(HEADER.match(line) for line in text.splitlines()) and "Param #" in text
    tree = ":depth-idx)" in text or "├─" in text or "└─" in text
    return headed and (tree or re.search(r"^\+ [A-Za-z_]", text, re.M) is not None)  # row_settings=("ascii_only",)


def _cells(text: str) -> list[str]:
    """The cells of a row after its name: bracketed shapes, ``(recursive)``, numbers, words."""
    cells: list[str] = []
    k = 0
    while k < len(text):
        if text[k].isspace():
            k += 1
            continue
        if text[k] in "[(":
            depth, j = 0, k
            while j < len(text):
                depth += text[j] in "[("
                depth -= text[j] in "])"
                j += 1
                if depth == 0:
                    break
            cells.append(text[k:j])
            k = j
            continue
        j = k
        while j < len(text) and not text[j].isspace():
            j += 1
        cells.append(text[k:j])
        k = j
    return cells


def parse_torchinfo(text: str, source: str) -> SummaryTable:
    lines = text.splitlines()
    header = next((k for k, line in enumerate(lines) if HEADER.match(line.strip())), None)
    if header is None:
        raise fail(source, None, "not a torchinfo summary (no 'Layer (type:depth-idx)' header)")
    head = lines[header]
    titles = sorted((head.index(title), title) for title in TITLES if title in head)
    columns = [title for _, title in titles]
    if "Param #" not in columns:
        raise fail(source, header + 1, "the header names no 'Param #' column")
    table = SummaryTable("torchinfo", "pytorch", [], channels_first=True)
    number = header + 1
    while number < len(lines) and lines[number].strip().startswith("="):
        number += 1
    first = number
    for number in range(first, len(lines)):
        raw = lines[number].rstrip()
        if not raw.strip():
            continue
        if raw.strip().startswith("="):
            break
        match = NAME.match(raw)
        if match is None:
            raise fail(source, number + 1, f"cannot read a layer row from '{raw.strip()[:60]}'")
        cells = _cells(raw[match.end() :])
        if len(cells) != len(columns):
            raise fail(source, number + 1, f"{match.group('cls')}: {len(cells)} cells under {len(columns)} columns")
        values = dict(zip(columns, cells, strict=True))
        table.rows.append(_row(number + 1, match, values, source))
    for raw in lines[number:]:
        found = TOTALS.match(raw.strip())
        if found:
            value = int(found.group(2).replace(",", ""))
            if found.group(1) == "Total":
                table.total = value
            elif found.group(1) == "Trainable":
                table.trainable = value
            else:
                table.non_trainable = value
    if not table.rows:
        raise fail(source, header + 1, "the table has no layer rows")
    return table


def _row(line: int, match: re.Match[str], values: dict[str, str], source: str) -> SummaryRow:
    cls = match.group("cls")
    tree = match.group("tree")
    depth = tree.count("│") + tree.count("|") + (1 if any(mark in tree for mark in "├└+") else 0)
    if match.group("depth"):
        depth = int(match.group("depth"))
    text = values["Param #"]
    recursive = text == "(recursive)"
    frozen = text.startswith("(") and not recursive
    printed = None if text == "--" or recursive else parse_count(text.strip("()"))
    if printed is None and not recursive and text != "--":
        raise fail(source, line, f"{cls}: the parameter count '{text}' is not a number")
    row = SummaryRow(line, cls, printed, name=match.group("var"), depth=depth, recursive=recursive)
    if "Output Shape" in values:
        row.output_shape = parse_shape(values["Output Shape"])
    if "Input Shape" in values:
        row.input_shape = parse_shape(values["Input Shape"])
    if "Kernel Shape" in values:
        kernel = parse_shape(values["Kernel Shape"], batch=False)
        if kernel and all(k is not None for k in kernel):
            row.kernel = tuple(k for k in kernel if k is not None)
    if frozen:
        row.trainable = False
    elif "Trainable" in values and values["Trainable"] in ("True", "False"):
        row.trainable = values["Trainable"] == "True"
    return row


def read_torchinfo(text: str, source: str = "summary.txt") -> ModelCount:
    """Count a PyTorch model from its ``torchinfo.summary()``: every row must be derived and agree."""
    from quizgen.readers.explain import count_from_table

    return count_from_table(parse_torchinfo(text, source), source)
