"""Multi-head attention in Keras' and PyTorch's parameterizations (self- or cross-attention)."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, Part

PROJECTIONS = "projections (q, k, v, out)"


def _keras(args: dict[str, Any], ctx: Context) -> Counted:
    if args["output_shape"] is not None or args["use_gate"]:
        raise ctx.error("MultiHeadAttention with output_shape or use_gate is not counted here")
    k = args["key_dim"]
    if k is None or args["heads"] is None:
        raise ctx.error("Keras' MultiHeadAttention needs its heads and key_dim=k")
    query = ctx.shape
    value = ctx.inputs[1] if len(ctx.inputs) > 1 else query
    key = ctx.inputs[2] if len(ctx.inputs) > 2 else value
    eq, ev, ek = query[-1], value[-1], key[-1]
    v = args["value_dim"] or k
    if eq is None or ev is None or ek is None:
        raise ctx.error("MultiHeadAttention needs known feature widths")
    h, kd = num(args["heads"], "heads"), num(k, "key_dim")
    bias = args["bias"] and ctx.rules.bias
    if eq == ev == ek and v == k:
        width = num(eq, "embedding width")
        weights = mul(num(4, PROJECTIONS), h, kd, width)
        biases: Expr | None = add(mul(num(3, "projections (q, k, v)"), h, kd), width) if bias else None
    else:
        vd = num(v, "value_dim")
        weights = add(
            mul(num(eq, "query width"), h, kd),
            mul(num(ek, "key width"), h, kd),
            mul(num(ev, "value width"), h, vd),
            mul(h, vd, num(eq, "query width")),
        )
        biases = add(mul(h, kd), mul(h, kd), mul(h, vd), num(eq, "query width")) if bias else None
    parts = [Part("weights", weights), *([Part("biases", biases)] if biases is not None else [])]
    tq, tk = steps(ctx, query), steps(ctx, value)
    macs = None
    if tq is not None and tk is not None:
        h_, k_, v_ = num(args["heads"], "heads"), num(k, "key_dim"), num(v, "value_dim")
        macs = add(
            mul(tq, num(eq, "query width"), h_, k_),
            mul(tk, num(ek, "key width"), h_, k_),
            mul(tk, num(ev, "value width"), h_, v_),
            mul(h_, tq, tk, k_) if ctx.rules.attention_scores else None,
            mul(h_, tq, tk, v_) if ctx.rules.attention_scores else None,
            mul(tq, h_, v_, num(eq, "query width")),
        )
    h_, k_, v_ = num(args["heads"], "heads"), num(k, "key_dim"), num(v, "value_dim")
    kv = add(mul(h_, k_), mul(h_, v_))
    return Counted(tuple(parts), query if len(query) > 1 else (None, *query), macs=macs, kv_per_token=kv)


def steps(ctx: Context, shape: tuple[int | None, ...]) -> Expr | None:
    """A sequence's length as a factor (1 under the per-step mistake); None when unknown."""
    if ctx.rules.macs_per_step:
        return num(1, "step")
    if len(shape) != 2 or shape[0] is None:
        return None
    return num(shape[0], "steps")


def _pytorch(args: dict[str, Any], ctx: Context) -> Counted:
    e, heads = ctx.width, args["heads"]
    if heads is not None and e % heads:
        raise ctx.error(f"PyTorch needs the embedding width {e} to be divisible by heads={heads}")
    kdim, vdim = args["kdim"] or e, args["vdim"] or e
    width = num(e, "embedding width")
    bias = args["bias"] and ctx.rules.bias
    per_head = [num(heads, "heads")] if ctx.rules.attention_per_head and heads else []
    if kdim == vdim == e:
        weights = mul(*per_head, num(4, PROJECTIONS), width, width)
    else:
        weights = add(
            mul(width, width),
            mul(width, num(kdim, "key width")),
            mul(width, num(vdim, "value width")),
            mul(width, width),
        )
    parts = [Part("weights", weights)]
    if bias:
        parts.append(Part("biases", mul(num(4, PROJECTIONS), width)))
    if args["add_bias_kv"]:
        parts.append(Part("bias_kv", mul(num(2, "vectors (k, v)"), width)))
    t = steps(ctx, ctx.shape)
    macs = None
    if t is not None:
        macs = add(
            mul(t, width, width),
            mul(t, num(kdim, "key width"), width),
            mul(t, num(vdim, "value width"), width),
            mul(num(2, "products (scores, mixing)"), t, t, width) if ctx.rules.attention_scores else None,
            mul(t, width, width),
        )
    kv = mul(num(2, "tensors (K and V)"), width)
    shape = ctx.shape if len(ctx.shape) > 1 else (None, *ctx.shape)
    return Counted(tuple(parts), shape, macs=macs, kv_per_token=kv)


def _attention(args: dict[str, Any], ctx: Context) -> Counted:
    return _pytorch(args, ctx) if ctx.framework == "pytorch" else _keras(args, ctx)


ATTENTION_TYPES = {
    "MultiHeadAttention": LayerType(
        "MultiHeadAttention",
        (
            Param("heads", "size", None, positional=True),
            Param("key_dim", "size", None, positional=True, only="keras"),
            Param("value_dim", "size", None, positional=True, only="keras"),
            Param("bias", "bool", True),
            Param("output_shape", "any", None, only="keras"),
            Param("use_gate", "bool", False, only="keras"),
            Param("kdim", "size", None, only="pytorch"),
            Param("vdim", "size", None, only="pytorch"),
            Param("add_bias_kv", "bool", False, only="pytorch"),
        ),
        _attention,
        sequence_layer=True,
    )
}
ATTENTION_ALIASES = {"MultiheadAttention": "MultiHeadAttention"}
