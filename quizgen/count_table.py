"""The human-readable table that ``quizgen count`` prints."""

from __future__ import annotations

from quizgen.counting.expr import to_text
from quizgen.counting.model import LayerCount, ModelCount


def _shape(shape: tuple[int | None, ...] | None) -> str:
    if not shape:
        return ""
    return "×".join("?" if d is None else str(d) for d in shape)


def _parts_line(layer: LayerCount) -> str:
    if len(layer.parts) < 2:
        return ""
    pieces = []
    for part in layer.parts:
        label = part.name.replace("_", " ")
        flag = "" if part.trainable else " (non-trainable)"
        formula = to_text(part.expr)
        shown = f"{formula} = {part.value:,}" if formula != str(part.value) else f"{part.value:,}"
        pieces.append(f"{label} {shown}{flag}")
    return "; ".join(pieces)


def format_table(model: ModelCount) -> str:
    """Per layer: position, layer, input → output shape, parameters, derivation; then totals."""
    rows = [("#", "layer", "in → out", "params", "derivation")]
    details: dict[int, str] = {}
    for layer in model.layers:
        flow = f"{_shape(layer.input_shape)} → {_shape(layer.output_shape)}".strip()
        derivation = layer.derivation.text() if layer.params else ""
        label = f"{layer.name}: {layer.spec}" if layer.name else layer.spec
        rows.append((str(layer.index), label, flow, f"{layer.params:,}", derivation))
        details[len(rows) - 1] = _parts_line(layer)
    widths = [max(len(row[c]) for row in rows) for c in range(4)]
    lines = [f"{model.spec}   [{model.framework}]", ""]
    for n, row in enumerate(rows):
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]), row[3].rjust(widths[3])]
        lines.append("  ".join([*cells, row[4]]).rstrip())
        if details.get(n):
            lines.append(" " * (sum(widths) + 8) + details[n])
    indent = " " * widths[0]
    total = f"{model.total:,}".rjust(widths[3])
    label = "total".ljust(widths[1] + widths[2] + 2)
    summary = model.total_derivation.text() if len([x for x in model.layers if x.params]) > 1 else ""
    lines.append(f"{indent}  {label}  {total}  {summary}".rstrip())
    non_trainable = model.total - model.trainable
    lines.append(f"{indent}  trainable {model.trainable:,}, non-trainable {non_trainable:,}")
    lines += [f"{indent}  note: {note}" for note in model.notes]
    return "\n".join(lines)
