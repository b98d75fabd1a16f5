"""Layers that hold no parameters (activations, masking, dropout variants) or only reshape their
input (RepeatVector, Reshape, Permute, padding, up-sampling, cropping); and PReLU's slopes."""

from __future__ import annotations

import math
from typing import Any

from quizgen.counting.expr import mul, num
from quizgen.counting.layers.base import (
    Context,
    Counted,
    LayerType,
    Param,
    Part,
    Shape,
    format_shape,
    is_last_axis,
    spatial,
)


def _same(args: dict[str, Any], ctx: Context) -> Counted:
    return Counted((), ctx.shape, num(0))


def _repeat_vector(args: dict[str, Any], ctx: Context) -> Counted:
    if len(ctx.shape) != 1:
        raise ctx.error(f"RepeatVector takes a vector, got shape {format_shape(ctx.shape)}")
    return Counted((), (args["times"], ctx.width), num(0))


def _reshape(args: dict[str, Any], ctx: Context) -> Counted:
    target: tuple[int, ...] = args["shape"]
    if target.count(-1) > 1:
        raise ctx.error("Reshape takes at most one -1")
    if any(d is None for d in ctx.shape):
        if -1 in target:
            raise ctx.error("Reshape with -1 needs every input size known")
        return Counted((), target, num(0))
    size = math.prod(d for d in ctx.shape if d is not None)
    known = math.prod(d for d in target if d != -1)
    if -1 in target:
        if size % known:
            raise ctx.error(f"cannot reshape {format_shape(ctx.shape)} to {format_shape(target)}")
        target = tuple(size // known if d == -1 else d for d in target)
    elif known != size:
        raise ctx.error(f"cannot reshape {format_shape(ctx.shape)} ({size} values) to {format_shape(target)}")
    return Counted((), target, num(0))


def _permute(args: dict[str, Any], ctx: Context) -> Counted:
    dims: tuple[int, ...] = args["dims"]
    if sorted(dims) != list(range(1, len(ctx.shape) + 1)):
        raise ctx.error(f"Permute's dims must order 1…{len(ctx.shape)} (the input is {format_shape(ctx.shape)})")
    return Counted((), tuple(ctx.shape[d - 1] for d in dims), num(0))


def _pairs(value: Any, rank: int) -> list[tuple[int, int]]:
    """ZeroPadding/Cropping amounts per spatial dimension as (before, after)."""
    if isinstance(value, int):
        return [(value, value)] * rank
    if rank == 1:
        return [tuple(value)] if len(value) == 2 else [(value[0], value[0])]  # type: ignore[list-item]
    result = []
    for item in value:
        result.append(tuple(item) if isinstance(item, tuple) else (item, item))
    return result  # type: ignore[return-value]


def _grown(rank: int, what: str):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        if len(ctx.shape) != rank + 1 and not (rank == 1 and len(ctx.shape) == 1):
            raise ctx.error(
                f"{ctx.call.name} expects {'(steps, channels)' if rank == 1 else '(height, width, channels)'} input"
            )
        sizes = list(ctx.shape[:-1]) if len(ctx.shape) == rank + 1 else [None]
        if what == "up":
            factors = spatial(args["size"], rank)
            out = [None if n is None else n * f for n, f in zip(sizes, factors, strict=True)]
        else:
            amounts = _pairs(args["amount"], rank)
            if len(amounts) != rank:
                raise ctx.error(f"{ctx.call.name} needs {rank} amount(s)")
            sign = 1 if what == "pad" else -1
            out = [None if n is None else n + sign * (a + b) for n, (a, b) in zip(sizes, amounts, strict=True)]
            if any(n is not None and n < 1 for n in out):
                raise ctx.error(f"{ctx.call.name} crops away the whole input")
        return Counted((), (*out, ctx.width), num(0))

    return count


def _prelu(args: dict[str, Any], ctx: Context) -> Counted:
    if ctx.framework == "pytorch":
        n = args["num_parameters"]
        return Counted((Part("slopes", num(n, "slopes")),), ctx.shape)
    shared = args["shared_axes"]
    shared_axes = set(shared if isinstance(shared, tuple) else (shared,)) if shared is not None else set()
    dims: list[int] = []
    for axis, d in enumerate(ctx.shape, start=1):
        if axis in shared_axes:
            continue
        if d is None:
            raise ctx.error("PReLU over an unknown size: give the size, or share that axis (shared_axes)")
        dims.append(d)
    return Counted((Part("slopes", mul(*(num(d, "positions") for d in dims)) if dims else num(1)),), ctx.shape)


def _normalization(args: dict[str, Any], ctx: Context) -> Counted:
    """Keras' Normalization: a mean and a variance per feature and a sample count, none trainable."""
    if not is_last_axis(args["axis"], ctx.shape):
        raise ctx.error("Normalization is counted over the last axis only (axis=-1)")
    c = num(ctx.width, "features")
    parts = (Part("mean", c, False), Part("variance", c, False), Part("count", num(1), False))
    return Counted(parts, ctx.shape)


def _operation(args: dict[str, Any], ctx: Context) -> Counted:
    """A weightless function of its inputs (a Keras op layer, a Lambda): its output shape, where a
    file does not record it, is unknown, so that no layer after it is counted on a guessed width."""
    shape = args["output_shape"]
    if isinstance(shape, tuple) and all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in shape):
        return Counted((), shape, num(0))
    return Counted((), tuple(None for _ in ctx.shape) or (None,), num(0))


