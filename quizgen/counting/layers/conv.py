"""Convolutions (standard, grouped, dilated, depthwise, separable, transposed), with output sizes
tracked through stride, padding and dilation."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import Expr, add, mul, num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, Part, spatial


def effective_kernel(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def out_size(size: int | None, kernel: int, stride: int, padding: Any, ctx: Context, dilation: int = 1) -> int | None:
    """Output length of one spatial dimension (Keras' valid/same/causal, or PyTorch's explicit padding)."""
    return sized(size, kernel, stride, padding, ctx, dilation)[0]


def sized(
    size: int | None, kernel: int, stride: int, padding: Any, ctx: Context, dilation: int = 1
) -> tuple[int | None, str]:
    """Output length of one spatial dimension and how it is worked out: ``⌊(28 + 2·1 − 3) / 2⌋ + 1 = 14``."""
    if size is None:
        return None, ""
    rules = ctx.rules
    span = effective_kernel(kernel, dilation)
    if rules.padding_swapped and padding in ("same", "valid"):
        padding = "valid" if padding == "same" else "same"
    if rules.stride_ignored:
        stride = 1
    if padding in ("same", "causal"):
        value = -(-size // stride)
        return value, (f"{size} (same padding, stride 1)" if stride == 1 else f"⌈{size} / {stride}⌉ = {value}")
    pad = 0 if padding == "valid" else padding
    if size + 2 * pad < span:
        where = "" if padding == "valid" else f" with padding {pad}"
        raise ctx.error(f"kernel {span} is larger than the input size {size}{where} (padding=valid)")
    one = 0 if rules.size_off_by_one else 1
    value = (size + 2 * pad - span) // stride + one
    padded = f"{size} + 2·{pad}" if pad else f"{size}"
    kernel_text = f"{dilation}·({kernel} − 1) + 1" if dilation > 1 else f"{span}"
    plus = f" + {one}" if one else ""
    if stride == 1:
        return value, f"{padded} − {kernel_text}{plus} = {value}"
    return value, f"⌊({padded} − {kernel_text}) / {stride}⌋{plus} = {value}"


def transposed_size(
    size: int | None, kernel: int, stride: int, padding: Any, ctx: Context, dilation: int, output_padding: int | None
) -> int | None:
    if size is None:
        return None
    span = effective_kernel(kernel, dilation)
    if isinstance(padding, int):  # PyTorch
        result = (size - 1) * stride - 2 * padding + span + (output_padding or 0)
    elif output_padding is None:  # Keras' own rule
        result = size * stride if padding == "same" else size * stride + max(span - stride, 0)
    else:
        cut = 2 * (span // 2) if padding == "same" else 0
        result = (size - 1) * stride + span - cut + output_padding
    if result < 1:
        raise ctx.error(f"{ctx.call.name} would give an empty output")
    return result


def spatial_input(ctx: Context, rank: int) -> tuple[tuple[int | None, ...], int]:
    """(spatial sizes, channels) of a rank-``rank`` convolution's input; 1D allows unknown length."""
    shape = ctx.shape
    if rank == 1 and len(shape) == 1:
        return (None,), ctx.width
    if len(shape) != rank + 1:
        wanted = "(steps, channels)" if rank == 1 else "(height, width, channels), e.g. Input(28, 28, 1)"
        raise ctx.error(f"{ctx.call.name} expects {wanted} input")
    return tuple(shape[:-1]), ctx.width


def _padding(args: dict[str, Any], ctx: Context, rank: int, strides: tuple[int, ...]) -> list[Any]:
    padding = args["padding"]
    if isinstance(padding, str):
        if padding == "causal" and rank != 1:
            raise ctx.error("padding=causal is for 1D convolutions")
        if ctx.framework == "pytorch" and padding == "same" and any(s != 1 for s in strides):
            raise ctx.error("PyTorch allows padding=same only with stride=1")
        return [padding] * rank
    if ctx.framework == "keras":
        raise ctx.error("Keras' padding is valid or same (a ZeroPadding layer adds explicit padding)")
    return list(spatial(padding, rank))


def _notes(worked: list[tuple[int | None, str]]) -> tuple[str, ...]:
    return tuple(note for _, note in worked)


