"""Input, Dense, TimeDistributed, Embedding, Flatten, Dropout and the normalization layers."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import mul, num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, Part, bind
from quizgen.counting.spec import Call


def dense_parts(units: int, width: int, bias: bool, ctx: Context) -> tuple[Part, ...]:
    parts = [Part("weights", mul(num(width, "inputs"), num(units, "units")))]
    if bias and ctx.rules.bias:
        parts.append(Part("biases", num(units, "biases")))
    return tuple(parts)


def _dense(args: dict[str, Any], ctx: Context) -> Counted:
    width = ctx.width
    return Counted(dense_parts(args["units"], width, args["bias"], ctx), (*ctx.shape[:-1], args["units"]))


def _time_distributed(args: dict[str, Any], ctx: Context) -> Counted:
    inner: Call = args["layer"]
    if inner.name != "Dense":
        raise ctx.error(f"TimeDistributed wraps Dense(...) here, not '{inner.name}'")
    inner_args = bind(inner, DENSE, ctx.framework, ctx.source)
    shape = ctx.shape if len(ctx.shape) > 1 else (None, *ctx.shape)
    return Counted(
        dense_parts(inner_args["units"], ctx.width, inner_args["bias"], ctx), (*shape[:-1], inner_args["units"])
    )


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
    return Counted((), (size,), num(0))


def _passthrough(args: dict[str, Any], ctx: Context) -> Counted:
    return Counted((), ctx.shape, num(0))


def _layer_norm(args: dict[str, Any], ctx: Context) -> Counted:
    c = ctx.width
    return Counted((Part("gamma", num(c, "features")), Part("beta", num(c, "features"))), ctx.shape)


def _batch_norm(args: dict[str, Any], ctx: Context) -> Counted:
    c = ctx.width
    parts = [Part("gamma", num(c, "channels")), Part("beta", num(c, "channels"))]
    if ctx.framework == "keras":
        stats_trainable = ctx.rules.nontrainable_as_trainable
        parts += [
            Part("moving_mean", num(c, "channels"), trainable=stats_trainable),
            Part("moving_variance", num(c, "channels"), trainable=stats_trainable),
        ]
    stats = len(parts)
    return Counted(tuple(parts), ctx.shape, mul(num(stats, "vectors"), num(c, "channels")))


def _input(args: dict[str, Any], ctx: Context) -> Counted:
    return Counted((), tuple(args["dims"]), num(0))


DENSE = LayerType("Dense", (Param("units", "size", positional=True), Param("bias", "bool", True)), _dense)

BASIC_TYPES = {
    "Input": LayerType("Input", (), _input),
    "Dense": DENSE,
    "TimeDistributed": LayerType(
        "TimeDistributed", (Param("layer", "layer", positional=True),), _time_distributed, True
    ),
    "Embedding": LayerType(
        "Embedding", (Param("vocab", "size", positional=True), Param("dim", "size", positional=True)), _embedding
    ),
    "Flatten": LayerType("Flatten", (), _flatten),
    "Dropout": LayerType("Dropout", (Param("rate", "rate", positional=True),), _passthrough),
    "LayerNormalization": LayerType("LayerNormalization", (), _layer_norm),
    "BatchNormalization": LayerType("BatchNormalization", (), _batch_norm),
}
