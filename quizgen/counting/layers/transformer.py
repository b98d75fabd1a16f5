"""Transformer blocks: PyTorch's encoder and decoder layers, and the blocks of GPT-2, BERT and
Llama-family models (grouped-query attention, SwiGLU feed-forward or a mixture of SwiGLU experts,
RMSNorm)."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.layers.base import MAX_REPEAT, Context, Counted, LayerType, Param, Part


def _width(ctx: Context, d_model: int, name: str = "d_model") -> None:
    if ctx.width != d_model:
        raise ctx.error(f"{ctx.call.name}'s {name} is {d_model} but its input has {ctx.width} features")


def _heads(ctx: Context, d_model: int, heads: int) -> None:
    if d_model % heads:
        raise ctx.error(f"{ctx.call.name}: {d_model} features do not split into {heads} heads")


def _linear(n_in: int, n_out: int, bias: bool, a: str, b: str) -> Expr:
    """``n_in·n_out + n_out`` (or without the bias) with labelled factors."""
    return add(mul(num(n_in, a), num(n_out, b)), num(n_out, b) if bias else None)


def _norms(ctx: Context, width: int, bias: bool, count: int) -> list[Part]:
    if not ctx.rules.norm_params:
        return []
    vectors = count * (2 if bias else 1)
    return [Part("norms", mul(num(vectors, "norm vectors"), num(width, "features")))]


def _per_head(ctx: Context, heads: int) -> list[Expr]:
    """The mistake of giving each head its own full matrices (heads split d_model, they do not multiply it)."""
    return [num(heads, "heads")] if ctx.rules.attention_per_head else []


def _attention(e: int, bias: bool, ctx: Context, heads: int) -> Expr:
    projections = num(4, "projections (q, k, v, out)")
    weights = mul(*_per_head(ctx, heads), projections, num(e, "d_model"), num(e, "d_model"))
    return add(weights, mul(projections, num(e, "d_model")) if bias else None)


def _feed_forward(e: int, f: int, bias: bool) -> Expr:
    return add(
        mul(num(2, "matrices"), num(e, "d_model"), num(f, "feed-forward")),
        num(f, "feed-forward") if bias else None,
        num(e, "d_model") if bias else None,
    )


def _blocks(
    parts: list[Part], args: dict[str, Any], ctx: Context, macs: Expr | None, kv: Expr | None = None
) -> Counted:
    """A block's parts, multiply–accumulates and cached keys and values, repeated ``layers`` times."""
    times = args["layers"]
    if times == 1:
        return Counted(tuple(parts), ctx.shape, macs=macs, kv_per_token=kv)
    layers = num(times, "layers")
    each = add(*(p.expr for p in parts))
    repeated = tuple(Part(p.name, mul(layers, p.expr), p.trainable) for p in parts)
    return Counted(
        repeated,
        ctx.shape,
        mul(layers, each),
        macs=None if macs is None else mul(layers, macs),
        kv_per_token=None if kv is None else mul(layers, kv),
    )


def _cached(width: Expr | int, *factors: Expr) -> Expr:
    """Keys and values cached per token: 2 (K and V) × the width of each."""
    return mul(num(2, "tensors (K and V)"), *factors, width)


def _steps(ctx: Context) -> Expr | None:
    if ctx.rules.macs_per_step:
        return num(1, "step")
    if len(ctx.shape) != 2 or ctx.shape[0] is None:
        return None
    return num(ctx.shape[0], "steps")


def _scores(ctx: Context, t: Expr, width: int) -> Expr | None:
    """Scores and mixing, T·T·d each over all heads: the part quadratic in the sequence length."""
    if not ctx.rules.attention_scores:
        return None
    return mul(num(2, "products (scores, mixing)"), t, t, num(width, "d_model"))


