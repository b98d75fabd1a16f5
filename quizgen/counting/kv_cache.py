"""The keys and values an attention stack caches for one sequence (§10), as a worked product."""

from __future__ import annotations

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.model import ModelCount
from quizgen.errors import UsageError


def kv_cache_elements(model: ModelCount) -> Expr:
    """Cached numbers of one sequence: each caching layer's keys and values a token × its tokens."""
    cached = [layer for layer in model.layers if layer.kv_per_token is not None]
    if not cached:
        raise UsageError("kv_cache_bytes: the model has no attention layer that caches keys and values")
    terms = []
    for layer in cached:
        steps = layer.input_shape[0] if layer.input_shape and len(layer.input_shape) == 2 else None
        if steps is None:
            raise UsageError(f"kv_cache_bytes: {layer.spec} needs the sequence length, as in Input(tokens, width)")
        assert layer.kv_per_token is not None
        terms.append(mul(layer.kv_per_token, num(steps, "tokens")))
    return add(*terms)
