"""SimpleRNN, LSTM and GRU (Keras and PyTorch conventions) and the Bidirectional wrapper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.layers.base import MAX_REPEAT, Context, Counted, LayerType, Param, Part, Shape, bind, format_shape
from quizgen.counting.spec import Call

GATE_LABELS = {
    "SimpleRNN": None,
    "LSTM": "weight sets (3 gates + candidate)",
    "GRU": "weight sets (update, reset, candidate)",
}

RECURRENT_PARAMS = (
    Param("units", "size", positional=True),
    Param("activation", "any", None, positional=True),
    Param("recurrent_activation", "any", None, positional=True),
    Param("bias", "bool", True),
    Param("return_sequences", "optional_bool", None),
    Param("return_state", "bool", False),
    Param("num_layers", "size", 1, only="pytorch", maximum=MAX_REPEAT),
    Param("bidirectional", "bool", False, only="pytorch"),
)


@dataclass(frozen=True)
class RecurrentShape:
    """Everything a recurrent count depends on, after the framework's options are applied."""

    kind: str
    units: int
    bias: bool
    bias_vectors: int
    directions: int
    num_layers: int
    proj_size: int


def gates(kind: str, ctx: Context) -> int:
    if kind == "LSTM":
        return ctx.rules.lstm_gates
    if kind == "GRU":
        return ctx.rules.gru_gates
    return 1


def native_bias_vectors(kind: str, args: dict[str, Any], framework: str) -> int:
    if framework == "pytorch":
        return 2
    return 2 if kind == "GRU" and args.get("reset_after", True) else 1


def bias_vectors(kind: str, args: dict[str, Any], ctx: Context) -> int:
    vectors = native_bias_vectors(kind, args, ctx.framework)
    if ctx.rules.swap_bias_convention:
        # The other framework's count for the same layer, with that framework's defaults.
        other = "keras" if ctx.framework == "pytorch" else "pytorch"
        vectors = native_bias_vectors(kind, {} if other == "keras" else args, other)
    if ctx.rules.flip_gru_reset_after and kind == "GRU" and ctx.framework == "keras":
        vectors = 3 - vectors
    return vectors


def _one_direction(shape: RecurrentShape, width: int, ctx: Context) -> dict[str, Expr | None]:
    """The parts of one direction of one layer, as expressions."""
    rules = ctx.rules
    g = gates(shape.kind, ctx)
    gate = [num(g, GATE_LABELS[shape.kind])] if g != 1 else []
    h = num(shape.units, "units")
    recurrent_width = shape.proj_size or shape.units
    r_label = "projected" if shape.proj_size else "recurrent"
    b_label = "bias" if shape.bias_vectors == 1 else "biases (input and recurrent)"
    parts: dict[str, Expr | None] = {
        "input_weights": mul(*gate, h, num(width, "inputs")) if rules.input_weights else None,
        "recurrent_weights": None,
        "biases": None,
        "projection_weights": mul(h, num(shape.proj_size, "projected")) if shape.proj_size else None,
    }
    if rules.recurrent_weights:
        if rules.recurrent_square_once:
            parts["recurrent_weights"] = mul(h, h)
        else:
            parts["recurrent_weights"] = mul(*gate, h, num(recurrent_width, r_label))
    if shape.bias and rules.bias and rules.recurrent_bias:
        if rules.bias_per_gate:
            parts["biases"] = mul(*gate, num(shape.bias_vectors, b_label))
        else:
            parts["biases"] = mul(*gate, h, num(shape.bias_vectors, b_label))
    if rules.recurrent_square_once or rules.bias_per_gate:
        parts["formula"] = add(*parts.values())
    else:
        inner = add(
            num(width, "inputs") if rules.input_weights else None,
            num(recurrent_width, r_label) if rules.recurrent_weights else None,
            num(shape.bias_vectors, b_label) if shape.bias and rules.bias and rules.recurrent_bias else None,
        )
        parts["formula"] = add(mul(*gate, h, inner), parts["projection_weights"])
    return parts


