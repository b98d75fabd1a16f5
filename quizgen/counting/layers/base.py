"""What every layer type shares: argument binding, the counting context and the result."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.rules import Rules
from quizgen.counting.spec import Arg, Call, render_value
from quizgen.errors import SpecError

Shape = tuple[int | None, ...]
FRAMEWORKS = ("keras", "pytorch")
REQUIRED = object()
ZERO = num(0)
MAX_SIZE = 10**9
"""The largest size any option takes (units, filters, vocabulary, input sizes…)."""
MAX_REPEAT = 1000
"""The most layers one entry may stack (``num_layers``): counting stays instant."""


@dataclass(frozen=True)
class Param:
    """One argument a layer takes: positional or named, its kind, default and framework."""

    name: str
    kind: str  # count, size, bool, choice, size_or_pair, rate, layer, padding, dims, any, number
    default: Any = REQUIRED
    positional: bool = False
    choices: tuple[str, ...] = ()
    only: str | None = None
    maximum: int = MAX_SIZE


@dataclass(slots=True, unsafe_hash=True)  # built for every layer of every count: not frozen, for speed
class Part:
    """A named share of a layer's parameters (input weights, biases, moving statistics…)."""

    name: str
    expr: Expr
    trainable: bool = True

    @property
    def value(self) -> int:
        return self.expr.evaluate()


@dataclass(slots=True, unsafe_hash=True)  # built for every layer of every count: not frozen, for speed
class Context:
    """What a layer needs to know about its place in the model."""

    framework: str
    rules: Rules
    shape: Shape
    call: Call
    sequence_out: bool = False
    after_recurrent: bool = False
    model_input_width: int | None = None
    source: str = "spec"
    inputs: tuple[Shape, ...] = ()
    """Every input's shape, for layers that take several (merges, cross-attention); else empty."""

    def error(self, message: str, arg: Arg | None = None) -> SpecError:
        where = arg or self.call
        return SpecError(message, where.line, where.column, self.source)

    @property
    def width(self) -> int:
        if not self.shape or self.shape[-1] is None:
            raise self.error(f"{self.call.name} needs a known input width")
        return self.shape[-1]


@dataclass(slots=True, unsafe_hash=True)  # built for every layer of every count: not frozen, for speed
class Counted:
    """A layer's count before it is placed in the model: parts, formula and output shape."""

    parts: tuple[Part, ...]
    output_shape: Shape
    formula: Expr | None = None
    macs: Expr | None = ZERO
    """Multiply–accumulates of one forward pass of one sample; None where a size is unknown."""
    notes: tuple[str, ...] = ()
    size_notes: tuple[str, ...] = ()
    """How each spatial output size is worked out (convolutions and pooling)."""
    kv_per_token: Expr | None = None
    """Values a decoder caches per token (keys and values of every layer), for KV-cache sizes."""
    extra_outputs: tuple[Shape, ...] = ()
    """Shapes of further output tensors (a recurrent layer's states with ``return_state``)."""

    def total_expr(self) -> Expr:
        if self.formula is not None:
            return self.formula
        return add(*(part.expr for part in self.parts))


Counter = Callable[[dict[str, Any], Context], Counted]


@dataclass(frozen=True)
class LayerType:
    name: str
    params: tuple[Param, ...]
    counter: Counter
    sequence_layer: bool = False
    open_options: bool = False
    """Takes any further option (preprocessing layers whose options never make parameters)."""
    doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


KERAS_SPELLINGS = {
    "strides": "stride",
    "kernel_size": "kernel",
    "pool_size": "pool",
    "use_bias": "bias",
    "input_dim": "vocab",
    "output_dim": "dim",
    "num_heads": "heads",
    "dilation_rate": "dilation",
    "target_shape": "shape",
    "n": "times",
    "padding": "amount",
    "cropping": "amount",
}
"""Option names as Keras writes them, mapped to the spec's own names where the layer has that option."""

IGNORED_OPTIONS = frozenset(
    {
        "activation",
        "recurrent_activation",
        "dropout",
        "recurrent_dropout",
        "name",
        "dtype",
        "unroll",
        "stateful",
        "go_backwards",
        "seed",
        "mask_zero",
        "input_length",
        "epsilon",
        "eps",
        "momentum",
        "batch_first",
        "noise_shape",
        "implementation",
        "time_major",
        "zero_output_for_mask",
        "use_cudnn",
        "padding_idx",
        "max_norm",
        "norm_type",
        "scale_grad_by_freq",
        "sparse",
        "layer_norm_eps",
        "norm_first",
        "device",
        "inplace",
        "lora_rank",
        "lora_alpha",
        "interpolation",
        "use_causal_mask",
        "attention_axes",
        "track_running_stats",
        "synchronized",
        "mask_value",
        "alpha",
        "negative_slope",
        "theta",
        "stddev",
        "max_value",
        "threshold",
        "padding_mode",
        "embeddings_initializer",
        "flash_attention",
        "unit_forget_bias",
        "reset_after_dropout",
        "quantization_config",
        "gamma_initializer",
        "optional",
        "renorm_clipping",
        "renorm_momentum",
        "sliding_window",
    }
)
"""Options that change no parameter count: accepted with any value, and left out of the counted spec."""
IGNORED_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
GENERIC = ("trainable",)


