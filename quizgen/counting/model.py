"""Counting a whole model: parse, place each layer, propagate widths and shapes, total up."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizgen.caches import bounded, registered
from quizgen.counting.display import Row, footer_line, html_table, layer_row, markdown_table
from quizgen.counting.expr import Derivation, Expr, add, mul, num, to_text
from quizgen.counting.layers import (
    ALIASES,
    LAYERS,
    RECURRENT_NAMES,
    SEQUENCE_CONSUMERS,
    Context,
    Counted,
    Part,
    Shape,
    bind,
)
from quizgen.counting.layers.base import KERAS_SPELLINGS, MAX_SIZE, REQUIRED, LayerType
from quizgen.counting.layers.merge import MERGE_TYPES
from quizgen.counting.rules import CORRECT, Rules
from quizgen.counting.spec import Arg, Call, parse
from quizgen.errors import ModelFileError, SpecError, UsageError

FRAMEWORKS = ("keras", "pytorch")
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
PASS_THROUGH = frozenset(
    {
        "Dropout",
        "LayerNormalization",
        "BatchNormalization",
        "GroupNormalization",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "ELU",
        "Softmax",
        "Masking",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
    }
)
"""Layers that keep their input's shape: a recurrent layer looks past them for its consumer."""


@dataclass(slots=True, unsafe_hash=True)  # built for every layer of every count: not frozen, for speed
class LayerCount:
    """One spec layer's count: its parts, formula, widths and shapes."""

    index: int
    call: Call
    type: str
    input_shape: Shape | None
    output_shape: Shape
    parts: tuple[Part, ...]
    expr: Expr
    frozen: bool = False
    name: str | None = None
    """Where the layer sits in the source model (a Keras layer name, a module path)."""
    macs_expr: Expr | None = field(default_factory=lambda: num(0))
    """How its multiply–accumulates are reached; None where a size (a sequence length) is unknown."""
    size_notes: tuple[str, ...] = ()
    kv_per_token: Expr | None = None

    @property
    def spec(self) -> str:
        return self.call.canonical()

    @property
    def params(self) -> int:
        return self.expr.evaluate()

    @property
    def trainable(self) -> int:
        if self.frozen:
            return 0
        if not self.parts:
            return self.params
        return sum(p.value for p in self.parts if p.trainable)

    @property
    def input_width(self) -> int | None:
        return self.input_shape[-1] if self.input_shape else None

    @property
    def output_width(self) -> int | None:
        return self.output_shape[-1] if self.output_shape else None

    @property
    def derivation(self) -> Derivation:
        return Derivation(self.expr)

    @property
    def macs(self) -> int | None:
        return None if self.macs_expr is None else self.macs_expr.evaluate()

    @property
    def macs_derivation(self) -> Derivation | None:
        return None if self.macs_expr is None else Derivation(self.macs_expr)

    @property
    def output_size(self) -> int | None:
        """Values in one sample's output (None where a dimension is unknown)."""
        if any(d is None for d in self.output_shape):
            return None
        return math.prod(d for d in self.output_shape if d is not None)

    def part(self, name: str) -> Part | None:
        for part in self.parts:
            if part.name == name:
                return part
        return None

    def to_dict(self, dtype: str | None = None) -> dict[str, Any]:
        macs = self.macs_derivation
        memory: dict[str, Any] = {}
        if dtype is not None:
            size = self.output_size
            memory = {"output_bytes": None if size is None else size * DTYPE_BYTES[dtype]}
        return {
            "layer": self.spec,
            "type": self.type,
            "input_width": self.input_width,
            "output_width": self.output_width,
            "output_shape": list(self.output_shape),
            **({"name": self.name} if self.name else {}),
            "params": self.params,
            "trainable": self.trainable,
            "formula": self.derivation.formula,
            "derivation": self.derivation.text(),
            "parts": {
                p.name: {"params": p.value, "formula": to_text(p.expr), "trainable": p.trainable and not self.frozen}
                for p in self.parts
            },
            "macs": None if macs is None else macs.value,
            "macs_formula": None if macs is None else macs.formula,
            "macs_derivation": None if macs is None else macs.text(),
            **memory,
        }


