"""The text ``quizgen explain`` prints: per row the printed count, quizgen's derivation and a check."""

from __future__ import annotations

from quizgen.counting.expr import to_text
from quizgen.readers.explain import (
    AGREES,
    CONTAINER,
    DERIVED,
    DISAGREES,
    REPEAT,
    SOLVED,
    Explanation,
    RowExplanation,
)

TITLES = {
    "keras-summary": "Keras model.summary()",
    "torchinfo": "torchinfo.summary()",
    "keras-json": "Keras JSON",
    "torch-print": "printed PyTorch model",
    "hf-config": "Hugging Face config",
}


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _check(e: RowExplanation) -> str:
    if e.status == AGREES:
        return "✓"
    if e.status == DISAGREES:
        return "✗"
    if e.status == SOLVED:
        return "~"
    if e.status in (CONTAINER, REPEAT, DERIVED):
        return ""
    return "?"


def _first(e: RowExplanation) -> str:
    if e.status in (AGREES, DISAGREES, DERIVED, SOLVED) and e.derivation is not None:
        return f"{e.spec}: {e.derivation}" if e.spec else e.derivation
    if e.status in (CONTAINER, REPEAT, DISAGREES):
        return e.reason or ""
    return f"not derived: {e.reason}"


def _parts(e: RowExplanation) -> str:
    """``input weights 4·10·1 = 40; recurrent weights 4·10·10 = 400; biases 4·10 = 40``."""
    if e.layer is None or len(e.layer.parts) < 2:
        return ""
    pieces = []
    for part in e.layer.parts:
        formula = to_text(part.expr)
        shown = f"{formula} = {part.value:,}" if formula != str(part.value) else f"{part.value:,}"
        flag = "" if part.trainable else " (non-trainable)"
        pieces.append(f"{part.name.replace('_', ' ')} {shown}{flag}")
    return "; ".join(pieces)


def _details(e: RowExplanation) -> list[str]:
    lines = []
    if e.words and (e.status != DERIVED or e.derived):
        lines.append(e.words)
    parts = _parts(e)
    if parts:
        lines.append(parts)
    if e.solved and e.status == SOLVED:
        lines.append(f"{e.solved}: solved from the printed count, so not checked (~)")
    elif e.solved:
        lines.append(f"{e.solved}: not printed, solved from the printed count")
    if e.assumed and e.status in (AGREES, SOLVED):
        lines.append(f"fits the count: {e.assumed}")
    if e.status == DISAGREES:
        difference = e.difference
        if difference is not None:
            more = "more" if difference > 0 else "fewer"
            lines.append(
                f"the table prints {abs(difference):,} {more} than this derivation: "
                "no configuration of its shapes gives the printed count"
            )

    return lines


def format_explanation(explanation: Explanation) -> str:
    title = TITLES.get(explanation.format, explanation.format)
    named = f' "{explanation.model_name}"' if explanation.model_name else ""
    lines = [f"{title}{named} ({explanation.source}), {explanation.framework} conventions", ""]
    header = ("line", "layer", "printed", "quizgen", "", "derivation")
    table = [header]
    details: dict[int, list[str]] = {}
    for e in explanation.rows:
        indent = "  " * e.row.depth
        printed = _number(e.row.printed) if e.row.printed is not None else ("--" if e.status != DERIVED else "")
        if e.row.recursive:
            printed = "(recursive)"
        line = str(e.row.line) if e.row.line else ""
        table.append((line, indent + e.row.label, printed, _number(e.derived), _check(e), _first(e)))
        details[len(table) - 1] = _details(e)
    widths = [max(len(row[c]) for row in table) for c in range(5)]
    for n, row in enumerate(table):
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].rjust(widths[3])]
        cells.append(row[4].ljust(max(widths[4], 1)))
        lines.append("  ".join([*cells, row[5]]).rstrip())
        pad = " " * (sum(widths[:4]) + max(widths[4], 1) + 10)
        lines.extend(pad + detail for detail in details.get(n, []))
    lines.append("")
    lines.append("total: " + _totals(explanation))
    if explanation.printed_trainable is not None or explanation.quizgen_trainable is not None:
        shown, ours = explanation.printed_trainable, explanation.quizgen_trainable
        mark = ""
        if shown is not None and ours is not None:
            mark = (" ~" if explanation.solved_not_checked else " ✓") if shown == ours else " ✗"
        parts = []
        if shown is not None:
            parts.append(f"printed {shown:,}")
        parts.append(f"quizgen {_number(explanation.quizgen_trainable) or 'not known'}")
        lines.append("trainable: " + " · ".join(parts) + mark)
    lines.extend(f"note: {note}" for note in explanation.notes)
    return "\n".join(lines)


def _more(difference: int) -> str:
    return f"{abs(difference):,} {'more' if difference > 0 else 'less'} than"


def _totals(explanation: Explanation) -> str:
    printed, rows, ours = explanation.printed_total, explanation.rows_total, explanation.quizgen_total
    table = explanation.format in ("keras-summary", "torchinfo")
    parts = []
    if printed is not None:
        parts.append(f"printed {printed:,}")
    if table:
        parts.append(f"sum of the rows {rows:,}")
    parts.append(f"quizgen {_number(ours) or 'not known (a row is not derived)'}")
    text = " · ".join(parts)
    problems = []
    if printed is not None and table and rows != printed:
        problems.append(f"the rows add up to {_more(rows - printed)} the printed total")
    if printed is not None and ours is not None and ours != printed:
        problems.append(f"quizgen's total is {_more(ours - printed)} the printed one")
    unchecked = explanation.solved_not_checked
    if unchecked:
        text += f" · {unchecked} row{'s' if unchecked > 1 else ''} solved, not checked"
    if problems:
        return f"{text} ✗ ({'; '.join(problems)})"
    if unchecked:
        return f"{text} ~"
    if printed is not None and ours is not None:
        return f"{text} ✓"
    return text
