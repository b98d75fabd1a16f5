"""A counted model as a table for notebooks: HTML and Markdown, with each layer's derivation."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizgen.counting.model import ModelCount


def _shape(shape: tuple[int | None, ...] | None) -> str:
    return "×".join("?" if d is None else str(d) for d in shape) if shape else ""


def _rows(model: ModelCount) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    for layer in model.layers:
        label = f"{layer.name}: {layer.spec}" if layer.name else layer.spec
        macs = "?" if layer.macs is None else f"{layer.macs:,}"
        derivation = layer.derivation.text() if layer.params else ""
        rows.append((str(layer.index), label, _shape(layer.output_shape), f"{layer.params:,}", macs, derivation))
    return rows


HEAD = ("#", "layer", "output", "params", "MACs", "derivation")


def _footer(model: ModelCount) -> str:
    macs = "?" if model.macs is None else f"{model.macs:,}"
    frozen = model.total - model.trainable
    return f"total {model.total:,} (trainable {model.trainable:,}, non-trainable {frozen:,}); MACs {macs}"


def markdown_table(model: ModelCount) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"**{cell(model.spec)}** [{model.framework}]",
        "",
        "| " + " | ".join(HEAD) + " |",
        "|---" * len(HEAD) + "|",
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in _rows(model)]
    lines += ["", _footer(model), *(f"- note: {cell(n)}" for n in model.notes)]
    return "\n".join(lines) + "\n"


def html_table(model: ModelCount) -> str:
    head = "".join(f"<th>{h}</th>" for h in HEAD)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in _rows(model))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in model.notes)
    return (
        f"<div><p><b>{html.escape(model.spec)}</b> [{model.framework}]</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p>{html.escape(_footer(model))}</p>{f'<ul>{notes}</ul>' if notes else ''}</div>"
    )