def conv_macs(ctx: Context, out: tuple[int | None, ...], *per_position: Expr) -> Expr | None:
    """Output positions × the multiply–accumulates behind each output value."""
    if not ctx.rules.conv_positions:
        return mul(*per_position)
    if any(d is None for d in out):
        return None
    return mul(*(num(d, "output positions") for d in out if d is not None), *per_position)


def _kernel(kernel: tuple[int, ...]) -> list[Expr]:
    return [num(k, "kernel") for k in kernel]


def _bias(args: dict[str, Any], ctx: Context, count: int) -> list[Part]:
    return [Part("biases", num(count, "biases"))] if args["bias"] and ctx.rules.bias else []


def _channels(c: int, groups: int, ctx: Context) -> list[Expr]:
    if not ctx.rules.conv_channels:
        return []
    if groups == 1:
        return [num(c, "channels")]
    return [num(c // groups, "channels per group")]


def _geometry(
    args: dict[str, Any], ctx: Context, rank: int
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    kernel = spatial(args["kernel"], rank)
    strides = spatial(args["stride"], rank)
    dilation = spatial(args.get("dilation", 1), rank)
    for name, value in (("kernel", kernel), ("stride", strides), ("dilation", dilation)):
        if len(value) != rank:
            raise ctx.error(f"{ctx.call.name}'s {name} needs {rank} size(s)")
    if ctx.framework == "keras" and any(s > 1 for s in strides) and any(d > 1 for d in dilation):
        raise ctx.error(f"{ctx.call.name}: a stride above 1 together with a dilation above 1 is not allowed")
    return kernel, strides, dilation


def _window(
    args: dict[str, Any], ctx: Context, rank: int
) -> tuple[int, tuple[int, ...], tuple[int | None, ...], list[tuple[int | None, str]]]:
    """(input channels, kernel, output sizes, how each size is worked out) of a sliding window."""
    sizes, c = spatial_input(ctx, rank)
    kernel, strides, dilation = _geometry(args, ctx, rank)
    padding = _padding(args, ctx, rank, strides)
    worked = [
        sized(n, k, s, p, ctx, d) for n, k, s, p, d in zip(sizes, kernel, strides, padding, dilation, strict=True)
    ]
    return c, kernel, tuple(value for value, _ in worked), worked


def _conv(rank: int):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        c, kernel, out, worked = _window(args, ctx, rank)
        f, groups = args["filters"], args["groups"]
        if c % groups or f % groups:
            raise ctx.error(f"groups={groups} must divide the {c} input channels and the {f} filters")
        weights = Part("weights", mul(*_kernel(kernel), *_channels(c, groups, ctx), num(f, "filters")))
        macs = conv_macs(
            ctx,
            out,
            *_kernel(kernel),
            num(c // groups, "channels per group" if groups > 1 else "channels"),
            num(f, "filters"),
        )
        return Counted((weights, *_bias(args, ctx, f)), (*out, f), macs=macs, size_notes=_notes(worked))

    return count


def _depthwise(rank: int):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        c, kernel, out, worked = _window(args, ctx, rank)
        m = args["depth_multiplier"]
        multiplier = [num(m, "depth multiplier")] if m != 1 else []
        weights = Part("depthwise_weights", mul(*_kernel(kernel), num(c, "channels"), *multiplier))
        macs = conv_macs(ctx, out, *_kernel(kernel), num(c, "channels"), *multiplier)
        return Counted((weights, *_bias(args, ctx, c * m)), (*out, c * m), macs=macs, size_notes=_notes(worked))

    return count


def _separable(rank: int):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        c, kernel, out, worked = _window(args, ctx, rank)
        m, f = args["depth_multiplier"], args["filters"]
        multiplier = [num(m, "depth multiplier")] if m != 1 else []
        channels = num(c, "channels")
        if ctx.rules.separable_as_standard:  # the mistake: counting it as a standard convolution
            weights = Part("weights", mul(*_kernel(kernel), *_channels(c, 1, ctx), num(f, "filters")))
            macs = conv_macs(ctx, out, *_kernel(kernel), channels, num(f, "filters"))
            return Counted((weights, *_bias(args, ctx, f)), (*out, f), macs=macs, size_notes=_notes(worked))
        depthwise = Part("depthwise_weights", mul(*_kernel(kernel), *_channels(c, 1, ctx), *multiplier))
        pointwise = Part("pointwise_weights", mul(*_channels(c, 1, ctx), *multiplier, num(f, "filters")))
        spatial_macs = conv_macs(ctx, out, *_kernel(kernel), channels, *multiplier)
        mixing_macs = conv_macs(ctx, out, channels, *multiplier, num(f, "filters"))
        macs = None if spatial_macs is None or mixing_macs is None else add(spatial_macs, mixing_macs)
        return Counted((depthwise, pointwise, *_bias(args, ctx, f)), (*out, f), macs=macs, size_notes=_notes(worked))

    return count


def _transposed(rank: int):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        sizes, c = spatial_input(ctx, rank)
        kernel, strides, dilation = _geometry(args, ctx, rank)
        padding = args["padding"]
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ctx.error(f"{ctx.call.name}'s padding is valid or same")
            pads: list[Any] = [padding] * rank
        elif ctx.framework == "keras":
            raise ctx.error("Keras' padding is valid or same")
        else:
            pads = list(spatial(padding, rank))
        extra = args.get("output_padding")
        extras = list(spatial(extra, rank)) if extra is not None else [None] * rank
        f, groups = args["filters"], args["groups"]
        if c % groups or f % groups:
            raise ctx.error(f"groups={groups} must divide the {c} input channels and the {f} filters")
        out = tuple(
            transposed_size(n, k, s, p, ctx, d, o)
            for n, k, s, p, d, o in zip(sizes, kernel, strides, pads, dilation, extras, strict=True)
        )
        per_group = [num(f // groups, "filters per group")] if groups > 1 else [num(f, "filters")]
        channels = [num(c, "channels")] if ctx.rules.conv_channels else []
        weights = Part("weights", mul(*_kernel(kernel), *channels, *per_group))
        # A transposed convolution spreads each input position over the kernel: input positions count.
        macs = conv_macs(ctx, sizes, *_kernel(kernel), num(c, "channels"), *per_group)
        return Counted((weights, *_bias(args, ctx, f)), (*out, f), macs=macs)

    return count


def _params(
    kernel_kind: str, *, filters: bool = True, groups: bool = True, multiplier: bool = False
) -> tuple[Param, ...]:
    return (
        *((Param("filters", "size", positional=True),) if filters else ()),
        Param("kernel", kernel_kind, positional=True),
        Param("stride", kernel_kind, 1, positional=True),
        Param("padding", "padding", "valid", positional=True),
        Param("data_format", "choice", "channels_last", choices=("channels_last",)),
        Param("dilation", kernel_kind, 1),
        *((Param("groups", "size", 1),) if groups else ()),
        *((Param("depth_multiplier", "size", 1),) if multiplier else ()),
        Param("activation", "any", None),
        Param("bias", "bool", True),
    )


def _transposed_params(kernel_kind: str) -> tuple[Param, ...]:
    return (*_params(kernel_kind), Param("output_padding", "amounts", None))


CONV_TYPES = {
    "Conv1D": LayerType("Conv1D", _params("size"), _conv(1), sequence_layer=True),
    "Conv2D": LayerType("Conv2D", _params("size_or_pair"), _conv(2)),
    "DepthwiseConv1D": LayerType(
        "DepthwiseConv1D", _params("size", filters=False, groups=False, multiplier=True), _depthwise(1), True
    ),
    "DepthwiseConv2D": LayerType(
        "DepthwiseConv2D", _params("size_or_pair", filters=False, groups=False, multiplier=True), _depthwise(2)
    ),
    "SeparableConv1D": LayerType(
        "SeparableConv1D", _params("size", groups=False, multiplier=True), _separable(1), sequence_layer=True
    ),
    "SeparableConv2D": LayerType(
        "SeparableConv2D", _params("size_or_pair", groups=False, multiplier=True), _separable(2)
    ),
    "Conv1DTranspose": LayerType("Conv1DTranspose", _transposed_params("size"), _transposed(1), sequence_layer=True),
    "Conv2DTranspose": LayerType("Conv2DTranspose", _transposed_params("size_or_pair"), _transposed(2)),
}
CONV_ALIASES = {
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D",
    "Convolution1DTranspose": "Conv1DTranspose",
    "Convolution2DTranspose": "Conv2DTranspose",
}