def count_stack(shape: RecurrentShape, width: int, ctx: Context) -> tuple[tuple[Part, ...], Expr, int]:
    """Parts, formula and output width of (possibly stacked, bidirectional) recurrent layers."""
    dirs = shape.directions
    per_layer_out = shape.proj_size or shape.units
    next_width = per_layer_out * (dirs if ctx.rules.bidirectional_concat else 1)
    counted_dirs = dirs if ctx.rules.bidirectional_double else 1
    widths = [width]
    for _ in range(1, shape.num_layers):
        if ctx.rules.stacked_width == "model_input":
            widths.append(width)
        elif ctx.rules.stacked_width == "one":
            widths.append(1)
        else:
            widths.append(next_width)
    groups: list[tuple[int, int]] = []  # (input width, how many consecutive layers share it)
    for w in widths:
        if groups and groups[-1][0] == w:
            groups[-1] = (w, groups[-1][1] + 1)
        else:
            groups.append((w, 1))

    def repeat(expr: Expr | None, times: int) -> Expr | None:
        if expr is None:
            return None
        factors = []
        if times > 1:
            factors.append(num(times, "layers"))
        if counted_dirs > 1:
            factors.append(num(counted_dirs, "directions"))
        return mul(*factors, expr) if factors else expr

    names = ("input_weights", "recurrent_weights", "biases", "projection_weights")
    if len(groups) == 1 and groups[0][1] == 1 and counted_dirs == 1:  # one layer, one direction counted
        one = _one_direction(shape, width, ctx)
        alone = tuple(Part(name, expr) for name in names if (expr := one[name]) is not None)
        return alone, add(one["formula"]), next_width
    pieces = [(_one_direction(shape, w, ctx), times) for w, times in groups]
    parts = []
    for name in names:
        exprs = [repeat(p[name], times) for p, times in pieces]
        if any(e is not None for e in exprs):
            parts.append(Part(name, add(*exprs)))
    formula = add(*(repeat(p["formula"], times) for p, times in pieces))
    return tuple(parts), formula, next_width


def stack_macs(shape: RecurrentShape, width: int, steps: int | None, ctx: Context) -> Expr | None:
    """T·g·h·(i+h) per direction and layer (with a projection p: T·(g·h·(i+p) + h·p))."""
    if steps is None and not ctx.rules.macs_per_step:
        return None
    t = [] if ctx.rules.macs_per_step or steps is None else [num(steps, "steps")]
    g = gates(shape.kind, ctx)
    gate = [num(g, GATE_LABELS[shape.kind])] if g != 1 else []
    h = num(shape.units, "units")
    r = shape.proj_size or shape.units
    per_layer_out = r * shape.directions
    terms = []
    for layer in range(shape.num_layers):
        w = width if layer == 0 else per_layer_out
        step = add(
            mul(*gate, h, add(num(w, "inputs"), num(r, "projected" if shape.proj_size else "recurrent"))),
            mul(h, num(shape.proj_size, "projected")) if shape.proj_size else None,
        )
        terms.append(step)
    grouped: list[tuple[Expr, int]] = []
    for term in terms:
        if grouped and grouped[-1][0] == term:
            grouped[-1] = (term, grouped[-1][1] + 1)
        else:
            grouped.append((term, 1))
    directions = [num(shape.directions, "directions")] if shape.directions > 1 else []
    return add(*(mul(*t, *directions, *([num(n, "layers")] if n > 1 else []), term) for term, n in grouped))


def recurrent_shape(kind: str, args: dict[str, Any], ctx: Context, directions: int | None = None) -> RecurrentShape:
    dirs = directions if directions is not None else (2 if args.get("bidirectional") else 1)
    return RecurrentShape(
        kind=kind,
        units=args["units"],
        bias=args["bias"],
        bias_vectors=bias_vectors(kind, args, ctx),
        directions=dirs,
        num_layers=1 if ctx.rules.num_layers_once else args.get("num_layers", 1),
        proj_size=args.get("proj_size", 0),
    )