NO_OPTIONS: tuple[Param, ...] = ()
RATE = (Param("rate", "rate", positional=True),)

SHAPING_TYPES = {
    "Activation": LayerType("Activation", (Param("activation", "any", None, positional=True),), _same),
    "ReLU": LayerType("ReLU", (Param("max_value", "any", None), Param("threshold", "any", None)), _same),
    "LeakyReLU": LayerType("LeakyReLU", (Param("negative_slope", "any", None, positional=True),), _same),
    "ELU": LayerType("ELU", (Param("alpha", "any", None, positional=True),), _same),
    "Softmax": LayerType("Softmax", (Param("axis", "any", -1, positional=True),), _same),
    "Identity": LayerType("Identity", NO_OPTIONS, _same),
    "Operation": LayerType("Operation", (Param("output_shape", "any", None),), _operation),
    "Masking": LayerType("Masking", (Param("mask_value", "any", 0.0, positional=True),), _same),
    "GaussianNoise": LayerType("GaussianNoise", (Param("stddev", "any", None, positional=True),), _same),
    "GaussianDropout": LayerType("GaussianDropout", RATE, _same),
    "AlphaDropout": LayerType("AlphaDropout", RATE, _same),
    "SpatialDropout1D": LayerType("SpatialDropout1D", RATE, _same, sequence_layer=True),
    "SpatialDropout2D": LayerType("SpatialDropout2D", RATE, _same),
    "RepeatVector": LayerType("RepeatVector", (Param("times", "size", positional=True),), _repeat_vector),
    "Reshape": LayerType("Reshape", (Param("shape", "dims", positional=True),), _reshape),
    "Permute": LayerType("Permute", (Param("dims", "dims", positional=True),), _permute),
    "ZeroPadding1D": LayerType(
        "ZeroPadding1D", (Param("amount", "amounts", 1, positional=True),), _grown(1, "pad"), sequence_layer=True
    ),
    "ZeroPadding2D": LayerType("ZeroPadding2D", (Param("amount", "amounts", 1, positional=True),), _grown(2, "pad")),
    "Cropping1D": LayerType(
        "Cropping1D", (Param("amount", "amounts", (1, 1), positional=True),), _grown(1, "crop"), sequence_layer=True
    ),
    "Cropping2D": LayerType("Cropping2D", (Param("amount", "amounts", 0, positional=True),), _grown(2, "crop")),
    "UpSampling1D": LayerType(
        "UpSampling1D", (Param("size", "size", 2, positional=True),), _grown(1, "up"), sequence_layer=True
    ),
    "UpSampling2D": LayerType("UpSampling2D", (Param("size", "size_or_pair", 2, positional=True),), _grown(2, "up")),
    **{
        name: LayerType(name, (), _same, open_options=True)
        for name in (
            "Lambda",
            "Rescaling",
            "RandomFlip",
            "RandomRotation",
            "RandomZoom",
            "RandomTranslation",
            "RandomContrast",
            "RandomBrightness",
            "ActivityRegularization",
            "UnitNormalization",
            "ThresholdedReLU",
        )
    },
    "Normalization": LayerType(
        "Normalization", (Param("axis", "any", -1, positional=True),), _normalization, open_options=True
    ),
    "PReLU": LayerType(
        "PReLU",
        (Param("shared_axes", "any", None, only="keras"), Param("num_parameters", "size", 1, only="pytorch")),
        _prelu,
    ),
}
__all__ = ["SHAPING_TYPES", "Shape"]
