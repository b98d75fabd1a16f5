"""What a question asks of a counted model: parameters (``total``, ``trainable``, ``layer[k]``,
``layer[k].part``), operations (``macs``, ``flops``, ``layer[k].macs``), shapes (``output_shape[k]``,
``output_shape[k][d]``) and memory (``weight_bytes(float16)``, ``activation_bytes(…)``,
``kv_cache_bytes(…)``); training and deployment (``train_bytes(adamw, bf16-mixed)``, ``train_flops(…)``,
``lora_params(…)``, ``quant_bytes(…)``, ``receptive_field[k]``…: ``training_quantities``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizgen.counting.expr import Derivation, Expr, add, mul, num
from quizgen.counting.figure import Figure
from quizgen.counting.kv_cache import kv_cache_elements
from quizgen.counting.model import DTYPE_BYTES, LayerCount, ModelCount
from quizgen.counting.rules import CORRECT
from quizgen.counting.training_quantities import BYTE_KINDS, UNIT_KINDS, is_training, measure_asked, parse_asked
from quizgen.counting.training_quantities import KINDS as TRAINING_KINDS
from quizgen.counting.training_quantities import PATTERN as TRAINING_PATTERN
from quizgen.errors import UsageError

PART_NAMES = frozenset(
    {
        "input_weights",
        "recurrent_weights",
        "biases",
        "projection_weights",
        "weights",
        "embeddings",
        "gamma",
        "beta",
        "depthwise_weights",
        "pointwise_weights",
        "attention",
        "self_attention",
        "cross_attention",
        "feed_forward",
        "mlp",
        "norms",
    }
)
MEMORY = ("weight_bytes", "activation_bytes", "kv_cache_bytes")
PARAMETER_KINDS = frozenset({"total", "trainable", "layer"})
"""Quantities that count parameters (the others count operations, sizes or bytes)."""
_DTYPES = "|".join(DTYPE_BYTES)
QUANTITY_PATTERN = (
    r"^(total|trainable|macs|flops"
    r"|layer\[\d+\](\.(" + "|".join(sorted(PART_NAMES | {"macs"})) + r"))?"
    r"|output_shape\[\d+\](\[\d+\])?"
    r"|(" + "|".join(MEMORY) + r")(\((" + _DTYPES + r")\))?"
    r"|" + TRAINING_PATTERN + r")$"
)
_LAYER = re.compile(r"^layer\[(\d+)\](?:\.([a-z_]+))?$")
_SHAPE = re.compile(r"^output_shape\[(\d+)\](?:\[(\d+)\])?$")
_MEMORY = re.compile(r"^(" + "|".join(MEMORY) + r")(?:\((" + _DTYPES + r")\))?$")


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity; ``layer`` counts spec layers from 1 with ``Input`` included."""

    kind: str
    layer: int | None = None
    part: str | None = None
    dim: int | None = None
    dtype: str = "float32"
    text: str = ""
    """A training quantity as written, with its options (``train_bytes(adamw, bf16-mixed)``)."""

    def __str__(self) -> str:
        if self.kind in TRAINING_KINDS:
            return self.text
        if self.kind == "layer":
            return f"layer[{self.layer}]" + (f".{self.part}" if self.part else "")
        if self.kind == "output_shape":
            return f"output_shape[{self.layer}]" + (f"[{self.dim}]" if self.dim else "")
        if self.kind in MEMORY:
            return f"{self.kind}({self.dtype})"
        return self.kind

    @property
    def counts_parameters(self) -> bool:
        return self.kind in PARAMETER_KINDS and self.part != "macs"

    @property
    def counts_operations(self) -> bool:
        return self.kind in ("macs", "flops") or self.part == "macs"

    @property
    def in_bytes(self) -> bool:
        return self.kind in MEMORY or self.kind in BYTE_KINDS

    @property
    def unit_kind(self) -> str:
        """How an answer is read: parameters, operations, bytes, shape, or a training quantity's
        kind (flops, days, tokens, count, ratio, percent…)."""
        if self.kind in TRAINING_KINDS:
            return UNIT_KINDS[self.kind]
        if self.in_bytes:
            return "bytes"
        if self.counts_operations:
            return "operations"
        return "shape" if self.kind == "output_shape" else "parameters"

    @property
    def is_shape(self) -> bool:
        """A whole output shape (asked as multiple choice), not one number."""
        return self.kind == "output_shape" and self.dim is None


