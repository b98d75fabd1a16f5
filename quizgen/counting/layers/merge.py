"""Layers that join several inputs of a functional model (Concatenate, Add, …, Dot)."""

from __future__ import annotations

from typing import Any

from quizgen.counting.expr import num
from quizgen.counting.layers.base import Context, Counted, LayerType, Param, Shape, format_shape


def _inputs(ctx: Context) -> tuple[Shape, ...]:
    if len(ctx.inputs) < 2:
        raise ctx.error(f"{ctx.call.name} joins two or more inputs (a functional model), not a chain")
    return ctx.inputs


def _concatenate(args: dict[str, Any], ctx: Context) -> Counted:
    shapes = _inputs(ctx)
    rank = len(shapes[0])
    axis = args["axis"]
    axis = axis + rank if axis < 0 else axis - 1  # Keras counts the batch axis as 0
    if not 0 <= axis < rank or any(len(s) != rank for s in shapes):
        raise ctx.error(
            f"cannot concatenate shapes {', '.join(format_shape(s) for s in shapes)} on axis {args['axis']}"
        )
    sizes = [s[axis] for s in shapes]
    joined = None if any(d is None for d in sizes) else sum(d for d in sizes if d is not None)
    return Counted((), (*shapes[0][:axis], joined, *shapes[0][axis + 1 :]), num(0))


def _elementwise(args: dict[str, Any], ctx: Context) -> Counted:
    shapes = _inputs(ctx)
    widest = max(shapes, key=len)
    return Counted((), widest, num(0))


def _dot(args: dict[str, Any], ctx: Context) -> Counted:
    shapes = _inputs(ctx)
    if len(shapes) != 2 or len(shapes[0]) != 1 or len(shapes[1]) != 1:
        raise ctx.error("Dot is counted for two vectors here")
    return Counted((), (1,), num(0))


AXIS = (Param("axis", "any", -1, positional=True),)
MERGE_TYPES = {
    "Concatenate": LayerType("Concatenate", AXIS, _concatenate),
    "Add": LayerType("Add", (), _elementwise),
    "Subtract": LayerType("Subtract", (), _elementwise),
    "Multiply": LayerType("Multiply", (), _elementwise),
    "Average": LayerType("Average", (), _elementwise),
    "Maximum": LayerType("Maximum", (), _elementwise),
    "Minimum": LayerType("Minimum", (), _elementwise),
    "Dot": LayerType("Dot", (Param("axes", "any", -1, positional=True), Param("normalize", "bool", False)), _dot),
}
