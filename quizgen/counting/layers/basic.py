"""Input, Dense, TimeDistributed, Embedding, Flatten, Dropout and the normalization layers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.layers.base import (
    Context,
    Counted,
    LayerType,
    Param,
    Part,
    bind,
    is_last_axis,
    leading,
    times_macs,
)
from quizgen.counting.spec import Call


def dense_parts(units: int, width: int, bias: bool, ctx: Context) -> tuple[Part, ...]:
    parts = [Part("weights", mul(num(width, "inputs"), num(units, "units")))]
    if bias and ctx.rules.bias:
        parts.append(Part("biases", num(units, "biases")))
    return tuple(parts)


def positions(ctx: Context) -> list[Expr] | None:
    """Where a per-vector layer runs (every step of a sequence); one place under the per-step mistake."""
    return [] if ctx.rules.macs_per_step else leading(ctx.shape)


def _dense(args: dict[str, Any], ctx: Context) -> Counted:
    width = ctx.width
    if ctx.rules.sequence_width == "flattened" and len(ctx.shape) == 2 and ctx.shape[0] is not None:
        width = ctx.shape[0] * width  # the mistake: Dense reading the whole sequence at once
    units = args["units"]
    macs = times_macs(positions(ctx), num(width, "inputs"), num(units, "units"))
    return Counted(dense_parts(units, width, args["bias"], ctx), (*ctx.shape[:-1], units), macs=macs)


def _time_distributed(args: dict[str, Any], ctx: Context) -> Counted:
    from quizgen.counting.layers import ALIASES, LAYERS, RECURRENT_NAMES

    inner: Call = args["layer"]
    name = ALIASES.get(inner.name, inner.name)
    if (
        name not in LAYERS
        or name in RECURRENT_NAMES
        or (LAYERS[name].params and LAYERS[name].params[0].kind == "layer")
    ):
        raise ctx.error(f"TimeDistributed wraps a layer such as Dense(...) or Conv2D(...), not '{inner.name}'")
    inner_args = bind(inner, LAYERS[name], ctx.framework, ctx.source)
    shape = ctx.shape if len(ctx.shape) > 1 else (None, *ctx.shape)
    counted = LAYERS[name].counter(inner_args, replace(ctx, shape=shape[1:], call=inner, sequence_out=False))
    steps = shape[0]
    if counted.macs is None or (steps is None and not ctx.rules.macs_per_step):
        macs = None
    else:
        macs = counted.macs if ctx.rules.macs_per_step or steps is None else mul(num(steps, "steps"), counted.macs)
    return Counted(counted.parts, (steps, *counted.output_shape), counted.formula, macs=macs)


def _embedding(args: dict[str, Any], ctx: Context) -> Counted:
    expr = mul(num(args["vocab"], "tokens"), num(args["dim"], "dimensions"))
    steps = ctx.shape if ctx.shape else (None,)
    return Counted((Part("embeddings", expr),), (*steps, args["dim"]))


def _flatten(args: dict[str, Any], ctx: Context) -> Counted:
    if any(d is None for d in ctx.shape):
        raise ctx.error(
            "Flatten over an unknown size: give every dimension in Input(...) "
            "(e.g. Input(20, 8) for 20 steps of 8 features)"
        )
    size = 1
    for d in ctx.shape:
        size *= d or 1
    if ctx.rules.sequence_width == "last_step" and ctx.after_recurrent and len(ctx.shape) == 2:
        size = ctx.width  # the mistake: flattening as if the recurrent layer gave its last state only
    return Counted((), (size,), num(0))


def _passthrough(args: dict[str, Any], ctx: Context) -> Counted:
    return Counted((), ctx.shape, num(0))


def _last_axis(args: dict[str, Any], ctx: Context) -> None:
    axis = args.get("axis")
    if ctx.framework == "pytorch" and axis not in (None, -1):
        _normalized_shape(axis, ctx)
    elif not is_last_axis(axis, ctx.shape):
        raise ctx.error(f"{ctx.call.name} is counted over the last axis only (axis=-1)")


def _normalized_shape(value: Any, ctx: Context) -> None:
    """PyTorch's first argument of LayerNorm/RMSNorm: the normalized shape, which must be the input's last size."""
    sizes = value if isinstance(value, tuple) else (value,)
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in sizes):
        raise ctx.error(f"{ctx.call.name}'s normalized_shape must be a size such as {ctx.call.name}(768)")
    if len(sizes) != 1:
        raise ctx.error(f"{ctx.call.name} is counted over the last dimension only: write {ctx.call.name}(d)")
    if sizes[0] != ctx.width:
        raise ctx.error(f"{ctx.call.name}({sizes[0]}) normalizes {sizes[0]} features but its input has {ctx.width}")


def affine(args: dict[str, Any], ctx: Context, label: str) -> list[Part]:
    """gamma and beta of a normalization layer, as its options keep them."""
    c = num(ctx.width, label)
    if not ctx.rules.norm_params:
        return []
    if args.get("rms_scaling"):
        return [Part("gamma", c)]  # Keras: with rms_scaling only the scale is learnt
    scale = args["scale"] and args["affine"]
    center = args["center"] and args["affine"] and args["bias"]
    return [*([Part("gamma", c)] if scale else []), *([Part("beta", c)] if center else [])]


def _layer_norm(args: dict[str, Any], ctx: Context) -> Counted:
    _last_axis(args, ctx)
    parts = affine(args, ctx, "features")
    return Counted(tuple(parts), ctx.shape, _vectors(parts, ctx.width, "features"))


def _vectors(parts: list[Part], width: int, label: str) -> Expr:
    if len(parts) < 2:
        return add(*(p.expr for p in parts))
    return mul(num(len(parts), "vectors"), num(width, label))


def _batch_norm(args: dict[str, Any], ctx: Context) -> Counted:
    _last_axis(args, ctx)
    if not ctx.rules.norm_params:
        return Counted((), ctx.shape, num(0))
    if args.get("renorm") is True:
        raise ctx.error("BatchNormalization(renorm=true) keeps extra statistics that are not counted here")
    c = ctx.width
    parts = affine(args, ctx, "channels")
    if ctx.framework == "keras":
        stats_trainable = ctx.rules.nontrainable_as_trainable
        parts += [
            Part("moving_mean", num(c, "channels"), trainable=stats_trainable),
            Part("moving_variance", num(c, "channels"), trainable=stats_trainable),
        ]
    return Counted(tuple(parts), ctx.shape, _vectors(parts, c, "channels"))


def _rms_norm(args: dict[str, Any], ctx: Context) -> Counted:
    _last_axis(args, ctx)
    parts = (Part("gamma", num(ctx.width, "features")),) if ctx.rules.norm_params else ()
    return Counted(parts, ctx.shape, None if parts else num(0))


def _position_embedding(args: dict[str, Any], ctx: Context) -> Counted:
    """Learned positions added to the token embeddings: one vector of the embedding width per position."""
    if not ctx.rules.position_embeddings:
        return Counted((), ctx.shape, num(0))
    expr = mul(num(args["sequence_length"], "positions"), num(ctx.width, "dimensions"))
    return Counted((Part("embeddings", expr),), ctx.shape)


def _lm_head(args: dict[str, Any], ctx: Context) -> Counted:
    """The projection onto the vocabulary; tied, it reuses the token embedding's matrix."""
    vocab = args["vocab"]
    out = (*ctx.shape[:-1], vocab)
    macs = times_macs(positions(ctx), num(ctx.width, "inputs"), num(vocab, "vocabulary"))
    if args["tied"] and not ctx.rules.count_tied_head:
        return Counted((), out, num(0), macs=macs)
    parts = dense_parts(vocab, ctx.width, args["bias"], ctx)
    return Counted(parts, out, macs=macs)


