"""The human-readable table that ``quizgen count`` prints."""

from __future__ import annotations

from quizgen.counting.expr import to_text
from quizgen.counting.model import DTYPE_BYTES, LayerCount, ModelCount


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


def _number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def format_table(
    model: ModelCount, macs: bool = False, dtype: str | None = None, fields: list[str] | None = None
) -> str:
    """Per layer: position, layer, input → output shape, parameters, derivation; then totals.

    With ``macs`` a MACs column (and each layer's MACs derivation); with ``dtype`` the bytes of
    each layer's output, and the weight and activation memory under the table; with ``fields``
    each layer's receptive field (in input positions).
    """
    header = ["#", "layer", "in → out", "params"]
    if macs:
        header.append("MACs")
    if dtype:
        header.append(f"out bytes ({dtype})")
    if fields is not None:
        header.append("receptive field")
    rows = [(*header, "derivation")]
    details: dict[int, list[str]] = {}
    for layer in model.layers:
        flow = f"{_shape(layer.input_shape)} → {_shape(layer.output_shape)}".strip()
        derivation = layer.derivation.text() if layer.params else ""
        label = f"{layer.name}: {layer.spec}" if layer.name else layer.spec
        cells = [str(layer.index), label, flow, f"{layer.params:,}"]
        if macs:
            cells.append(_number(layer.macs))
        if dtype:
            size = layer.output_size
            cells.append(_number(None if size is None else size * DTYPE_BYTES[dtype]))
        if fields is not None:
            cells.append(fields[layer.index - 1])
        rows.append((*cells, derivation))
        extra = [_parts_line(layer)]
        if macs and layer.macs_derivation is not None and layer.macs:
            extra.append(f"MACs {layer.macs_derivation.text()}")
        details[len(rows) - 1] = [line for line in extra if line]
    columns = len(header)
    widths = [max(len(row[c]) for row in rows) for c in range(columns)]
    lines = [f"{model.spec}   [{model.framework}]", ""]
    for n, row in enumerate(rows):
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2])]
        cells += [row[c].rjust(widths[c]) for c in range(3, columns)]
        lines.append("  ".join([*cells, row[columns]]).rstrip())
        for detail in details.get(n, []):
            lines.append(" " * (sum(widths) + 2 * columns) + detail)
    indent = " " * widths[0]
    total = f"{model.total:,}".rjust(widths[3])
    label = "total".ljust(widths[1] + widths[2] + 2)
    summary = model.total_derivation.text() if len([x for x in model.layers if x.params]) > 1 else ""
    lines.append(f"{indent}  {label}  {total}  {summary}".rstrip())
    non_trainable = model.total - model.trainable
    lines.append(f"{indent}  trainable {model.trainable:,}, non-trainable {non_trainable:,}")
    if macs:
        flops = "" if model.flops is None else f" (FLOPs {model.flops:,} = 2 × MACs)"
        unknown = " (a sequence of unknown length: give its length in Input(...))" if model.macs is None else ""
        lines.append(f"{indent}  MACs {_number(model.macs)}{flops}{unknown}")
    if dtype:
        weights, activations = model.weight_bytes(dtype), model.activation_bytes(dtype)
        lines.append(
            f"{indent}  memory ({dtype}, {DTYPE_BYTES[dtype]} bytes a value): weights {weights:,} bytes"
            f" ({_human(weights)}), activations of one sample {_number(activations)} bytes"
        )
    lines += [f"{indent}  note: {note}" for note in model.notes]
    return "\n".join(lines)


def _human(size: int) -> str:
    """Bytes in the largest binary unit that keeps a whole part: 2 GiB, 1.5 MiB."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"
