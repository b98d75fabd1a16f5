"""Explaining a summary table row by row: the printed count, the derivation the counting core
finds for it, and whether they agree; then the totals.

A row's configuration comes from its class and printed shapes (``readers.summary_layers``); a
size the table does not print is solved from the printed count only where exactly one whole
number reproduces it. A row that no configuration reproduces is marked as disagreeing (with the
difference from the default configuration); a row quizgen has no rule for is marked as not
derived, never guessed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from quizgen.counting.expr import Expr, Num, Product, Sum
from quizgen.counting.expr import explain as in_words
from quizgen.counting.model import LayerCount, ModelCount, Node, count_graph
from quizgen.counting.spec import parse
from quizgen.errors import ModelFileError, QuizgenError
from quizgen.readers.summary_layers import (
    KERAS_MODELS,
    TORCH_CONTAINERS,
    Candidate,
    known_classes,
    parameter_free,
    rules_for,
)
from quizgen.readers.summary_table import Shape, SummaryRow, SummaryTable

AGREES, DISAGREES, UNDERIVED = "agrees", "disagrees", "not derived"
SOLVED = "solved, not checked"
"""A row read as another tensor than the row above: its input width is solved from its own count, so the
count cannot disagree with it; only a printed row showing that width (Keras' ``Connected to``) checks it."""
CONTAINER, REPEAT, DERIVED = "container", "repeat", "derived"
"""Rows without a count of their own (their layers follow; a module used again) and, in a model
file, rows with quizgen's derivation but no printed count to compare it with."""
MAX_UNKNOWN = 10**9


@dataclass
class RowExplanation:
    row: SummaryRow
    status: str
    derived: int | None = None
    trainable: int | None = None
    layer: LayerCount | None = None
    spec: str | None = None
    derivation: str | None = None
    words: str | None = None
    solved: str | None = None
    """The size the table does not print, solved from the printed count (``input width 1``)."""
    solved_value: int | None = None
    hidden: str | None = None
    """The product shown as one factor (``kernel area × input channels``): the layer counts it on one split."""
    assumed: str | None = None
    """An option the count shows but the table does not name (``use_bias=False``)."""
    reason: str | None = None

    @property
    def difference(self) -> int | None:
        if self.status != DISAGREES or self.derived is None or self.row.printed is None:
            return None
        return self.row.printed - self.derived

    def to_dict(self) -> dict[str, Any]:
        row = self.row
        return {
            "line": row.line,
            "name": row.name,
            "class": row.cls,
            "depth": row.depth,
            "output_shape": None if row.output_shape is None else list(row.output_shape),
            "printed": row.printed,
            "status": self.status,
            "derived": self.derived,
            "trainable": self.trainable,
            "layer": self.spec,
            "derivation": self.derivation,
            "in_words": self.words,
            "solved": self.solved,
            "assumed": self.assumed,
            "difference": self.difference,
            "reason": self.reason,
        }


@dataclass
class Explanation:
    format: str
    framework: str
    source: str
    model_name: str | None
    rows: list[RowExplanation]
    printed_total: int | None
    printed_trainable: int | None
    rows_total: int
    quizgen_total: int | None
    quizgen_trainable: int | None
    notes: list[str] = field(default_factory=list)

    @property
    def all_agree(self) -> bool:
        settled = all(r.status in (AGREES, CONTAINER, REPEAT, DERIVED) for r in self.rows)
        return settled and self.quizgen_total is not None

    @property
    def solved_not_checked(self) -> int:
        return sum(r.status == SOLVED for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "framework": self.framework,
            "source": self.source,
            "model": self.model_name,
            "rows": [r.to_dict() for r in self.rows],
            "totals": {
                "printed": self.printed_total,
                "sum_of_rows": self.rows_total,
                "quizgen": self.quizgen_total,
                "printed_trainable": self.printed_trainable,
                "quizgen_trainable": self.quizgen_trainable,
            },
            "all_agree": self.all_agree,
            "solved_not_checked": self.solved_not_checked,
            "notes": list(self.notes),
        }


def _count_one(spec: str, shapes: tuple[Shape, ...], framework: str) -> LayerCount | None:
    """The counting core's count of one layer on the given input shapes; None if it does not apply."""
    try:
        (call,) = parse(spec)
        model = count_graph([Node(call, input_shapes=shapes)], framework)
    except (QuizgenError, ValueError):
        return None
    return model.layers[0] if model.layers else None


def _try(candidate: Candidate, printed: int, framework: str) -> tuple[LayerCount | None, int | None]:
    """The candidate's count matching ``printed`` exactly (and the unknown's value), else (None, None)."""
    if candidate.unknown is None:
        spec, shapes = candidate.make(0)
        layer = _count_one(spec, shapes, framework)
        return (layer, None) if layer is not None and layer.params == printed else (None, None)
    values = []
    for p in (1, 2, 3):
        spec, shapes = candidate.make(p)
        layer = _count_one(spec, shapes, framework)
        if layer is None:
            return None, None
        values.append(layer.params)
    slope = values[1] - values[0]
    if slope <= 0 or values[2] - values[1] != slope:  # the count must grow linearly with the unknown
        return None, None
    offset = values[0] - slope
    if (printed - offset) % slope or not 1 <= (printed - offset) // slope <= MAX_UNKNOWN:
        return None, None
    value = (printed - offset) // slope
    spec, shapes = candidate.present(value)
    layer = _count_one(spec, shapes, framework)
    if layer is None or layer.params != printed:
        return None, None
    return layer, value


def _default(candidate: Candidate, framework: str) -> LayerCount | None:
    if candidate.unknown is not None:
        return None
    spec, shapes = candidate.make(0)
    return _count_one(spec, shapes, framework)


def _resolve(name: str, by_name: dict[str, int]) -> int | None:
    if name in by_name:
        return by_name[name]
    matches = [k for n, k in by_name.items() if n.startswith(name)]
    return matches[0] if len(matches) == 1 else None


def _explain_leaf(
    row: SummaryRow,
    shapes: tuple[Shape, ...],
    table: SummaryTable,
    guessed: bool = False,
    named: tuple[frozenset[int | None], ...] = (),
) -> RowExplanation:
    """``guessed``: the input shape is the previous row's output, which a branching model may not feed it.

    ``named``: the widths of the rows each ``Connected to`` name may stand for (a name cut short or
    not unique names several).
    """
    explained = _explain_with(row, shapes, table)
    if guessed and shapes and explained.status == AGREES and explained.hidden == "kernel area":
        # The area is solved on the row above's channels, which this layer may not read, and no
        # printed size shows the kernel: any count of the form area·channels·filters + filters fits.
        explained.status = SOLVED
        explained.reason = "its kernel area is solved on the row above's channels, which it may not read"
        return explained
    if not guessed or not shapes or explained.status not in (DISAGREES, UNDERIVED):
        return explained
    again = _explain_with(row, (), table)
    if again.status != AGREES or again.solved is None:
        return explained
    width = shapes[0][-1] if shapes[0] else None
    value = again.solved_value
    widths = again.solved.startswith(("input width", "input channels"))
    if widths and len(named) == 1 and named[0] == frozenset({value}):
        source = ", ".join(row.inputs)
        again.solved = f"{again.solved} (the row above gives {width}; 'Connected to' {source} gives {value}: confirmed)"
        return again
    again.status = SOLVED
    again.solved = f"{again.solved} (the row above gives {width}: this layer reads another tensor)"
    again.reason = "its input is solved from its own count: no printed row shows it, so the count is not checked"
    return again


def _explain_with(row: SummaryRow, shapes: tuple[Shape, ...], table: SummaryTable) -> RowExplanation:
    framework = table.framework
    printed = 0 if row.printed is None else row.printed
    cls = row.cls
    if row.truncated:
        fits = sorted(c for c in known_classes(framework) if c.startswith(cls))
        if len(fits) > 1 and all(parameter_free(c, framework) for c in fits):
            fits = fits[:1]  # GlobalAveragePool… is one of several classes, none with parameters
        if len(fits) != 1:
            return RowExplanation(row, UNDERIVED, reason=f"the class name is cut short ('{cls}…'): widen the table")
        cls = fits[0]
    if row.unbuilt:
        return RowExplanation(row, UNDERIVED, reason="not built when the summary was printed: it has no weights yet")
    if parameter_free(cls, framework):
        words = "an input layer has no parameters" if cls == "InputLayer" else f"{cls} has no parameters"
        return RowExplanation(row, AGREES if printed == 0 else DISAGREES, 0, 0, derivation="0", words=words)
    rule = rules_for(framework).get(cls)
    if rule is None:
        return RowExplanation(row, UNDERIVED, reason=f"quizgen has no rule for class {cls}")
    candidates = rule(row, shapes, table.channels_first)
    if isinstance(candidates, str):
        return RowExplanation(row, UNDERIVED, reason=candidates)
    for candidate in candidates:
        layer, value = _try(candidate, printed, framework)
        if layer is None:
            continue
        merged = None if value is None else candidate.merged(value)
        if merged is not None:
            layer = dataclasses.replace(
                layer,
                expr=_merge(layer.expr, merged),
                parts=tuple(dataclasses.replace(part, expr=_merge(part.expr, merged)) for part in layer.parts),
            )
        explained = _explained(row, AGREES, layer, candidate)
        if value is not None:
            explained.solved = f"{candidate.unknown} = {value:,}"
            explained.solved_value = value
        if merged is not None:
            explained.spec = candidate.spec.replace("{k}", "?")
            explained.hidden = merged
            explained.solved = f"{merged} = {value:,} ({HIDDEN[merged]})"
        elif value is not None and candidate.rank > 1 and (kernel := candidate.kernel_shown(value)) is not None:
            sides = "×".join(str(k) for k in kernel)
            explained.solved = f"kernel area = {value:,} ({sides} by the printed input and output sizes)"
        return explained
    if not all(c.exhaustive for c in candidates):
        return RowExplanation(
            row,
            UNDERIVED,
            reason=f"no {cls} whose sizes quizgen can read from the table gives {printed:,} "
            "(an option that changes the count without showing in the table, such as groups, a value_dim, "
            "a depth_multiplier or a proj_size, is not guessed)",
        )
    first = candidates[0] if candidates else None
    default = _default(first, framework) if first else None
    if default is not None and first is not None:
        explained = _explained(row, DISAGREES, default, first)
        explained.reason = "no configuration of the printed shapes gives the printed count"
        return explained
    what = first.unknown if first and first.unknown else "configuration"
    return RowExplanation(
        row, DISAGREES, reason=f"no whole-number {what} of a {cls} with these shapes gives {printed:,} parameters"
    )


HIDDEN = {
    "kernel area": "the table does not show the kernel's sides",
    "kernel area × input channels": "the table shows their product, not how it splits",
}
SPLIT_LABELS = {"kernel area": ("kernel",), "kernel area × input channels": ("kernel", "channels")}


def _merge(expr: Expr, label: str) -> Expr:
    """The factors the table cannot tell apart (a kernel's sides, and its input channels) as one solved factor."""
    if isinstance(expr, Sum):
        return Sum(tuple(_merge(term, label) for term in expr.terms))
    if not isinstance(expr, Product):
        return expr
    hidden = SPLIT_LABELS[label]
    factors: list[Expr] = []
    value, at = 1, None
    for factor in expr.factors:
        if isinstance(factor, Num) and factor.label in hidden:
            value *= factor.value
            at = len(factors) if at is None else at
        else:
            factors.append(_merge(factor, label))
    if at is None:
        return Product(tuple(factors))
    factors.insert(at, Num(value, label))
    return factors[0] if len(factors) == 1 else Product(tuple(factors))


def _explained(row: SummaryRow, status: str, layer: LayerCount, candidate: Candidate) -> RowExplanation:
    trainable = 0 if row.trainable is False else layer.trainable
    return RowExplanation(
        row,
        status,
        layer.params,
        trainable,
        layer,
        layer.spec,
        layer.derivation.text(),
        in_words(layer.expr) if layer.params else None,
        assumed=candidate.note or None,
    )


def explain_table(table: SummaryTable, source: str) -> Explanation:
    rows = table.rows
    children: dict[int, list[int]] = {k: [] for k in range(len(rows))}
    parents: dict[int, int | None] = {}
    stack: list[int] = []
    for k, row in enumerate(rows):
        while stack and rows[stack[-1]].depth >= row.depth:
            stack.pop()
        parents[k] = stack[-1] if stack else None
        if stack:
            children[stack[-1]].append(k)
        stack.append(k)
    keras = table.framework == "keras"
    explained: list[RowExplanation | None] = [None] * len(rows)
    outputs: dict[int, Shape | None] = {}
    by_name: dict[str, int] = {}
    previous: Shape | None = None
    container_input: dict[int, Shape | None] = {}
    for k, row in enumerate(rows):
        guessed = False
        named: tuple[frozenset[int | None], ...] = ()
        if row.input_shape is not None:
            shapes: tuple[Shape, ...] = (row.input_shape,)
        elif row.inputs:
            found = [_resolve(name, by_name) for name in row.inputs]
            resolved = [outputs.get(i) for i in found if i is not None]
            if len(resolved) == len(row.inputs) and all(s is not None for s in resolved):
                shapes = tuple(s for s in resolved if s is not None)
            else:
                shapes = (previous,) if previous is not None else ()
                guessed = True
                named = tuple(_widths_named(name, rows[:k], outputs) for name in row.inputs)
        else:
            parent = parents[k]
            first_child = parent is not None and children[parent] and children[parent][0] == k
            # Inside a Sequential, each layer reads the one before; elsewhere the row above is a guess.
            chained = parent is not None and rows[parent].cls == "Sequential" and not first_child
            guessed = not chained and (not keras or bool(row.depth))
            if first_child and parent is not None and container_input.get(parent) is not None:
                start = container_input[parent]
                shapes = (start,) if start is not None else ()
            else:
                shapes = (previous,) if previous is not None else ()
        if row.name:
            by_name.setdefault(row.name, k)
        outputs[k] = row.output_shape
        if children[k]:
            container_input[k] = shapes[0] if shapes else None
            continue  # explained once its rows are
        if row.recursive:
            explained[k] = RowExplanation(row, REPEAT, reason="the same module used again: counted at its first row")
        else:
            explained[k] = _explain_leaf(row, shapes, table, guessed, named)
        if row.output_shape is not None:
            previous = row.output_shape
    for k in reversed(range(len(rows))):
        if children[k]:
            explained[k] = _explain_container(rows[k], [explained[c] for c in children[k]], keras)
    done = [e for e in explained if e is not None]
    return _totals(table, source, done, children, keras)


def _widths_named(name: str, rows: list[SummaryRow], outputs: dict[int, Shape | None]) -> frozenset[int | None]:
    """The output widths of every earlier row a (possibly cut short) ``Connected to`` name may stand for."""
    widths = set()
    for k, row in enumerate(rows):
        if row.name and (row.name == name or row.name.startswith(name) or name.startswith(row.name)):
            shape = outputs.get(k)
            widths.add(shape[-1] if shape else None)
    return frozenset(widths)


def _explain_container(row: SummaryRow, inner: list[RowExplanation | None], keras: bool) -> RowExplanation:
    counted = [e for e in inner if e is not None]
    if not keras:
        if row.printed:
            return RowExplanation(
                row,
                UNDERIVED,
                reason=f"{row.printed:,} parameters registered directly on {row.cls} (the table does not show them)",
            )
        return RowExplanation(row, CONTAINER, reason="its layers are listed below")
    values = [e.derived for e in counted]
    if any(v is None for v in values) or any(e.status == UNDERIVED for e in counted):
        return RowExplanation(row, UNDERIVED, reason="some of its layers are not derived")
    total = sum(v for v in values if v is not None)
    trainable = 0 if row.trainable is False else sum(e.trainable or 0 for e in counted)
    terms = [f"{v:,}" for v in values if v]
    derivation = (" + ".join(terms) + f" = {total:,}") if len(terms) > 1 else f"{total:,}"
    status = AGREES if total == row.printed and all(e.status != DISAGREES for e in counted) else DISAGREES
    if status == AGREES and any(e.status == SOLVED for e in counted):
        status = SOLVED
    return RowExplanation(row, status, total, trainable, derivation=derivation, words="the sum of its layers below")


def _totals(
    table: SummaryTable,
    source: str,
    rows: list[RowExplanation],
    children: dict[int, list[int]],
    keras: bool,
) -> Explanation:
    notes: list[str] = []
    if keras:
        top = [e for e in rows if e.row.depth == 0]
        for e in top:
            if e.row.cls in KERAS_MODELS and not any(children[k] for k, r in enumerate(table.rows) if r is e.row):
                e.status = UNDERIVED
                e.reason = "a nested model: summary(expand_nested=True) lists its layers"
        counted = top
        rows_total = sum(e.row.printed or 0 for e in top)
    else:
        for k, e in enumerate(rows):
            if e.row.cls in TORCH_CONTAINERS and not children[k] and e.row.printed:
                e.status = UNDERIVED
                e.reason = "a container whose layers are not listed (a larger depth= lists them)"
        counted = [e for e in rows if e.status != REPEAT]
        rows_total = sum(e.row.printed or 0 for e in counted)
    leaves = [e for k, e in enumerate(rows) if not children[k] and e.status != REPEAT]
    blocked = any(e.status == UNDERIVED for e in rows) or any(
        e.derived is None and e.status == DISAGREES for e in leaves
    )
    if blocked:
        quizgen_total = quizgen_trainable = None
    else:
        quizgen_total = sum(e.derived or 0 for e in counted if e.status != CONTAINER)
        quizgen_trainable = sum(e.trainable or 0 for e in counted if e.status != CONTAINER)
    if (
        quizgen_trainable is not None
        and table.trainable is not None
        and quizgen_trainable != table.trainable
        and all(e.row.trainable is None for e in rows)
    ):
        notes.append(
            f"the table's trainable count {table.trainable:,} is not the rows' {quizgen_trainable:,}: "
            "some layers are frozen (trainable=False), which the rows do not show"
        )
        quizgen_trainable = None
    return Explanation(
        table.format,
        table.framework,
        source,
        table.model_name,
        rows,
        table.total,
        table.trainable,
        rows_total,
        quizgen_total,
        quizgen_trainable,
        notes + table.notes,
    )


def count_from_table(table: SummaryTable, source: str) -> ModelCount:
    """The model a summary table describes, counted by the core: every row must agree."""
    explanation = explain_table(table, source)
    for e in explanation.rows:
        if e.status == SOLVED and e.solved is not None:
            raise ModelFileError(
                f"{source}:{e.row.line}: {e.row.label}: {e.solved}, solved from its printed count and not checked "
                "by any printed row (quizgen explain shows every row)"
            )
        if e.status in (DISAGREES, UNDERIVED):
            what = e.reason or f"quizgen derives {e.derived:,}, the table prints {e.row.printed:,}"
            if e.status == DISAGREES and e.derived is not None and e.row.printed is not None:
                what = f"the table prints {e.row.printed:,}, quizgen derives {e.derived:,} ({e.spec})"
            raise ModelFileError(f"{source}:{e.row.line}: {e.row.label}: {what} (quizgen explain shows every row)")
    if explanation.quizgen_total is None:
        raise ModelFileError(f"{source}: the table's rows do not give the model's count (quizgen explain shows why)")
    if explanation.printed_total is None:
        raise ModelFileError(
            f"{source}: no 'Total params' line under the table: paste the whole summary, so no row can be missing"
        )
    if explanation.printed_total is not None and explanation.printed_total != explanation.quizgen_total:
        raise ModelFileError(
            f"{source}: the table's total {explanation.printed_total:,} is not its rows' {explanation.quizgen_total:,}"
        )
    layers: list[LayerCount] = []
    notes = list(explanation.notes)
    for e in explanation.rows:
        if e.layer is None:
            continue
        layer = dataclasses.replace(
            e.layer, index=len(layers) + 1, name=e.row.name or e.row.cls, frozen=e.trainable == 0
        )
        if e.hidden == "kernel area × input channels":
            layer = dataclasses.replace(layer, input_shape=None)  # its channels are not known
        layers.append(layer)
        if e.solved and e.hidden:
            notes.append(
                f"{e.row.label}: {e.solved}, solved from the printed count; "
                f"written {e.layer.spec} only to count it (any split gives the same count)"
            )
        elif e.solved:
            notes.append(f"{e.row.label}: {e.solved}, solved from the printed count")
        if e.assumed:
            notes.append(f"{e.row.label}: {e.assumed}")
    name = explanation.model_name or (table.rows[0].cls if table.rows else "model")
    spec = f"{name} ({'Keras summary' if table.framework == 'keras' else 'torchinfo summary'}, {len(layers)} layers)"
    return ModelCount(spec, table.framework, tuple(layers), notes=tuple(notes))


def from_model(kind: str, model: ModelCount, source: str) -> Explanation:
    """A model file prints no counts: each layer shows quizgen's derivation alone."""
    rows = []
    for layer in model.layers:
        row = SummaryRow(0, layer.type, None, layer.output_shape, layer.name)
        rows.append(
            RowExplanation(
                row,
                DERIVED,
                layer.params,
                layer.trainable,
                layer,
                layer.spec,
                layer.derivation.text(),
                in_words(layer.expr) if layer.params else None,
            )
        )
    notes = [*model.notes, "a model file prints no counts: each row shows quizgen's derivation alone"]
    return Explanation(
        kind, model.framework, source, model.spec, rows, None, None, 0, model.total, model.trainable, notes
    )
