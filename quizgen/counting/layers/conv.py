"""Conv1D, Conv2D and max pooling, with output sizes tracked through stride and padding."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import mul, num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, Part, pair


def out_size(size: int | None, kernel: int, stride: int, padding: str, ctx: Context) -> int | None:
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    if size < kernel:
        raise ctx.error(f"kernel {kernel} is larger than the input size {size} (padding=valid)")
    return (size - kernel) // stride + 1


def _conv_parts(kernel_area: list[int], channels: int, filters: int, bias: bool, ctx: Context) -> tuple[Part, ...]:
    kernel = [num(k, "kernel") for k in kernel_area]
    chan = [num(channels, "channels")] if ctx.rules.conv_channels else []
    parts = [Part("weights", mul(*kernel, *chan, num(filters, "filters")))]
    if bias and ctx.rules.bias:
        parts.append(Part("biases", num(filters, "biases")))
    return tuple(parts)


def _check_same(args: dict[str, Any], ctx: Context, strides: tuple[int, ...]) -> None:
    if ctx.framework == "pytorch" and args["padding"] == "same" and any(s != 1 for s in strides):
        raise ctx.error("PyTorch allows padding=same only with stride=1")


def _conv1d(args: dict[str, Any], ctx: Context) -> Counted:
    if len(ctx.shape) > 2:
        raise ctx.error("Conv1D expects (steps, channels) input")
    length = ctx.shape[0] if len(ctx.shape) == 2 else None
    k, s = args["kernel"], args["stride"]
    _check_same(args, ctx, (s,))
    out = out_size(length, k, s, args["padding"], ctx)
    parts = _conv_parts([k], ctx.width, args["filters"], args["bias"], ctx)
    return Counted(parts, (out, args["filters"]))


def _conv2d(args: dict[str, Any], ctx: Context) -> Counted:
    if len(ctx.shape) != 3:
        raise ctx.error("Conv2D expects (height, width, channels) input, e.g. Input(28, 28, 1)")
    (kh, kw), (sh, sw) = pair(args["kernel"]), pair(args["stride"])
    _check_same(args, ctx, (sh, sw))
    height = out_size(ctx.shape[0], kh, sh, args["padding"], ctx)
    width = out_size(ctx.shape[1], kw, sw, args["padding"], ctx)
    parts = _conv_parts([kh, kw], ctx.width, args["filters"], args["bias"], ctx)
    return Counted(parts, (height, width, args["filters"]))


def _pool1d(args: dict[str, Any], ctx: Context) -> Counted:
    if len(ctx.shape) > 2:
        raise ctx.error("MaxPooling1D expects (steps, channels) input")
    length = ctx.shape[0] if len(ctx.shape) == 2 else None
    p = args["pool"]
    return Counted((), (out_size(length, p, p, "valid", ctx), ctx.width), num(0))


def _pool2d(args: dict[str, Any], ctx: Context) -> Counted:
    if len(ctx.shape) != 3:
        raise ctx.error("MaxPooling2D expects (height, width, channels) input")
    ph, pw = pair(args["pool"])
    height = out_size(ctx.shape[0], ph, ph, "valid", ctx)
    width = out_size(ctx.shape[1], pw, pw, "valid", ctx)
    return Counted((), (height, width, ctx.width), num(0))


def _conv_params(kernel_kind: str) -> tuple[Param, ...]:
    return (
        Param("filters", "size", positional=True),
        Param("kernel", kernel_kind),
        Param("stride", kernel_kind, 1),
        Param("padding", "choice", "valid", choices=("valid", "same")),
        Param("bias", "bool", True),
    )


CONV_TYPES = {
    "Conv1D": LayerType("Conv1D", _conv_params("size"), _conv1d, sequence_layer=True),
    "Conv2D": LayerType("Conv2D", _conv_params("size_or_pair"), _conv2d),
    "MaxPooling1D": LayerType("MaxPooling1D", (Param("pool", "size", positional=True),), _pool1d, True),
    "MaxPooling2D": LayerType("MaxPooling2D", (Param("pool", "size_or_pair", positional=True),), _pool2d),
}