@dataclass(slots=True, unsafe_hash=True)  # built for every layer of every count: not frozen, for speed
class ModelCount:
    """The counted model: its layers in spec order, totals and how they were reached."""

    spec: str
    framework: str
    layers: tuple[LayerCount, ...]
    rules: Rules = CORRECT
    notes: tuple[str, ...] = ()
    """What the count could not see (parameters of custom modules…), shown under the table."""
    alternatives: tuple[tuple[str, int], ...] = ()
    """Totals under another reading of what the source cannot show: (condition, total)."""

    @property
    def total(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def trainable(self) -> int:
        return sum(layer.trainable for layer in self.layers)

    @property
    def total_derivation(self) -> Derivation:
        """``480 + 840 = 1320`` over the layers that have parameters."""
        counted = [layer for layer in self.layers if layer.params]
        if len(counted) == 1:
            return counted[0].derivation
        return Derivation(add(*(num(layer.params) for layer in counted)))

    @property
    def macs(self) -> int | None:
        """Multiply–accumulates of one forward pass of one sample; None if any layer's is unknown."""
        values = [layer.macs for layer in self.layers]
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    @property
    def flops(self) -> int | None:
        macs = self.macs
        return None if macs is None else 2 * macs

    def weight_bytes(self, dtype: str) -> int:
        return self.total * DTYPE_BYTES[dtype]

    def activation_bytes(self, dtype: str) -> int | None:
        """The outputs of every layer for one sample (Input excluded), in ``dtype``."""
        sizes = [layer.output_size for layer in self.layers if layer.type != "Input"]
        if any(size is None for size in sizes):
            return None
        return sum(size for size in sizes if size is not None) * DTYPE_BYTES[dtype]

    def layer(self, k: int) -> LayerCount:
        """Layer ``k`` counting from 1, ``Input`` included (as in ``layer[k]`` quantities)."""
        if not 1 <= k <= len(self.layers):
            raise UsageError(f"layer[{k}] does not exist: the model has {len(self.layers)} layers")
        return self.layers[k - 1]

    def _table(self) -> tuple[str, str, list[Row], str, tuple[str, ...]]:
        """What a notebook's table of this count shows; counting/display.py lays it out."""
        rows = [
            layer_row(
                layer.index,
                f"{layer.name}: {layer.spec}" if layer.name else layer.spec,
                layer.output_shape,
                layer.params,
                layer.macs,
                layer.derivation.text() if layer.params else "",
            )
            for layer in self.layers
        ]
        return self.spec, self.framework, rows, footer_line(self.total, self.trainable, self.macs), self.notes

    def _repr_html_(self) -> str:
        return html_table(*self._table())

    def _repr_markdown_(self) -> str:
        return markdown_table(*self._table())

    def to_dict(self, dtype: str | None = None) -> dict[str, Any]:
        memory: dict[str, Any] = {}
        if dtype is not None:
            memory = {
                "dtype": dtype,
                "weight_bytes": self.weight_bytes(dtype),
                "activation_bytes": self.activation_bytes(dtype),
            }
        return {
            "framework": self.framework,
            "spec": self.spec,
            "layers": [layer.to_dict(dtype) for layer in self.layers],
            "total": self.total,
            "trainable": self.trainable,
            "macs": self.macs,
            "flops": self.flops,
            **memory,
            **({"notes": list(self.notes)} if self.notes else {}),
            **({"alternatives": [{"if": c, "total": t} for c, t in self.alternatives]} if self.alternatives else {}),
        }


def resolve_name(call: Call, source: str) -> str:
    name = ALIASES.get(call.name, call.name)
    if name in LAYERS:
        return name
    known = sorted(LAYERS) + sorted(ALIASES)
    by_case = {k.lower(): k for k in known}
    hint = by_case.get(call.name.lower()) or next(
        iter(difflib.get_close_matches(call.name, known, n=1, cutoff=0.5)), None
    )
    suggestion = f" (did you mean '{hint}'?)" if hint else ""
    raise SpecError(f"unknown layer '{call.name}'{suggestion}", call.line, call.column, source)


def _input_dims(call: Call, source: str) -> Shape:
    args = list(call.args)
    for name, arg in call.kwargs.items():
        if name in ("shape", "batch_shape") and isinstance(arg.value, tuple) and not args:
            values = arg.value[1:] if name == "batch_shape" else arg.value
            args = [Arg(v, arg.line, arg.column) for v in values]
        elif name in ("dtype", "name", "sparse", "ragged", "batch_size"):
            continue
        else:
            raise SpecError("Input takes only sizes, e.g. Input(28, 28, 1)", arg.line, arg.column, source)
    if not args:
        raise SpecError("Input needs at least one size, e.g. Input(3)", call.line, call.column, source)
    dims: list[int | None] = []
    for k, arg in enumerate(args):
        if arg.value is None and (k < len(args) - 1 or len(args) == 1):
            dims.append(None)  # Input(None): token ids of unknown length, for an Embedding
            continue
        if isinstance(arg.value, bool) or not isinstance(arg.value, int) or arg.value < 1:
            if arg.value is None:
                raise SpecError(
                    "the feature width must be known: use Input(8) for a sequence of 8 features",
                    arg.line,
                    arg.column,
                    source,
                )
            raise SpecError("Input sizes must be positive whole numbers", arg.line, arg.column, source)
        if arg.value > MAX_SIZE:
            raise SpecError(f"Input's sizes must be at most {MAX_SIZE}", arg.line, arg.column, source)
        dims.append(arg.value)
    if len(dims) == 2 and dims[0] is None:
        return (dims[1],)  # Input(None, 8) is the spec's Input(8): a sequence of unknown length
    return tuple(dims)


@dataclass(slots=True, unsafe_hash=True)  # built for every layer of every count: not frozen, for speed
class Node:
    """One layer of a model to count: its call, and where its input comes from.

    ``inputs`` name earlier nodes (index, output tensor); a reader that knows a layer's input
    shapes outright (a PyTorch module's printed widths) gives ``input_shapes`` instead. ``times``
    counts identical copies (``(0-11): 12 x BertLayer``).
    """

    call: Call
    inputs: tuple[tuple[int, int], ...] = ()
    input_shapes: tuple[Shape, ...] | None = None
    times: int = 1
    name: str | None = None
    again: bool = False
    """A further call of a shared layer: its outputs have shapes, its weights are counted once."""


def normalize(call: Call, keep_defaults: bool = True) -> Call:
    """The call as counted, with the spec's own option names and without options that change no count.

    Written in the spec (``keep_defaults``), arguments stay positional or named as written; read
    from a file, the required ones are positional and options at their default are left out.
    """
    name = ALIASES.get(call.name, call.name)
    layer = LAYERS.get(name)
    if layer is None or name == "Input":
        return call
    by_name = {p.name: p for p in layer.params}
    positional = [p for p in layer.params if p.positional]

    def value(arg: Arg) -> Any:
        return normalize(arg.value, keep_defaults) if isinstance(arg.value, Call) else arg.value

    written: dict[str, Arg] = {}
    args: list[Arg] = []
    for param, arg in zip(positional, call.args, strict=False):
        if param.kind == "any":
            break
        if keep_defaults:
            args.append(Arg(value(arg)))
        else:
            written[param.name] = arg
    for key, arg in call.kwargs.items():
        option = key if key in by_name else KERAS_SPELLINGS.get(key, key)
        written.setdefault(option, arg)
    if not keep_defaults:
        for param in positional:
            if param.default is not REQUIRED or param.name not in written:
                break
            args.append(Arg(value(written.pop(param.name))))
    kwargs: dict[str, Arg] = {}
    for option, arg in written.items():
        known = by_name.get(option)
        if option == "trainable":
            if arg.value is False or keep_defaults:
                kwargs[option] = Arg(arg.value, name=option)
            continue
        if known is None or known.kind == "any" or (arg.value == known.default and not keep_defaults):
            continue
        kwargs[option] = Arg(value(arg), name=option)
    return Call(call.name, tuple(args), call.line, call.column, kwargs)


def _consumer_needs_sequence(names: list[str], consumers: dict[int, list[int]], index: int) -> bool:
    """Whether a recurrent layer's output feeds, past shape-keeping layers, one that reads sequences."""
    seen: set[int] = set()
    stack = list(consumers.get(index, []))
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        if names[k] in PASS_THROUGH:
            stack.extend(consumers.get(k, []))
        elif names[k] in SEQUENCE_CONSUMERS:
            return True
    return False


def _frozen(args: dict[str, Any], call: Call, rules: Rules) -> bool:
    if rules.frozen_as_trainable:
        return False
    if args.get("trainable") is False:
        return True
    inner = args.get("layer")
    if isinstance(inner, Call):
        arg = inner.kwargs.get("trainable")
        return arg is not None and arg.value is False
    return False


def _repeated(counted: Counted, times: int) -> tuple[tuple[Part, ...], Expr, Expr | None, Expr | None]:
    if times == 1:
        return counted.parts, counted.total_expr(), counted.macs, counted.kv_per_token
    factor = num(times, "layers")
    parts = tuple(Part(p.name, mul(factor, p.expr), p.trainable) for p in counted.parts)
    macs = None if counted.macs is None else mul(factor, counted.macs)
    kv = None if counted.kv_per_token is None else mul(factor, counted.kv_per_token)
    return parts, mul(factor, counted.total_expr()), macs, kv


_MEMO_SIZE = 2048
_BOUND: dict[tuple[Any, ...], tuple[Call, dict[str, Any]]] = registered({})
_NORMALIZED: dict[tuple[Any, ...], tuple[Call, Call]] = registered({})
_INPUT_SHAPES: dict[tuple[Any, ...], tuple[Call, Shape]] = registered({})


def _remembered(memo: dict[Any, Any], call: Call, variant: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """``make()`` remembered per call object (and ``variant``): a model is recounted under every
    mistake's rules. Entries hold their call, so an id is never that of another, later call."""
    key = (id(call), *variant)
    hit = memo.get(key)
    if hit is None or hit[0] is not call:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        hit = memo[key] = (call, make())
    return hit[1]


def _bound(call: Call, layer_type: LayerType, framework: str, source: str) -> dict[str, Any]:
    args = _remembered(_BOUND, call, (framework, source), lambda: bind(call, layer_type, framework, source))
    return dict(args)


def _input_shape(call: Call, source: str) -> Shape:
    return _remembered(_INPUT_SHAPES, call, (source,), lambda: _input_dims(call, source))


def _normalized(call: Call, keep_defaults: bool) -> Call:
    return _remembered(_NORMALIZED, call, (keep_defaults,), lambda: normalize(call, keep_defaults=keep_defaults))


def count_graph(
    nodes: list[Node],
    framework: str = "keras",
    rules: Rules = CORRECT,
    source: str = "spec",
    spec: str | None = None,
    notes: tuple[str, ...] = (),
    linear: bool = False,
) -> ModelCount:
    """Count a model given as layers and their inputs (a chain for the spec language, a graph for
    Keras' functional models, independent modules for a printed PyTorch model)."""
    if framework not in FRAMEWORKS:
        raise UsageError(f"unknown framework '{framework}': use keras or pytorch")
    names = [resolve_name(node.call, source) for node in nodes]
    consumers: dict[int, list[int]] = {}
    for k, node in enumerate(nodes):
        for producer, _ in node.inputs:
            consumers.setdefault(producer, []).append(k)
    outputs: list[tuple[Shape, ...]] = []
    model_width: int | None = None
    after_recurrent = False
    layers: list[LayerCount] = []
    for index, (node, name) in enumerate(zip(nodes, names, strict=True)):
        call = node.call
        if name == "Input":
            shape = _input_shape(call, source)
            model_width = shape[-1] if model_width is None else model_width
            outputs.append((shape,))
            layers.append(LayerCount(len(layers) + 1, call, "Input", None, shape, (), num(0), name=node.name))
            continue
        layer_type = LAYERS[name]
        try:
            args = _bound(call, layer_type, framework, source)
        except SpecError as error:
            if node.name is None:
                raise
            raise ModelFileError(f"{source}: {node.name} ({call.name}): {error.message}") from None
        if node.input_shapes is not None:
            shapes: tuple[Shape, ...] = node.input_shapes
            for shape in shapes:
                if any(
                    d is not None and (isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= MAX_SIZE)
                    for d in shape
                ):
                    where = f"{node.name} ({call.name})" if node.name else call.name
                    raise ModelFileError(f"{source}: {where}: input sizes must be whole numbers from 0 to {MAX_SIZE}")
        else:
            try:
                shapes = tuple(outputs[k][t] for k, t in node.inputs)
            except IndexError:
                raise SpecError(
                    f"{call.name} reads an output its input does not have", call.line, call.column, source
                ) from None
        if rules.bias_always and args.get("bias") is False:
            args["bias"] = True
        shape = shapes[0] if shapes else ()
        input_shape = shape
        if linear and after_recurrent and name in RECURRENT_NAMES and rules.stacked_width != "actual" and shape:
            width = model_width if rules.stacked_width == "model_input" else 1
            shape = (*shape[:-1], width)
        explicit = args.get("return_sequences")
        if isinstance(args.get("layer"), Call) and explicit is None:
            inner_arg = args["layer"].kwargs.get("return_sequences")
            explicit = inner_arg.value if inner_arg is not None else None
        sequence_out = explicit if explicit is not None else _consumer_needs_sequence(names, consumers, index)
        ctx = Context(
            framework,
            rules,
            shape,
            call,
            bool(sequence_out),
            after_recurrent,
            model_width,
            source,
            shapes if len(shapes) > 1 else (),
        )
        try:
            counted = layer_type.counter(args, ctx)
        except SpecError as error:
            if node.name is None:
                raise
            raise ModelFileError(f"{source}: {node.name} ({call.name}): {error.message}") from None
        if node.again:
            outputs.append((counted.output_shape, *counted.extra_outputs))
            continue
        parts, expr, macs, kv = _repeated(counted, node.times)
        layers.append(
            LayerCount(
                len(layers) + 1,
                _normalized(call, linear),
                name,
                input_shape or None,
                counted.output_shape,
                parts,
                expr,
                frozen=_frozen(args, call, rules),
                name=node.name,
                macs_expr=macs,
                size_notes=counted.size_notes,
                kv_per_token=kv,
            )
        )
        outputs.append((counted.output_shape, *counted.extra_outputs))
        if name == "Embedding":
            model_width = counted.output_shape[-1]
        if name not in PASS_THROUGH and not (name == "RepeatVector" and after_recurrent):
            after_recurrent = name in RECURRENT_NAMES
        notes = notes + tuple(n for n in counted.notes if n not in notes)
    text = spec if spec is not None else " -> ".join(layer.spec for layer in layers)
    return ModelCount(text, framework, tuple(layers), rules, notes)


def count_calls(
    calls: list[Call], framework: str = "keras", rules: Rules = CORRECT, source: str = "spec"
) -> ModelCount:
    """Count a chain of layers written in the spec language."""
    if framework not in FRAMEWORKS:
        raise UsageError(f"unknown framework '{framework}': use keras or pytorch")
    names = [resolve_name(call, source) for call in calls]
    first = calls[0]
    if names[0] not in ("Input", "Embedding"):
        raise SpecError("a model starts with Input(...) or Embedding(...)", first.line, first.column, source)
    for index, (call, name) in enumerate(zip(calls, names, strict=True)):
        if name == "Input" and index:
            raise SpecError("Input(...) can only start a model", call.line, call.column, source)
        if name == "Embedding" and (index > 1 or (index == 1 and names[0] != "Input")):
            raise SpecError("Embedding(...) must come first or right after Input(...)", call.line, call.column, source)
    nodes = [Node(call, ((k - 1, 0),) if k else ()) for k, call in enumerate(calls)]
    for k, (call, name) in enumerate(zip(calls, names, strict=True)):
        if name != "Bidirectional" or "merge_mode" not in call.kwargs or call.kwargs["merge_mode"].value is not None:
            continue
        if k + 1 == len(calls) or names[k + 1] not in MERGE_TYPES:
            where = call.kwargs["merge_mode"]
            raise SpecError(
                "Bidirectional(merge_mode=None) gives two outputs, the forward and the backward one: "
                "follow it with a merge layer such as Concatenate() or Add()",
                where.line,
                where.column,
                source,
            )
        nodes[k + 1] = Node(calls[k + 1], ((k, 0), (k, 1)))
    return count_graph(nodes, framework, rules, source, linear=True)


def count(spec: str, framework: str = "keras", rules: Rules = CORRECT) -> ModelCount:
    """Count the parameters of a model written in the spec language.

    >>> count("Input(3) -> LSTM(5)").total
    180
    """
    return _count_cached(spec, framework, rules)


@bounded(2048)
def _count_cached(spec: str, framework: str, rules: Rules) -> ModelCount:
    return count_calls(parse(spec), framework, rules)


__all__ = ["FRAMEWORKS", "LayerCount", "ModelCount", "Node", "count", "count_calls", "count_graph", "mul"]
