"""Multi-head self-attention in Keras' and PyTorch's parameterizations."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import add, mul, num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, Part


def _attention(args: dict[str, Any], ctx: Context) -> Counted:
    e, heads = ctx.width, args["heads"]
    width = num(e, "embedding width")
    bias = ctx.rules.bias
    if ctx.framework == "pytorch":
        if e % heads:
            raise ctx.error(f"PyTorch needs the embedding width {e} to be divisible by heads={heads}")
        weights = mul(num(4, "projections (q, k, v, out)"), width, width)
        biases = mul(num(4, "projections (q, k, v, out)"), width) if bias else None
    else:
        k = args["key_dim"]
        if k is None:
            raise ctx.error("Keras' MultiHeadAttention needs key_dim=k")
        h, kd = num(heads, "heads"), num(k, "key_dim")
        weights = mul(num(4, "projections (q, k, v, out)"), h, kd, width)
        biases = add(mul(num(3, "projections (q, k, v)"), h, kd), width) if bias else None
    parts = [Part("weights", weights)]
    if biases is not None:
        parts.append(Part("biases", biases))
    return Counted(tuple(parts), ctx.shape if len(ctx.shape) > 1 else (None, *ctx.shape))


ATTENTION_TYPES = {
    "MultiHeadAttention": LayerType(
        "MultiHeadAttention",
        (Param("heads", "size", positional=True), Param("key_dim", "size", None, only="keras")),
        _attention,
        sequence_layer=True,
    )
}