def _block_macs(
    ctx: Context, projections: list[tuple[int, int]], width: int, extra: list[Expr] | None = None
) -> Expr | None:
    """T × each projection's (inputs × outputs), the attention scores, and any further products."""
    t = _steps(ctx)
    if t is None:
        return None
    products = [mul(t, num(a, "inputs"), num(b, "outputs")) for a, b in projections]
    return add(*products, _scores(ctx, t, width), *(extra or []))


def _torch_block(decoder: bool):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        e, heads, f = args["d_model"], args["nhead"], args["dim_feedforward"]
        bias = args["bias"] and ctx.rules.bias
        _width(ctx, e)
        _heads(ctx, e, heads)
        parts = [Part("self_attention", _attention(e, bias, ctx, heads))]
        if decoder:
            parts.append(Part("cross_attention", _attention(e, bias, ctx, heads)))
        parts.append(Part("feed_forward", _feed_forward(e, f, bias)))
        attention = [(e, e)] * 4
        projections = [*attention, *(attention if decoder else []), (e, f), (f, e)]
        t = _steps(ctx)
        cross = [_scores(ctx, t, e)] if decoder and t is not None and ctx.rules.attention_scores else []
        macs = _block_macs(ctx, projections, e, [c for c in cross if c is not None])
        kv = _cached(num(e, "d_model")) if decoder else None
        return _blocks([*parts, *_norms(ctx, e, args["bias"], 3 if decoder else 2)], args, ctx, macs, kv)

    return count


def _gpt2_block(args: dict[str, Any], ctx: Context) -> Counted:
    e, heads = args["d_model"], args["heads"]
    inner = args["inner"] or 4 * e
    _width(ctx, e)
    _heads(ctx, e, heads)
    bias = ctx.rules.bias
    qkv = mul(*_per_head(ctx, heads), num(e, "d_model"), num(3 * e, "q, k, v"))
    out = mul(*_per_head(ctx, heads), num(e, "d_model"), num(e, "d_model"))
    attention = add(qkv, num(3 * e, "q, k, v") if bias else None, out, num(e, "d_model") if bias else None)
    mlp = add(_linear(e, inner, bias, "d_model", "inner"), _linear(inner, e, bias, "inner", "d_model"))
    macs = _block_macs(ctx, [(e, 3 * e), (e, e), (e, inner), (inner, e)], e)
    parts = [Part("attention", attention), Part("mlp", mlp), *_norms(ctx, e, True, 2)]
    return _blocks(parts, args, ctx, macs, _cached(num(e, "d_model")))


def _bert_layer(args: dict[str, Any], ctx: Context) -> Counted:
    h, heads, i = args["hidden"], args["heads"], args["intermediate"]
    _width(ctx, h, "hidden")
    _heads(ctx, h, heads)
    bias = ctx.rules.bias
    four = num(4, "projections (q, k, v, out)")
    attention = add(
        mul(*_per_head(ctx, heads), four, num(h, "hidden"), num(h, "hidden")),
        mul(four, num(h, "hidden")) if bias else None,
    )
    feed_forward = add(_linear(h, i, bias, "hidden", "intermediate"), _linear(i, h, bias, "intermediate", "hidden"))
    parts = [Part("attention", attention), Part("feed_forward", feed_forward), *_norms(ctx, h, True, 2)]
    return _blocks(parts, args, ctx, _block_macs(ctx, [(h, h)] * 4 + [(h, i), (i, h)], h))


