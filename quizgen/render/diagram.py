"""SVG diagrams of architectures (and of an LSTM/GRU cell's weight sets), as plain strings."""

from __future__ import annotations

from html import escape

from quizgen.counting import count
from quizgen.counting.model import LayerCount, ModelCount

CHAR = 7.4
ROW = 34
GAP = 22
FONT = "font-family='ui-monospace,Menlo,Consolas,monospace' font-size='12'"

GATES = {
    "LSTM": [("forget gate", "σ"), ("input gate", "σ"), ("output gate", "σ"), ("candidate", "tanh")],
    "GRU": [("update gate", "σ"), ("reset gate", "σ"), ("candidate", "tanh")],
}


def _box(x: float, y: float, width: float, text: str, note: str = "", fill: str = "#eef3fb") -> str:
    parts = [
        f"<rect x='{x:.1f}' y='{y:.1f}' width='{width:.1f}' height='{ROW}' rx='6' fill='{fill}' stroke='#345'/>",
        f"<text x='{x + width / 2:.1f}' y='{y + ROW / 2 + 4:.1f}' text-anchor='middle' {FONT}>{escape(text)}</text>",
    ]
    if note:
        parts.append(
            f"<text x='{x + width + 10:.1f}' y='{y + ROW / 2 + 4:.1f}' {FONT} fill='#333'>{escape(note)}</text>"
        )
    return "".join(parts)


def architecture_svg(spec: str, framework: str, hidden_layer: int | None = None, annotate: bool = False) -> str:
    """Layers top to bottom; ``hidden_layer`` (1-based) shows its units as ``?``; ``annotate`` adds
    each layer's output width and parameters (for keys only: it gives the answer away)."""
    model: ModelCount = count(spec, framework)
    labels = []
    for layer in model.layers:
        text = layer.spec
        if hidden_layer == layer.index:
            text = _hide_units(layer.spec)
        labels.append(text)
    notes = [_note(layer) if annotate else "" for layer in model.layers]
    box_width = max(len(t) for t in labels) * CHAR + 24
    note_width = max((len(n) for n in notes), default=0) * CHAR + (16 if annotate else 0)
    width = box_width + note_width + 20
    height = len(labels) * (ROW + GAP) - GAP + 20
    body = []
    for k, (text, note) in enumerate(zip(labels, notes, strict=True)):
        y = 10 + k * (ROW + GAP)
        body.append(_box(10, y, box_width, text, note))
        if k + 1 < len(labels):
            cx = 10 + box_width / 2
            body.append(
                f"<path d='M{cx:.1f} {y + ROW:.1f} v{GAP - 6}' stroke='#345' fill='none'/>"
                f"<path d='M{cx - 4:.1f} {y + ROW + GAP - 7:.1f} l4 6 l4 -6 z' fill='#345'/>"
            )
    title = "Architecture: " + (" -> ".join(labels))
    return _svg(width, height, title, body)


def _note(layer: LayerCount) -> str:
    params = f"   {layer.params:,} params" if layer.params else ""
    return f"→ {layer.output_width}{params}"


def _hide_units(layer_spec: str) -> str:
    head, _, rest = layer_spec.partition("(")
    if head in ("Bidirectional", "TimeDistributed"):
        inner_head, _, inner_rest = rest.partition("(")
        return f"{head}({inner_head}(?{_after_first_arg(inner_rest)}"
    return f"{head}(?{_after_first_arg(rest)}"


def _after_first_arg(rest: str) -> str:
    for k, char in enumerate(rest):
        if char in ",)":
            return rest[k:]
    return rest


def cell_svg(kind: str, inputs: int, units: int) -> str | None:
    """The weight sets of one LSTM/GRU cell with their shapes (a key-side aid)."""
    gates = GATES.get(kind)
    if gates is None:
        return None
    texts = [f"{name} ({act}): W {units}×({inputs}+{units}), b {units}" for name, act in gates]
    box_width = max(len(t) for t in texts) * CHAR + 24
    body = [_box(10, 10 + k * (ROW + 8), box_width, t, fill="#f6efe3") for k, t in enumerate(texts)]
    height = len(texts) * (ROW + 8) + 12
    return _svg(box_width + 20, height, f"{kind} cell: {len(gates)} weight sets", body)


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' "
        f"viewBox='0 0 {width:.0f} {height:.0f}' role='img'><title>{escape(title)}</title>{''.join(body)}</svg>"
    )