def sequence_input(ctx: Context) -> tuple[int | None, int]:
    """(timesteps, features) of a recurrent layer's input; ``Input(8)`` has unknown timesteps."""
    if len(ctx.shape) == 1:
        return None, ctx.width
    if len(ctx.shape) == 2:
        return ctx.shape[0], ctx.width
    raise ctx.error(f"{ctx.call.name} expects (timesteps, features) input, got shape {format_shape(ctx.shape)}")


def output_shape(ctx: Context, steps: int | None, width: int) -> tuple[int | None, ...]:
    return (steps, width) if ctx.sequence_out else (width,)


def state_shapes(kind: str, args: dict[str, Any], width: int, directions: int) -> tuple[Shape, ...]:
    """The extra outputs of ``return_state``: h (and c for an LSTM) per direction."""
    if not args.get("return_state"):
        return ()
    per_direction = 2 if kind == "LSTM" else 1
    return tuple((width,) for _ in range(per_direction * directions))


def _counter(kind: str):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        steps, width = sequence_input(ctx)
        if args.get("proj_size", 0) >= args["units"]:
            raise ctx.error(f"proj_size must be smaller than units ({args['units']})")
        shape = recurrent_shape(kind, args, ctx)
        parts, formula, out = count_stack(shape, width, ctx)
        states = state_shapes(kind, args, args.get("proj_size") or args["units"], 1)
        macs = stack_macs(shape, width, steps, ctx)
        return Counted(parts, output_shape(ctx, steps, out), formula, macs=macs, extra_outputs=states)

    return count


def _bidirectional(args: dict[str, Any], ctx: Context) -> Counted:
    inner: Call = args["layer"]
    kind = RECURRENT_ALIASES.get(inner.name, inner.name)
    if kind not in RECURRENT_TYPES:
        raise ctx.error(f"Bidirectional wraps SimpleRNN, LSTM or GRU, not '{inner.name}'")
    inner_args = bind(inner, RECURRENT_TYPES[kind], ctx.framework, ctx.source)
    if inner_args.get("bidirectional") or inner_args.get("num_layers", 1) > 1:
        raise ctx.error("inside Bidirectional(...) the wrapped layer takes no bidirectional or num_layers")
    steps, width = sequence_input(ctx)
    shape = recurrent_shape(kind, inner_args, ctx, directions=2)
    parts, formula, out = count_stack(shape, width, ctx)
    per_direction = shape.proj_size or shape.units
    merge = args["merge_mode"]
    if isinstance(merge, str) and merge.lower() in MERGE_MODES:
        merge = merge.lower()
    elif merge is not None:
        raise ctx.error(f"Bidirectional's 'merge_mode' must be one of {'|'.join(MERGE_MODES)} or None")
    if merge != "concat":
        out = per_direction
    states = state_shapes(kind, inner_args, per_direction, 2)
    if merge is None:  # the forward and the backward outputs, unmerged
        states = (output_shape(ctx, steps, out), *states)
    macs = stack_macs(shape, width, steps, ctx)
    return Counted(parts, output_shape(ctx, steps, out), formula, macs=macs, extra_outputs=states)


def _make(kind: str, *extra: Param) -> LayerType:
    return LayerType(kind, RECURRENT_PARAMS + extra, _counter(kind), sequence_layer=True)


RECURRENT_TYPES = {
    "SimpleRNN": _make("SimpleRNN"),
    "LSTM": _make("LSTM", Param("proj_size", "count", 0, only="pytorch")),
    "GRU": _make("GRU", Param("reset_after", "bool", True, only="keras")),
}
RECURRENT_ALIASES = {"RNN": "SimpleRNN"}
MERGE_MODES = ("concat", "sum", "ave", "mul")

BIDIRECTIONAL = LayerType(
    "Bidirectional",
    (
        Param("layer", "layer", positional=True),
        Param("merge_mode", "any", "concat", only="keras"),
        Param("backward_layer", "any", None),
    ),
    _bidirectional,
    sequence_layer=True,
)