def _llama_layer(args: dict[str, Any], ctx: Context) -> Counted:
    h, heads, i = args["hidden"], args["heads"], args["intermediate"]
    kv = args["kv_heads"] or heads
    d = args["head_dim"] or h // heads
    _width(ctx, h, "hidden")
    if not args["head_dim"]:
        _heads(ctx, h, heads)
    if heads % kv:
        raise ctx.error(f"{ctx.call.name}: {heads} query heads do not share {kv} key/value heads evenly")
    experts, top_k = args["experts"], args["top_k"] or 2
    if experts is None and args["top_k"] is not None:
        raise ctx.error(f"{ctx.call.name}: top_k is the number of experts each token uses; give experts too")
    if experts is not None and top_k > experts:
        raise ctx.error(f"{ctx.call.name}: top_k={top_k} is more than its {experts} experts")
    if experts is not None and args["mlp_bias"]:
        raise ctx.error(f"{ctx.call.name}: experts have no mlp_bias here (no such block is counted)")
    ab, mb = args["attention_bias"] and ctx.rules.bias, args["mlp_bias"] and ctx.rules.bias
    qkv_b = ab or (args["qkv_bias"] and ctx.rules.bias)
    hidden = num(h, "hidden")
    q = mul(num(heads, "heads"), num(d, "head_dim"))
    kv_count = num(heads, "heads") if ctx.rules.kv_heads_as_heads else num(kv, "kv_heads")
    k_v = mul(num(2, "projections (k, v)"), kv_count, num(d, "head_dim"))
    attention = add(
        mul(hidden, q),
        mul(hidden, k_v),
        mul(q, hidden),
        add(q, k_v) if qkv_b else None,
        hidden if ab else None,
    )
    swiglu = mul(num(3, "matrices (gate, up, down)"), hidden, num(i, "intermediate"))
    norms = [Part("norms", mul(num(2, "RMSNorms"), hidden))] if ctx.rules.norm_params else []
    kv_width = (heads if ctx.rules.kv_heads_as_heads else kv) * d
    projections = [(h, heads * d), (h, kv_width), (h, kv_width), (heads * d, h)]
    kv_cached = _cached(num(d, "head_dim"), kv_count)
    if experts is None:
        mlp = add(
            swiglu,
            mul(num(2, "biases (gate, up)"), num(i, "intermediate")) if mb else None,
            hidden if mb else None,
        )
        macs = _block_macs(ctx, [*projections, (h, i), (h, i), (i, h)], heads * d)
        return _blocks([Part("attention", attention), Part("mlp", mlp), *norms], args, ctx, macs, kv_cached)
    # A mixture of experts: a router scores the experts, each token runs through top_k of them.
    router = mul(hidden, num(experts, "experts"))
    t = _steps(ctx)
    computed = num(experts, "experts") if ctx.rules.all_experts_computed else num(top_k, "experts per token")
    used = [mul(t, computed, swiglu)] if t is not None else []
    macs = _block_macs(ctx, [*projections, (h, experts)], heads * d, used)
    held = num(top_k, "experts per token") if ctx.rules.active_experts_only else num(experts, "experts")
    parts = [Part("attention", attention), Part("router", router), Part("experts", mul(held, swiglu))]
    return _blocks([*parts, *norms], args, ctx, macs, kv_cached)


LAYERS_OPTION = Param("layers", "size", 1, maximum=MAX_REPEAT)
TORCH_BLOCK = (
    Param("d_model", "size", positional=True),
    Param("nhead", "size", positional=True),
    Param("dim_feedforward", "size", 2048, positional=True),
    Param("bias", "bool", True),
    LAYERS_OPTION,
)

TRANSFORMER_ALIASES = {
    "RMSNorm": "RMSNormalization",
    "LlamaRMSNorm": "RMSNormalization",
    "LayerNorm": "LayerNormalization",
}
TRANSFORMER_TYPES = {
    "TransformerEncoderLayer": LayerType("TransformerEncoderLayer", TORCH_BLOCK, _torch_block(False), True),
    "TransformerDecoderLayer": LayerType("TransformerDecoderLayer", TORCH_BLOCK, _torch_block(True), True),
    "GPT2Block": LayerType(
        "GPT2Block",
        (
            Param("d_model", "size", positional=True),
            Param("heads", "size", positional=True),
            Param("inner", "size", None),
            LAYERS_OPTION,
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
            LAYERS_OPTION,
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
            Param("qkv_bias", "bool", False),
            Param("mlp_bias", "bool", False),
            Param("experts", "size", None),
            Param("top_k", "size", None),
            LAYERS_OPTION,
        ),
        _llama_layer,
        True,
    ),
}
