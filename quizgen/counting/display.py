"""A counted model as a table for notebooks: HTML and Markdown, with each layer's derivation.

Tables of cells, not models: the model module, which imports this one for ModelCount's notebook
display, says what each row holds.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

HEAD = ("#", "layer", "output", "params", "MACs", "derivation")
Row = tuple[str, str, str, str, str, str]


def _number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def layer_row(
    index: int, label: str, shape: tuple[int | None, ...] | None, params: int, macs: int | None, derivation: str
) -> Row:
    shown = "×".join("?" if d is None else str(d) for d in shape) if shape else ""
    return (str(index), label, shown, f"{params:,}", _number(macs), derivation)


def footer_line(total: int, trainable: int, macs: int | None) -> str:
    return f"total {total:,} (trainable {trainable:,}, non-trainable {total - trainable:,}); MACs {_number(macs)}"


def markdown_table(spec: str, framework: str, rows: Sequence[Row], footer: str, notes: Sequence[str]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"**{cell(spec)}** [{framework}]",
        "",
        "| " + " | ".join(HEAD) + " |",
        "|---" * len(HEAD) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    lines += ["", footer, *(f"- note: {cell(n)}" for n in notes)]
    return "\n".join(lines) + "\n"


def html_table(spec: str, framework: str, rows: Sequence[Row], footer: str, notes: Sequence[str]) -> str:
    head = "".join(f"<th>{h}</th>" for h in HEAD)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        f"<div><p><b>{html.escape(spec)}</b> [{framework}]</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p>{html.escape(footer)}</p>{f'<ul>{items}</ul>' if items else ''}</div>"
    )
