"""Pooling layers (max and average, local and global): no parameters, only output sizes."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, spatial
from quizgen.counting.layers.conv import sized, spatial_input


def _pool(rank: int):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        sizes, c = spatial_input(ctx, rank)
        pool = spatial(args["pool"], rank)
        stride = spatial(args["stride"] if args["stride"] is not None else args["pool"], rank)
        padding = args["padding"]
        if isinstance(padding, str) and padding not in ("valid", "same"):
            raise ctx.error(f"{ctx.call.name}'s padding is valid or same")
        if not isinstance(padding, str) and ctx.framework == "keras":
            raise ctx.error("Keras' pooling padding is valid or same")
        pads = [padding] * rank if isinstance(padding, str) else list(spatial(padding, rank))
        if len(pool) != rank or len(stride) != rank:
            raise ctx.error(f"{ctx.call.name} needs {rank} size(s) for pool and stride")
        worked = [sized(n, k, s, p, ctx) for n, k, s, p in zip(sizes, pool, stride, pads, strict=True)]
        return Counted((), (*(value for value, _ in worked), c), num(0), size_notes=tuple(n for _, n in worked))

    return count


def _global(rank: int):
    def count(args: dict[str, Any], ctx: Context) -> Counted:
        _, c = spatial_input(ctx, rank)
        shape = (*([1] * rank), c) if args["keepdims"] else (c,)
        return Counted((), shape, num(0))

    return count


def _pool_params(kind: str) -> tuple[Param, ...]:
    return (
        Param("pool", kind, 2, positional=True),
        Param("stride", kind, None, positional=True),
        Param("padding", "padding", "valid", positional=True),
        Param("data_format", "choice", "channels_last", choices=("channels_last",)),
    )


GLOBAL_PARAMS = (
    Param("data_format", "choice", "channels_last", choices=("channels_last",)),
    Param("keepdims", "bool", False),
)

POOLING_TYPES = {
    "MaxPooling1D": LayerType("MaxPooling1D", _pool_params("size"), _pool(1), sequence_layer=True),
    "MaxPooling2D": LayerType("MaxPooling2D", _pool_params("size_or_pair"), _pool(2)),
    "AveragePooling1D": LayerType("AveragePooling1D", _pool_params("size"), _pool(1), sequence_layer=True),
    "AveragePooling2D": LayerType("AveragePooling2D", _pool_params("size_or_pair"), _pool(2)),
    "GlobalMaxPooling1D": LayerType("GlobalMaxPooling1D", GLOBAL_PARAMS, _global(1), sequence_layer=True),
    "GlobalAveragePooling1D": LayerType("GlobalAveragePooling1D", GLOBAL_PARAMS, _global(1), sequence_layer=True),
    "GlobalMaxPooling2D": LayerType("GlobalMaxPooling2D", GLOBAL_PARAMS, _global(2)),
    "GlobalAveragePooling2D": LayerType("GlobalAveragePooling2D", GLOBAL_PARAMS, _global(2)),
}
POOLING_ALIASES = {
    "MaxPool1D": "MaxPooling1D",
    "MaxPool2D": "MaxPooling2D",
    "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
}
