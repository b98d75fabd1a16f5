"""Counting a whole model: parse, place each layer, propagate widths and shapes, total up."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from quizgen.counting.expr import Derivation, Expr, add, mul, num, to_text
from quizgen.counting.layers import ALIASES, LAYERS, RECURRENT_NAMES, Context, Part, Shape, bind
from quizgen.counting.layers.base import MAX_SIZE
from quizgen.counting.rules import CORRECT, Rules
from quizgen.counting.spec import Call, parse
from quizgen.errors import SpecError, UsageError

FRAMEWORKS = ("keras", "pytorch")
PASS_THROUGH = frozenset({"Dropout", "LayerNormalization", "BatchNormalization"})
SEQUENCE_CONSUMERS = frozenset(name for name, t in LAYERS.items() if t.sequence_layer) | {"Flatten"}


@dataclass(frozen=True)
class LayerCount:
    """One spec layer's count: its parts, formula, widths and shapes."""

    index: int
    call: Call
    type: str
    input_shape: Shape | None
    output_shape: Shape
    parts: tuple[Part, ...]
    expr: Expr

    @property
    def spec(self) -> str:
        return self.call.canonical()

    @property
    def params(self) -> int:
        return self.expr.evaluate()

    @property
    def trainable(self) -> int:
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

    def part(self, name: str) -> Part | None:
        for part in self.parts:
            if part.name == name:
                return part
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.spec,
            "type": self.type,
            "input_width": self.input_width,
            "output_width": self.output_width,
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable": self.trainable,
            "formula": self.derivation.formula,
            "derivation": self.derivation.text(),
            "parts": {
                p.name: {"params": p.value, "formula": to_text(p.expr), "trainable": p.trainable} for p in self.parts
            },
        }


@dataclass(frozen=True)
class ModelCount:
    """The counted model: its layers in spec order, totals and how they were reached."""

    spec: str
    framework: str
    layers: tuple[LayerCount, ...]
    rules: Rules = CORRECT

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

    def layer(self, k: int) -> LayerCount:
        """Layer ``k`` counting from 1, ``Input`` included (as in ``layer[k]`` quantities)."""
        if not 1 <= k <= len(self.layers):
            raise UsageError(f"layer[{k}] does not exist: the model has {len(self.layers)} layers")
        return self.layers[k - 1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "spec": self.spec,
            "layers": [layer.to_dict() for layer in self.layers],
            "total": self.total,
            "trainable": self.trainable,
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
    if call.kwargs:
        arg = next(iter(call.kwargs.values()))
        raise SpecError("Input takes only sizes, e.g. Input(28, 28, 1)", arg.line, arg.column, source)
    if not call.args:
        raise SpecError("Input needs at least one size, e.g. Input(3)", call.line, call.column, source)
    dims = []
    for arg in call.args:
        if isinstance(arg.value, bool) or not isinstance(arg.value, int) or arg.value < 1:
            raise SpecError("Input sizes must be positive whole numbers", arg.line, arg.column, source)
        if arg.value > MAX_SIZE:
            raise SpecError(f"Input's sizes must be at most {MAX_SIZE}", arg.line, arg.column, source)
        dims.append(arg.value)
    return tuple(dims)


def _needs_sequence(names: list[str], index: int) -> bool:
    for name in names[index + 1 :]:
        if name in PASS_THROUGH:
            continue
        return name in SEQUENCE_CONSUMERS
    return False


def count_calls(
    calls: list[Call], framework: str = "keras", rules: Rules = CORRECT, source: str = "spec"
) -> ModelCount:
    if framework not in FRAMEWORKS:
        raise UsageError(f"unknown framework '{framework}': use keras or pytorch")
    names = [resolve_name(call, source) for call in calls]
    first = calls[0]
    if names[0] not in ("Input", "Embedding"):
        raise SpecError("a model starts with Input(...) or Embedding(...)", first.line, first.column, source)
    shape: Shape = ()
    model_width: int | None = None
    after_recurrent = False
    layers: list[LayerCount] = []
    for index, (call, name) in enumerate(zip(calls, names, strict=False)):
        if name == "Input":
            if index:
                raise SpecError("Input(...) can only start a model", call.line, call.column, source)
            shape = _input_dims(call, source)
            model_width = shape[-1]
            layers.append(LayerCount(1, call, "Input", None, shape, (), num(0)))
            continue
        if (name == "Embedding" and index > 1) or (index == 1 and names[0] != "Input" and name == "Embedding"):
            raise SpecError("Embedding(...) must come first or right after Input(...)", call.line, call.column, source)
        layer_type = LAYERS[name]
        args = bind(call, layer_type, framework, source)
        input_shape = shape
        if after_recurrent and name in RECURRENT_NAMES and rules.stacked_width != "actual" and shape:
            width = model_width if rules.stacked_width == "model_input" else 1
            shape = (*shape[:-1], width)
        ctx = Context(
            framework, rules, shape, call, _needs_sequence(names, index), after_recurrent, model_width, source
        )
        counted = layer_type.counter(args, ctx)
        layers.append(
            LayerCount(
                index + 1, call, name, input_shape or None, counted.output_shape, counted.parts, counted.total_expr()
            )
        )
        shape = counted.output_shape
        if name == "Embedding":
            model_width = shape[-1]
        if name not in PASS_THROUGH:
            after_recurrent = name in RECURRENT_NAMES
    spec = " -> ".join(call.canonical() for call in calls)
    return ModelCount(spec, framework, tuple(layers), rules)


def count(spec: str, framework: str = "keras", rules: Rules = CORRECT) -> ModelCount:
    """Count the parameters of a model written in the spec language.

    >>> count("Input(3) -> LSTM(5)").total
    180
    """
    return _count_cached(spec, framework, rules)


@lru_cache(maxsize=16384)
def _count_cached(spec: str, framework: str, rules: Rules) -> ModelCount:
    return count_calls(parse(spec), framework, rules)


__all__ = ["FRAMEWORKS", "LayerCount", "ModelCount", "count", "count_calls", "mul"]