def is_ignored(option: str) -> bool:
    return option in IGNORED_OPTIONS or option.endswith(IGNORED_SUFFIXES)


def bind(call: Call, layer: LayerType, framework: str, source: str = "spec") -> dict[str, Any]:
    """Match a call's arguments to the layer's parameters, checking kinds and frameworks.

    Keras' spellings (``kernel_size``, ``use_bias``…) stand for the spec's names; options that
    change no count (``activation``, initializers…) are accepted and dropped; ``trainable`` is
    taken by every layer.
    """

    def fail(message: str, where: Arg | Call) -> SpecError:
        return SpecError(message, where.line, where.column, source)

    positional = [p for p in layer.params if p.positional and p.only in (None, framework)]
    by_name = {p.name: p for p in layer.params}
    values: dict[str, Any] = {}
    if len(call.args) > len(positional):
        raise _extra(call, positional, len(positional), framework, fail)
    for k, (param, arg) in enumerate(zip(positional, call.args, strict=False)):
        if param.kind == "any" and param.name.endswith("activation") and not isinstance(arg.value, str | None):
            raise _extra(call, positional, k, framework, fail)
        values[param.name] = _check(param, arg, call, fail)
    for written, arg in call.kwargs.items():
        name = written if written in by_name else KERAS_SPELLINGS.get(written, written)
        if name == "trainable":
            if not isinstance(arg.value, bool):
                raise fail(f"{call.name}'s 'trainable' must be true or false", arg)
            values["trainable"] = arg.value
            continue
        named = by_name.get(name)
        if named is None:
            if written == "data_format" and arg.value not in (None, "channels_last"):
                raise fail(f"{call.name}: data_format={arg.value} is not counted here (channels_last only)", arg)
            if is_ignored(written) or layer.open_options or written == "data_format":
                continue
            known = sorted(by_name)
            hint = difflib.get_close_matches(written, known + sorted(KERAS_SPELLINGS), n=1)
            suggestion = (
                f" (did you mean '{hint[0]}'?)" if hint else f" (it takes: {', '.join(known)})" if known else ""
            )
            raise fail(f"{call.name} has no option '{written}'{suggestion}", arg)
        if name in values:
            raise fail(f"'{name}' given twice in {call.name}", arg)
        values[name] = _check(named, arg, call, fail)
    for param in layer.params:
        if param.name in values:
            if param.only and param.only != framework and values[param.name] != param.default:
                where = call.kwargs.get(param.name) or call
                other = "Keras" if param.only == "keras" else "PyTorch"
                raise fail(f"'{param.name}' is a {other}-only option of {call.name} (framework is {framework})", where)
            continue
        if param.default is REQUIRED:
            raise fail(f"{call.name} needs its '{param.name}' argument", call)
        values[param.name] = param.default
    values.setdefault("trainable", True)
    return values


def _extra(
    call: Call, positional: list[Param], taken: int, framework: str, fail: Callable[[str, Arg | Call], SpecError]
) -> SpecError:
    """An error naming the positional arguments a layer does not take (``LSTM(5, 6)``: the 6)."""
    extra = call.args[taken:]
    shown = ", ".join(render_value(arg.value) for arg in extra)
    names = [p.name for p in positional[:taken]]
    takes = (
        f"{call.name} takes {', '.join(names)} positionally" if names else f"{call.name} takes no positional argument"
    )
    under = " under PyTorch" if framework == "pytorch" else ""
    plural = "s" if len(extra) > 1 else ""
    return fail(f"{takes}{under}: the extra argument{plural} {shown} (write other options as name=value)", extra[0])