def _group_norm(args: dict[str, Any], ctx: Context) -> Counted:
    _last_axis(args, ctx)
    groups = args["groups"]
    if ctx.width % groups:
        raise ctx.error(f"GroupNormalization: {ctx.width} channels do not split into {groups} groups")
    parts = affine(args, ctx, "channels")
    return Counted(tuple(parts), ctx.shape, _vectors(parts, ctx.width, "channels"))


def _bilinear(args: dict[str, Any], ctx: Context) -> Counted:
    a, b, out = args["in1_features"], args["in2_features"], args["out_features"]
    weights = Part("weights", mul(num(a, "inputs 1"), num(b, "inputs 2"), num(out, "outputs")))
    biases = [Part("biases", num(out, "biases"))] if args["bias"] and ctx.rules.bias else []
    macs = times_macs(positions(ctx), num(a, "inputs 1"), num(b, "inputs 2"), num(out, "outputs"))
    return Counted((weights, *biases), (*ctx.shape[:-1], out) if ctx.shape else (out,), macs=macs)


def _parameters(args: dict[str, Any], ctx: Context) -> Counted:
    return Counted((Part("parameters", num(args["count"], "parameters")),), ctx.shape)


def _input(args: dict[str, Any], ctx: Context) -> Counted:
    return Counted((), tuple(args["dims"]), num(0))


