"""Transformer blocks: PyTorch's encoder and decoder layers, and the blocks of GPT-2, BERT and
Llama-family models (grouped-query attention, SwiGLU feed-forward, RMSNorm)."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, Part


def _width(ctx: Context, d_model: int, name: str = "d_model") -> None:
    if ctx.width != d_model:
        raise ctx.error(f"{ctx.call.name}'s {name} is {d_model} but its input has {ctx.width} features")


def _heads(ctx: Context, d_model: int, heads: int) -> None:
    if d_model % heads:
        raise ctx.error(f"{ctx.call.name}: {d_model} features do not split into {heads} heads")


def _linear(n_in: int, n_out: int, bias: bool, a: str, b: str) -> Expr:
    """``n_in·n_out + n_out`` (or without the bias) with labelled factors."""
    return add(mul(num(n_in, a), num(n_out, b)), num(n_out, b) if bias else None)


def _norm(width: int, bias: bool, count: int) -> Expr:
    vectors = count * (2 if bias else 1)
    return mul(num(vectors, "norm vectors"), num(width, "features"))


def _attention(e: int, bias: bool) -> Expr:
    projections = num(4, "projections (q, k, v, out)")
    return add(
        mul(projections, num(e, "d_model"), num(e, "d_model")), mul(projections, num(e, "d_model")) if bias else None
    )


def _feed_forward(e: int, f: int, bias: bool) -> Expr:
    return add(
        mul(num(2, "matrices"), num(e, "d_model"), num(f, "feed-forward")),
        num(f, "feed-forward") if bias else None,
        num(e, "d_model") if bias else None,
    )


def _torch_block(decoder: bool):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        e, heads, f, bias = args["d_model"], args["nhead"], args["dim_feedforward"], args["bias"]
        _width(ctx, e)
        _heads(ctx, e, heads)
        parts = [Part("self_attention", _attention(e, bias))]
        if decoder:
            parts.append(Part("cross_attention", _attention(e, bias)))
        parts += [Part("feed_forward", _feed_forward(e, f, bias)), Part("norms", _norm(e, bias, 3 if decoder else 2))]
        return Counted(tuple(parts), ctx.shape)

    return count


def _gpt2_block(args: dict[str, Any], ctx: Context) -> Counted:
    e, heads = args["d_model"], args["heads"]
    inner = args["inner"] or 4 * e
    _width(ctx, e)
    _heads(ctx, e, heads)
    parts = (
        Part(
            "attention", add(_linear(e, 3 * e, True, "d_model", "q, k, v"), _linear(e, e, True, "d_model", "d_model"))
        ),
        Part("mlp", add(_linear(e, inner, True, "d_model", "inner"), _linear(inner, e, True, "inner", "d_model"))),
        Part("norms", _norm(e, True, 2)),
    )
    return Counted(parts, ctx.shape)


def _bert_layer(args: dict[str, Any], ctx: Context) -> Counted:
    h, heads, i = args["hidden"], args["heads"], args["intermediate"]
    _width(ctx, h, "hidden")
    _heads(ctx, h, heads)
    four = num(4, "projections (q, k, v, out)")
    parts = (
        Part("attention", add(mul(four, num(h, "hidden"), num(h, "hidden")), mul(four, num(h, "hidden")))),
        Part(
            "feed_forward",
            add(_linear(h, i, True, "hidden", "intermediate"), _linear(i, h, True, "intermediate", "hidden")),
        ),
        Part("norms", _norm(h, True, 2)),
    )
    return Counted(parts, ctx.shape)


def _llama_layer(args: dict[str, Any], ctx: Context) -> Counted:
    h, heads, i = args["hidden"], args["heads"], args["intermediate"]
    kv = args["kv_heads"] or heads
    d = args["head_dim"] or h // heads
    _width(ctx, h, "hidden")
    if not args["head_dim"]:
        _heads(ctx, h, heads)
    if heads % kv:
        raise ctx.error(f"{ctx.call.name}: {heads} query heads do not share {kv} key/value heads evenly")
    ab, mb = args["attention_bias"], args["mlp_bias"]
    hidden = num(h, "hidden")
    q = mul(num(heads, "heads"), num(d, "head_dim"))
    k_v = mul(num(2, "projections (k, v)"), num(kv, "kv_heads"), num(d, "head_dim"))
    attention = add(
        mul(hidden, q),
        mul(hidden, k_v),
        mul(q, hidden),
        add(q, k_v) if ab else None,
        hidden if ab else None,
    )
    mlp = add(
        mul(num(3, "matrices (gate, up, down)"), hidden, num(i, "intermediate")),
        mul(num(2, "biases (gate, up)"), num(i, "intermediate")) if mb else None,
        hidden if mb else None,
    )
    parts = (Part("attention", attention), Part("mlp", mlp), Part("norms", mul(num(2, "RMSNorms"), hidden)))
    return Counted(parts, ctx.shape)


TORCH_BLOCK = (
    Param("d_model", "size", positional=True),
    Param("nhead", "size", positional=True),
    Param("dim_feedforward", "size", 2048, positional=True),
    Param("bias", "bool", True),
)

TRANSFORMER_ALIASES = {"RMSNorm": "RMSNormalization", "LlamaRMSNorm": "RMSNormalization"}
TRANSFORMER_TYPES = {
    "TransformerEncoderLayer": LayerType("TransformerEncoderLayer", TORCH_BLOCK, _torch_block(False), True),
    "TransformerDecoderLayer": LayerType("TransformerDecoderLayer", TORCH_BLOCK, _torch_block(True), True),
    "GPT2Block": LayerType(
        "GPT2Block",
        (
            Param("d_model", "size", positional=True),
            Param("heads", "size", positional=True),
            Param("inner", "size", None),
        ),
        _gpt2_block,
        True,
    ),
    "BertLayer": LayerType(
        "BertLayer",
        (
            Param("hidden", "size", positional=True),
            Param("heads", "size", positional=True),
            Param("intermediate", "size", positional=True),
        ),
        _bert_layer,
        True,
    ),
    "LlamaDecoderLayer": LayerType(
        "LlamaDecoderLayer",
        (
            Param("hidden", "size", positional=True),
            Param("heads", "size", positional=True),
            Param("intermediate", "size", positional=True),
            Param("kv_heads", "size", None),
            Param("head_dim", "size", None),
            Param("attention_bias", "bool", False),
            Param("mlp_bias", "bool", False),
        ),
        _llama_layer,
        True,
    ),
}