def parse_quantity(text: str) -> Quantity:
    text = text.strip()
    if text in ("total", "trainable", "macs", "flops"):
        return Quantity(text)
    layer = _LAYER.match(text)
    if layer:
        part = layer.group(2)
        if part is not None and part not in PART_NAMES | {"macs"}:
            raise UsageError(f"unknown part '{part}' in '{text}': one of {', '.join(sorted(PART_NAMES))} or macs")
        return Quantity("layer", int(layer.group(1)), part)
    shape = _SHAPE.match(text)
    if shape:
        dim = int(shape.group(2)) if shape.group(2) else None
        if dim == 0:
            raise UsageError(f"'{text}': dimensions count from 1 (the batch axis is not counted)")
        return Quantity("output_shape", int(shape.group(1)), dim=dim)
    memory = _MEMORY.match(text)
    if memory:
        return Quantity(memory.group(1), dtype=memory.group(2) or "float32")
    if is_training(text):
        asked = parse_asked(text)
        return Quantity(asked.kind, asked.layer, text=str(asked))
    raise UsageError(
        f"unknown quantity '{text}': use total, trainable, layer[k], layer[k].<part>, layer[k].macs, macs, flops, "
        "output_shape[k], output_shape[k][d], weight_bytes(dtype), activation_bytes(dtype), kv_cache_bytes(dtype),"
        " or a training quantity: " + ", ".join(sorted(TRAINING_KINDS))
    )


def measure(model: ModelCount, quantity: Quantity | str) -> Derivation | Figure:
    """The derivation of a numeric quantity on a counted model (its ``.value`` is the number)."""
    q = parse_quantity(quantity) if isinstance(quantity, str) else quantity
    if q.kind in TRAINING_KINDS:
        return measure_asked(model, parse_asked(q.text))
    if q.kind == "total":
        return model.total_derivation
    if q.kind == "trainable":
        return Derivation(add(*(num(layer.trainable) for layer in model.layers if layer.trainable)))
    if q.kind in ("macs", "flops"):
        macs = _model_macs(model)
        return Derivation(mul(num(2, "FLOPs per MAC"), macs) if q.kind == "flops" else macs)
    if q.kind in MEMORY:
        return Derivation(_memory(model, q))
    assert q.layer is not None
    layer = model.layer(q.layer)
    if q.kind == "output_shape":
        return Derivation(num(_dimension(layer, q)))
    if q.part is None:
        return layer.derivation
    if q.part == "macs":
        if layer.macs_expr is None:
            raise UsageError(f"layer[{q.layer}] ({layer.spec}): its MACs need the sequence length, unknown here")
        return Derivation(layer.macs_expr)
    part = layer.part(q.part)
    if part is None:
        if model.rules != CORRECT and q.part in ("input_weights", "recurrent_weights", "biases", "norms"):
            return Derivation(num(0))
        names = ", ".join(p.name for p in layer.parts) or "none"
        raise UsageError(f"layer[{q.layer}] ({layer.spec}) has no part '{q.part}' (it has: {names})")
    return Derivation(part.expr)


def shape_text(shape: tuple[int | None, ...]) -> str:
    """``26×26×32`` (``?`` for an unknown size)."""
    return "×".join("?" if d is None else str(d) for d in shape)


def measure_shape(model: ModelCount, quantity: Quantity | str) -> str:
    """The answer to ``output_shape[k]``: the layer's output shape for one sample, as ``26×26×32``."""
    q = parse_quantity(quantity) if isinstance(quantity, str) else quantity
    assert q.layer is not None
    return shape_text(model.layer(q.layer).output_shape)


def size_note(model: ModelCount, quantity: Quantity) -> str | None:
    """How a spatial output size was worked out (``⌊(28 − 3) / 2⌋ + 1 = 13``), where there is one."""
    layer = model.layer(quantity.layer or 1)
    if quantity.dim is None or quantity.dim > len(layer.size_notes):
        return None
    return layer.size_notes[quantity.dim - 1] or None


def _dimension(layer: LayerCount, q: Quantity) -> int:
    assert q.dim is not None
    if q.dim > len(layer.output_shape):
        raise UsageError(f"output_shape[{q.layer}][{q.dim}]: {layer.spec} gives {len(layer.output_shape)} dimension(s)")
    value = layer.output_shape[q.dim - 1]
    if value is None:
        raise UsageError(f"output_shape[{q.layer}][{q.dim}] of {layer.spec} is unknown (a sequence of unknown length)")
    return value


def _model_macs(model: ModelCount) -> Expr:
    counted = [layer for layer in model.layers if layer.macs != 0]
    if any(layer.macs_expr is None for layer in counted):
        raise UsageError("MACs need every size: give the sequence length in Input(steps, features)")
    if len(counted) == 1 and counted[0].macs_expr is not None:
        return counted[0].macs_expr
    return add(*(num(layer.macs or 0) for layer in counted))


def _memory(model: ModelCount, q: Quantity) -> Expr:
    width = num(DTYPE_BYTES[q.dtype], f"bytes ({q.dtype})")
    if q.kind == "weight_bytes":
        return mul(num(model.total, "parameters"), width)
    if q.kind == "activation_bytes":
        sizes = [layer.output_size for layer in model.layers if layer.type != "Input"]
        if any(size is None for size in sizes):
            raise UsageError("activation memory needs every size: give the sequence length in Input(steps, features)")
        return mul(add(*(num(size or 0) for size in sizes)), width)
    return mul(kv_cache_elements(model), width)
