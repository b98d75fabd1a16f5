"""What a question asks of a counted model: ``total``, ``trainable``, ``layer[k]``, ``layer[k].part``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizgen.counting.expr import Derivation, add, num
from quizgen.counting.model import ModelCount
from quizgen.counting.rules import CORRECT
from quizgen.errors import UsageError

_QUANTITY = re.compile(r"^(total|trainable|layer\[(\d+)\](?:\.([a-z_]+))?)$")
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


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity; ``layer`` counts spec layers from 1 with ``Input`` included."""

    kind: str
    layer: int | None = None
    part: str | None = None

    def __str__(self) -> str:
        if self.kind != "layer":
            return self.kind
        return f"layer[{self.layer}]" + (f".{self.part}" if self.part else "")


def parse_quantity(text: str) -> Quantity:
    match = _QUANTITY.match(text.strip())
    if not match:
        raise UsageError(f"unknown quantity '{text}': use total, trainable, layer[k] or layer[k].<part>")
    if match.group(2) is None:
        return Quantity(match.group(1))
    part = match.group(3)
    if part is not None and part not in PART_NAMES:
        raise UsageError(f"unknown part '{part}' in '{text}': one of {', '.join(sorted(PART_NAMES))}")
    return Quantity("layer", int(match.group(2)), part)


def measure(model: ModelCount, quantity: Quantity | str) -> Derivation:
    """The derivation of a quantity on a counted model (its ``.value`` is the number)."""
    q = parse_quantity(quantity) if isinstance(quantity, str) else quantity
    if q.kind == "total":
        return model.total_derivation
    if q.kind == "trainable":
        return Derivation(add(*(num(layer.trainable) for layer in model.layers if layer.trainable)))
    assert q.layer is not None
    layer = model.layer(q.layer)
    if q.part is None:
        return layer.derivation
    part = layer.part(q.part)
    if part is None:
        if model.rules != CORRECT and q.part in ("input_weights", "recurrent_weights", "biases"):
            return Derivation(num(0))
        names = ", ".join(p.name for p in layer.parts) or "none"
        raise UsageError(f"layer[{q.layer}] ({layer.spec}) has no part '{q.part}' (it has: {names})")
    return Derivation(part.expr)