DENSE = LayerType(
    "Dense",
    (
        Param("units", "size", positional=True),
        Param("activation", "any", None, positional=True),
        Param("bias", "bool", True),
    ),
    _dense,
)
NORM_OPTIONS = (
    Param("axis", "any", -1, positional=True),
    Param("center", "bool", True, only="keras"),
    Param("scale", "bool", True, only="keras"),
    Param("affine", "bool", True, only="pytorch"),
    Param("bias", "bool", True, only="pytorch"),
)

BASIC_TYPES = {
    "Input": LayerType("Input", (), _input),
    "Dense": DENSE,
    "TimeDistributed": LayerType(
        "TimeDistributed", (Param("layer", "layer", positional=True),), _time_distributed, True
    ),
    "Embedding": LayerType(
        "Embedding", (Param("vocab", "size", positional=True), Param("dim", "size", positional=True)), _embedding
    ),
    "Bilinear": LayerType(
        "Bilinear",
        (
            Param("in1_features", "size", positional=True),
            Param("in2_features", "size", positional=True),
            Param("out_features", "size", positional=True),
            Param("bias", "bool", True),
        ),
        _bilinear,
    ),
    "PositionEmbedding": LayerType(
        "PositionEmbedding", (Param("sequence_length", "size", positional=True),), _position_embedding, True
    ),
    "LMHead": LayerType(
        "LMHead",
        (Param("vocab", "size", positional=True), Param("tied", "bool", True), Param("bias", "bool", False)),
        _lm_head,
    ),
    "Parameters": LayerType("Parameters", (Param("count", "size", positional=True),), _parameters),
    "Flatten": LayerType(
        "Flatten", (Param("data_format", "choice", "channels_last", choices=("channels_last",)),), _flatten
    ),
    "Dropout": LayerType("Dropout", (Param("rate", "rate", positional=True),), _passthrough),
    "LayerNormalization": LayerType(
        "LayerNormalization", (*NORM_OPTIONS, Param("rms_scaling", "bool", False, only="keras")), _layer_norm
    ),
    "BatchNormalization": LayerType(
        "BatchNormalization", (*NORM_OPTIONS, Param("renorm", "bool", False, only="keras")), _batch_norm
    ),
    "GroupNormalization": LayerType(
        "GroupNormalization", (Param("groups", "size", 32, positional=True), *NORM_OPTIONS), _group_norm
    ),
    "RMSNormalization": LayerType("RMSNormalization", (Param("axis", "any", -1, positional=True),), _rms_norm),
}