def _check(param: Param, arg: Arg, call: Call, fail: Callable[[str, Arg | Call], SpecError]) -> Any:
    value = arg.value
    label = f"{call.name}'s '{param.name}'"
    if param.kind == "any":
        return value
    if value is None and param.default is not REQUIRED:
        return param.default
    if param.kind == "layer":
        if not isinstance(value, Call):
            raise fail(f"{label} must be a layer such as LSTM(8)", arg)
        return value
    if param.kind == "optional_bool":
        if value is not None and not isinstance(value, bool):
            raise fail(f"{label} must be true or false", arg)
        return value
    if param.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(f"{label} must be a number", arg)
        return value
    if param.kind == "dims":
        items = value if isinstance(value, tuple) else (value,)
        dims = [v for v in items if isinstance(v, int) and not isinstance(v, bool) and (v > 0 or v == -1)]
        if not items or len(dims) != len(items):
            raise fail(f"{label} must be whole numbers such as (4, 8) (-1 for 'the rest')", arg)
        if any(v > param.maximum for v in dims):
            raise fail(f"{label} must be at most {param.maximum}", arg)
        return tuple(dims)
    if param.kind == "padding":
        if isinstance(value, str):
            if value.lower() not in ("valid", "same", "causal"):
                raise fail(f"{label} must be valid, same, or a size", arg)
            return value.lower()
        return _sizes(value, label, arg, fail, param.maximum, minimum=0)
    if param.kind == "amounts":
        return _sizes(value, label, arg, fail, param.maximum, minimum=0)
    if param.kind == "sizes":
        if value is None and param.default is None:
            return None
        return _sizes(value, label, arg, fail, param.maximum, minimum=1)
    if isinstance(value, Call):
        raise fail(f"{call.name} does not take a layer as '{param.name}'", arg)
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise fail(f"{label} must be true or false", arg)
        return value
    if param.kind == "choice":
        if isinstance(value, str) and value.lower() in param.choices:
            value = value.lower()
        if value not in param.choices:
            raise fail(f"{label} must be one of {'|'.join(param.choices)}", arg)
        return value
    if param.kind == "rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
            raise fail(f"{label} must be a number from 0 up to (not including) 1", arg)
        return value
    if param.kind == "size_or_pair" and isinstance(value, tuple):
        sizes = [v for v in (value * 2 if len(value) == 1 else value) if isinstance(v, int) and not isinstance(v, bool)]
        if len(sizes) != 2 or len(value) > 2 or any(v < 1 for v in sizes):
            raise fail(f"{label} must be a positive number or a pair (a, b)", arg)
        if any(v > param.maximum for v in sizes):
            raise fail(f"{label} must be at most {param.maximum}", arg)
        return tuple(sizes)
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]  # Keras writes a 1D convolution's sizes as one-element lists
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(f"{label} must be a whole number", arg)
    minimum = 0 if param.kind == "count" else 1
    if value < minimum:
        raise fail(f"{label} must be at least {minimum}", arg)
    if value > param.maximum:
        raise fail(f"{label} must be at most {param.maximum}", arg)
    if param.kind == "size_or_pair":
        return (value, value)
    return value


def _sizes(
    value: Any, label: str, arg: Arg, fail: Callable[[str, Arg | Call], SpecError], maximum: int, minimum: int
) -> int | tuple[Any, ...]:
    """A size, or a tuple of sizes (or of pairs, as ZeroPadding2D's ((1, 1), (2, 2)))."""
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        inner = item if isinstance(item, tuple) else (item,)
        for v in inner:
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                raise fail(f"{label} must be whole numbers of at least {minimum}", arg)
            if v > maximum:
                raise fail(f"{label} must be at most {maximum}", arg)
    return value


def is_last_axis(axis: Any, shape: tuple[int | None, ...]) -> bool:
    """``axis`` names the last axis: -1, the rank (Keras counts the batch axis as 0), or a list of one of them."""
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    return axis is None or (isinstance(axis, int) and not isinstance(axis, bool) and axis in (-1, len(shape)))


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return value if isinstance(value, tuple) else (value, value)


def spatial(value: Any, rank: int) -> tuple[int, ...]:
    """An int or tuple option spread over ``rank`` spatial dimensions: 3 → (3, 3)."""
    if isinstance(value, tuple):
        if len(value) == 1 and rank > 1:
            return value * rank
        return value
    return (value,) * rank


def leading(shape: Shape, label: str = "positions") -> list[Expr] | None:
    """The dimensions before the last as factors (how many positions a per-vector op runs at)."""
    dims = shape[:-1]
    if any(d is None for d in dims):
        return None
    return [num(d, label) for d in dims if d is not None and d != 1]


def times_macs(factors: list[Expr] | None, *rest: Expr | int) -> Expr | None:
    """``positions · rest`` MACs, or None where the positions are unknown."""
    if factors is None:
        return None
    return mul(*factors, *rest)


def format_shape(shape: Shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
