"""How far a stack of convolutions and poolings sees: r_k = r_(k−1) + (kernel_k − 1)·dilation_k·j_(k−1)
and j_k = j_(k−1)·stride_k, from r_0 = j_0 = 1 (input positions; one value per spatial axis)."""

from __future__ import annotations

from dataclasses import dataclass

from quizgen.counting.layers import LAYERS
from quizgen.counting.layers.base import bind, spatial
from quizgen.counting.model import PASS_THROUGH, ModelCount
from quizgen.errors import UsageError

WINDOWED = frozenset(
    {
        "Conv1D",
        "Conv2D",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
        "SeparableConv1D",
        "SeparableConv2D",
        "MaxPooling1D",
        "MaxPooling2D",
        "AveragePooling1D",
        "AveragePooling2D",
    }
)
KEEPS_POSITIONS = PASS_THROUGH | {"ZeroPadding1D", "ZeroPadding2D", "SpatialDropout1D", "SpatialDropout2D"}


@dataclass(frozen=True)
class Field:
    """One layer's receptive field and jump (distance in input positions between neighbouring
    outputs) per spatial axis, with how the field grew (``5 + (3 − 1)·1·2 = 9``)."""

    size: tuple[int, ...]
    jump: tuple[int, ...]
    working: str = ""

    @property
    def value(self) -> int:
        if len(set(self.size)) != 1:
            raise UsageError(f"the receptive field differs between axes ({'×'.join(map(str, self.size))})")
        return self.size[0]


def window(kind: str, args: dict, rank: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(kernel, stride, dilation) of a convolution or pooling layer."""
    if kind.startswith(("MaxPooling", "AveragePooling")):
        pool = spatial(args["pool"], rank)
        stride = spatial(args["stride"] if args["stride"] is not None else args["pool"], rank)
        return pool, stride, (1,) * rank
    return spatial(args["kernel"], rank), spatial(args["stride"], rank), spatial(args["dilation"], rank)


def receptive_fields(model: ModelCount, slip: str | None = None) -> list[Field | None]:
    """Per layer (Input included): its field, or None past a layer that mixes all positions
    (Dense on a flattened input, global pooling, recurrent layers…). ``slip``: ``kernels_summed``
    (r = Σ kernel) or ``strides_ignored`` (jumps never grow)."""
    fields: list[Field | None] = []
    current: Field | None = None
    for layer in model.layers:
        if layer.type == "Input":
            rank = max(len(layer.output_shape) - 1, 1)
            current = Field((1,) * rank, (1,) * rank)
        elif current is None:
            pass
        elif layer.type in WINDOWED:
            rank = len(current.size)
            kernel, stride, dilation = window(layer.type, bind(layer.call, LAYERS[layer.type], model.framework), rank)
            if slip == "kernels_summed":
                size = tuple(r + k if r > 1 else k for r, k in zip(current.size, kernel, strict=True))
                steps = [f"{r} + {k}" if r > 1 else f"{k}" for r, k in zip(current.size, kernel, strict=True)]
            else:
                size = tuple(
                    r + (k - 1) * d * j for r, k, d, j in zip(current.size, kernel, dilation, current.jump, strict=True)
                )
                steps = [
                    f"{r} + ({k} − 1)·{d}·{j}"
                    for r, k, d, j in zip(current.size, kernel, dilation, current.jump, strict=True)
                ]
            jump = current.jump
            if slip != "strides_ignored":
                jump = tuple(j * s for j, s in zip(current.jump, stride, strict=True))
            working = steps[0] if len(set(steps)) == 1 else " × ".join(f"({s})" for s in steps)
            current = Field(size, jump, working)
        elif layer.type not in KEEPS_POSITIONS:
            current = None
        fields.append(current)
    return fields


def receptive_field(model: ModelCount, k: int, slip: str | None = None) -> Field:
    """Layer ``k``'s field (counting from 1, Input included)."""
    layer = model.layer(k)
    found = receptive_fields(model, slip)[k - 1]
    if found is None:
        raise UsageError(f"receptive_field[{k}]: {layer.spec} sees its whole input (or follows a layer that does)")
    return found
