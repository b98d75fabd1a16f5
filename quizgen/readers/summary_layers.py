"""Which layer configurations a summary row can stand for, given its class and printed shapes.

A summary prints a layer's class and output shape, not its options: each rule lists the
configurations (in the spec language, counted by the counting core) that fit the shapes, the
defaults first. Where a size is not printed at all (the first layer's input width, a kernel
size, a vocabulary), the configuration takes it as its one unknown, solved from the printed count.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

from quizgen.readers.summary_table import Shape, SummaryRow
from quizgen.readers.torch_print import ZERO as TORCH_PARAMETER_FREE

P = -1
"""Stands for the unknown in a candidate's input shape."""


@dataclass(frozen=True)
class Candidate:
    """One configuration: its spec and input shapes, with ``{p}`` and ``P`` where the unknown goes.

    ``{k}`` in the spec is a kernel of area p (``(3, 3)`` for 9 in two dimensions).
    """

    spec: str
    shapes: tuple[Shape, ...]
    unknown: str | None = None
    note: str = ""
    rank: int = 1
    split: bool = False
    """The unknown is kernel area × input channels: counted as a 1-wide kernel on p channels, shown as one factor."""
    exhaustive: bool = True
    """With its class's other candidates, it covers every configuration the shapes allow: a count none
    of them gives is a disagreement. Otherwise (attention with value_dim ≠ key_dim) it is not derived."""
    pinned: tuple[int, ...] | None = None
    """The kernel the printed spatial sizes show (input − output + 1 on each axis), if any."""

    def make(self, p: int) -> tuple[str, tuple[Shape, ...]]:
        kernel = "1" if self.split else _kernel(p, self.rank)
        spec = self.spec.replace("{p}", str(p)).replace("{k}", kernel)
        return spec, tuple(tuple(p if d == P else d for d in shape) for shape in self.shapes)

    def present(self, p: int) -> tuple[str, tuple[Shape, ...]]:
        """The solved configuration as the table shows it: a kernel only where its shapes pin one."""
        kernel = self.kernel_shown(p)
        if kernel is None:
            return self.make(p)
        spec = self.spec.replace("{p}", str(p)).replace("{k}", _kernel_text(kernel))
        return spec, tuple(tuple(p if d == P else d for d in shape) for shape in self.shapes)

    def kernel_shown(self, p: int) -> tuple[int, ...] | None:
        """The kernel of a solved area that the printed shapes show; None where only its area is known."""
        if "{k}" not in self.spec or self.split:
            return None
        if self.rank == 1:
            return (p,)
        if self.pinned is not None and math.prod(self.pinned) == p:
            return self.pinned
        return None

    def merged(self, p: int) -> str | None:
        """The label of the one factor a solved product is shown as (its split is not printed), else None."""
        if self.split:
            return "kernel area × input channels"
        if self.unknown is not None and "{k}" in self.spec and self.kernel_shown(p) is None:
            return "kernel area"
        return None


Rule = Callable[[SummaryRow, tuple[Shape, ...], bool], "list[Candidate] | str"]
"""(row, input shapes (empty where unknown), channels first) -> configurations, or why there are none."""

KERAS_PARAMETER_FREE = frozenset(
    {
        "InputLayer",
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
        "Flatten",
        "Reshape",
        "Permute",
        "RepeatVector",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "ELU",
        "Softmax",
        "ThresholdedReLU",
        "Masking",
        "Lambda",
        "Identity",
        "MaxPooling1D",
        "MaxPooling2D",
        "MaxPooling3D",
        "AveragePooling1D",
        "AveragePooling2D",
        "AveragePooling3D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
        "MaxPool1D",
        "MaxPool2D",
        "AvgPool1D",
        "AvgPool2D",
        "Concatenate",
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Dot",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
        "Cropping1D",
        "Cropping2D",
        "Cropping3D",
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
        "UnitNormalization",
        "Rescaling",
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "NotEqual",
        "TFOpLambda",
        "SlicingOpLambda",
    }
)
KERAS_MODELS = frozenset({"Sequential", "Functional", "Model"})
TORCH_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})


def _width(shape: Shape | None, channels_first: bool = False) -> int | None:
    if not shape:
        return None
    return shape[0] if channels_first else shape[-1]


def _input_width(shapes: tuple[Shape, ...], channels_first: bool = False) -> int | None:
    return _width(shapes[0], channels_first) if shapes else None


def _kernel(area: int, rank: int) -> str:
    if rank == 1:
        return str(area)
    side = math.isqrt(area)
    return str(side) if side * side == area else f"(1, {area})"


def _kernel_text(kernel: tuple[int, ...]) -> str:
    return str(kernel[0]) if len(kernel) == 1 else "(" + ", ".join(str(k) for k in kernel) + ")"


def _pinned(shapes: tuple[Shape, ...], output: Shape | None, rank: int, channels_first: bool) -> tuple[int, ...] | None:
    """input − output + 1 on each spatial axis: the kernel of a stride-1 convolution without padding."""
    if not shapes or not shapes[0] or not output or len(shapes[0]) != rank + 1 or len(output) != rank + 1:
        return None
    inside, outside = (shapes[0][1:], output[1:]) if channels_first else (shapes[0][:-1], output[:-1])
    if any(d is None for d in (*inside, *outside)):
        return None
    kernel = tuple(i - o + 1 for i, o in zip(inside, outside, strict=True) if i is not None and o is not None)
    return kernel if all(k >= 1 for k in kernel) else None


def _on_width(width: int | None, spec: str, shape: Shape, note: str = "") -> Candidate:
    """A configuration over an input width (``P`` in ``shape``): printed, or the unknown to solve."""
    if width is not None:
        return Candidate(spec, (tuple(width if d == P else d for d in shape),), None, note)
    return Candidate(spec, (shape,), "input width", note)


def _dense(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
    units = _width(row.output_shape)
    if units is None:
        return "its output shape shows no width"
    width = _input_width(shapes)
    return [
        _on_width(width, f"Dense({units})", (P,)),
        _on_width(width, f"Dense({units}, bias=false)", (P,), "use_bias=False"),
    ]


def _time_distributed(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
    units = _width(row.output_shape)
    if units is None:
        return "its output shape shows no width"
    return [_on_width(_input_width(shapes), f"TimeDistributed(Dense({units}))", (None, P), "wrapping Dense")]


def _recurrent(kind: str) -> Rule:
    def rule(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
        units = _width(row.output_shape)
        if units is None:
            return "its output shape shows no width"
        width = _input_width(shapes)
        if channels_first:
            return _torch_recurrent(kind, units, width)
        variants = [("", "")]
        if kind == "GRU":
            variants.append((", reset_after=false", "reset_after=False"))
        variants += [(f"{option}, bias=false", f"{note}, use_bias=False".lstrip(", ")) for option, note in variants]
        return [_on_width(width, f"{kind}({units}{option})", (None, P), note) for option, note in variants]

    return rule


def _torch_recurrent(kind: str, width_out: int, width: int | None) -> list[Candidate]:
    out = []
    for bidirectional in (False, True):
        if bidirectional and width_out % 2:
            continue
        hidden = width_out // 2 if bidirectional else width_out
        option = ", bidirectional=true" if bidirectional else ""
        note = f"bidirectional=True (the output {width_out} is 2·{hidden})" if bidirectional else ""
        simple = _on_width(width, f"{kind}({hidden}{option})", (None, P), note)
        out.append(dataclasses.replace(simple, exhaustive=kind != "LSTM"))  # an LSTM's proj_size is not printed
        if width is not None:
            spec = f"{kind}({hidden}, num_layers={{p}}{option})"
            out.append(Candidate(spec, ((None, width),), "num_layers", note, exhaustive=kind != "LSTM"))
    return out


def _bidirectional(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
    merged = _width(row.output_shape)
    if merged is None:
        return "its output shape shows no width"
    width = _input_width(shapes)
    out = []
    modes = []
    if merged % 2 == 0:
        modes.append(("", merged // 2, f"merge_mode='concat': the output {merged} is 2·{merged // 2}"))
    modes.append((", merge_mode=sum", merged, "merge_mode='sum' (or 'ave', 'mul')"))
    inner_kinds = (("LSTM", ""), ("GRU", ""), ("GRU", ", reset_after=false"), ("SimpleRNN", ""))
    for mode, units, mode_note in modes:
        for kind, option in inner_kinds:
            wrapped = f"{kind}({units}{option})"
            note = f"wrapping {wrapped} (a summary does not name the wrapped layer); {mode_note}"
            out.append(_on_width(width, f"Bidirectional({wrapped}{mode})", (None, P), note))
    return out


def _conv(rank: int, transposed: bool = False) -> Rule:
    name = f"Conv{rank}D{'Transpose' if transposed else ''}"

    def rule(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
        filters = _width(row.output_shape, channels_first)
        if filters is None:
            return "its output shape shows no number of filters"
        channels = _input_width(shapes, channels_first)
        kernel = None
        if row.kernel and len(row.kernel) == rank:
            kernel = "(" + ", ".join(str(k) for k in row.kernel) + ")" if rank > 1 else str(row.kernel[0])
        space: tuple[int | None, ...] = (None,) * rank
        out = []
        for bias, note in (("", ""), (", bias=false", "use_bias=False")):
            if channels is None and kernel is None:
                unknown = "kernel area × input channels"
                spec = f"{name}({filters}, kernel={{k}}{bias})"
                out.append(Candidate(spec, ((*space, P),), unknown, note, rank, split=True, exhaustive=False))
            elif channels is None:
                out.append(
                    Candidate(f"{name}({filters}, kernel={kernel}{bias})", ((*space, P),), "input channels", note)
                )
            elif kernel is not None:
                out.append(
                    Candidate(
                        f"{name}({filters}, kernel={kernel}{bias})", ((*space, channels),), None, note, exhaustive=False
                    )
                )
            else:
                spec = f"{name}({filters}, kernel={{k}}{bias})"
                pinned = None if transposed else _pinned(shapes, row.output_shape, rank, channels_first)
                out.append(
                    Candidate(spec, ((*space, channels),), "kernel area", note, rank, exhaustive=False, pinned=pinned)
                )
            if channels_first and not transposed and channels and channels > 1 and filters % channels == 0:
                size = kernel or "{k}"
                spec = f"{name}({filters}, kernel={size}, groups={channels}{bias})"
                grouped = f"groups={channels} (depthwise) {note}".strip()
                out.append(
                    Candidate(
                        spec, ((*space, channels),), None if kernel else "kernel area", grouped, rank, exhaustive=False
                    )
                )
        return out

    return rule


def _separable(name: str, depthwise: bool) -> Rule:
    rank = int(name[-2])

    def rule(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
        out_width = _width(row.output_shape)
        if out_width is None:
            return "its output shape shows no width"
        channels = _input_width(shapes)
        note = ""
        if channels is None and depthwise:
            channels, note = out_width, "depth_multiplier=1 (the input width is not printed)"
        if channels is None:
            return (
                "its input width is not printed (the first layer of a Sequential model), and its count has two unknowns"
            )
        space: tuple[int | None, ...] = (None,) * rank
        out = []
        if depthwise:
            if out_width % channels:
                return f"its output width {out_width} is not a multiple of its input width {channels}"
            multiplier = out_width // channels
            option = f", depth_multiplier={multiplier}" if multiplier > 1 else ""
            specs = [f"{name}(kernel={{k}}{option})", f"{name}(kernel={{k}}{option}, bias=false)"]
        else:
            specs = [f"{name}({out_width}, kernel={{k}})", f"{name}({out_width}, kernel={{k}}, bias=false)"]
        for spec, bias_note in zip(specs, ("", "use_bias=False"), strict=True):
            joined = ", ".join(n for n in (note, bias_note) if n)
            out.append(Candidate(spec, ((*space, channels),), "kernel area", joined, rank, exhaustive=depthwise))
        return out

    return rule


def _normalization(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
    width = _width(row.output_shape)
    if width is None:
        return "its output shape shows no width"
    note = "mean, variance and count, none trainable"
    return [Candidate("Normalization()", ((width,),), None, note, exhaustive=False)]


def _embedding(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
    dim = _width(row.output_shape)
    if dim is None:
        return "its output shape shows no width"
    return [Candidate(f"Embedding({{p}}, {dim})", ((None,),), "vocabulary size")]


def _norm(name: str, options: tuple[tuple[str, str], ...], per_channel: bool = True) -> Rule:
    def rule(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
        shape = row.output_shape
        if not shape or any(d is None for d in shape):
            return "its output shape shows no width"
        widths = [_width(shape, channels_first and per_channel)]
        if name == "LayerNormalization" and channels_first:  # normalized_shape may cover several axes
            widths += [math.prod(d for d in shape[-k:] if d is not None) for k in range(2, len(shape) + 1)]
        return [
            Candidate(f"{name}({option})", ((width,),), None, note)
            for width in widths
            if width is not None
            for option, note in options
        ]

    return rule


def _attention(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
    query = shapes[0] if shapes else row.output_shape
    width = _width(query)
    if width is None:
        return "its shapes show no width"
    sequence = (None, width)
    if channels_first:
        return [
            Candidate("MultiHeadAttention(1)", (sequence,)),
            Candidate("MultiHeadAttention(1, bias=false)", (sequence,), None, "bias=False"),
        ]
    others = tuple((None, s[-1]) for s in shapes[1:] if s and s[-1] is not None)
    unknown = "heads × key_dim (only their product shows in the count)"
    spec = "MultiHeadAttention(1, key_dim={p})"
    unbiased = "MultiHeadAttention(1, key_dim={p}, bias=false)"
    return [
        Candidate(spec, (sequence, *others), unknown, exhaustive=False),
        Candidate(unbiased, (sequence, *others), unknown, "use_bias=False", exhaustive=False),
    ]


def _transformer(name: str) -> Rule:
    def rule(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
        width = _width(row.output_shape)
        if width is None:
            return "its output shape shows no width"
        spec = f"{name}({width}, 1, dim_feedforward={{p}})"
        note = "the number of heads does not change the count"
        return [Candidate(spec, ((None, width),), "dim_feedforward", note)]

    return rule


def _prelu(row: SummaryRow, shapes: tuple[Shape, ...], channels_first: bool) -> list[Candidate] | str:
    channels = _width(row.output_shape, channels_first)
    out = [Candidate("PReLU(num_parameters=1)", ((1,),), None, "one shared slope")]
    if channels:
        out.append(Candidate(f"PReLU(num_parameters={channels})", ((channels,),), None, "a slope a channel"))
    return out


KERAS_NORMS = (("", ""), ("center=false", "center=False"), ("scale=false", "scale=False"))
KERAS_RULES: dict[str, Rule] = {
    "Dense": _dense,
    "TimeDistributed": _time_distributed,
    "SimpleRNN": _recurrent("SimpleRNN"),
    "LSTM": _recurrent("LSTM"),
    "GRU": _recurrent("GRU"),
    "Bidirectional": _bidirectional,
    "Conv1D": _conv(1),
    "Conv2D": _conv(2),
    "Conv1DTranspose": _conv(1, True),
    "Conv2DTranspose": _conv(2, True),
    "Embedding": _embedding,
    "BatchNormalization": _norm("BatchNormalization", KERAS_NORMS),
    "LayerNormalization": _norm("LayerNormalization", KERAS_NORMS),
    "GroupNormalization": _norm("GroupNormalization", (("1", ""), ("1, center=false", "center=False"))),
    "MultiHeadAttention": _attention,
    "SeparableConv1D": _separable("SeparableConv1D", False),
    "SeparableConv2D": _separable("SeparableConv2D", False),
    "DepthwiseConv1D": _separable("DepthwiseConv1D", True),
    "DepthwiseConv2D": _separable("DepthwiseConv2D", True),
    "Normalization": _normalization,
}
TORCH_RULES: dict[str, Rule] = {
    "Linear": _dense,
    "LazyLinear": _dense,
    "RNN": _recurrent("SimpleRNN"),
    "LSTM": _recurrent("LSTM"),
    "GRU": _recurrent("GRU"),
    "Conv1d": _conv(1),
    "Conv2d": _conv(2),
    "ConvTranspose1d": _conv(1, True),
    "ConvTranspose2d": _conv(2, True),
    "Embedding": _embedding,
    "BatchNorm1d": _norm("BatchNormalization", (("", ""), ("affine=false", "affine=False"))),
    "BatchNorm2d": _norm("BatchNormalization", (("", ""), ("affine=false", "affine=False"))),
    "LayerNorm": _norm(
        "LayerNormalization",
        (("", ""), ("bias=false", "bias=False"), ("affine=false", "elementwise_affine=False")),
        per_channel=False,
    ),
    "GroupNorm": _norm("GroupNormalization", (("1", ""), ("1, affine=false", "affine=False"))),
    "InstanceNorm1d": _norm("GroupNormalization", (("1, affine=false", ""), ("1", "affine=True"))),
    "InstanceNorm2d": _norm("GroupNormalization", (("1, affine=false", ""), ("1", "affine=True"))),
    "MultiheadAttention": _attention,
    "PReLU": _prelu,
    "TransformerEncoderLayer": _transformer("TransformerEncoderLayer"),
    "TransformerDecoderLayer": _transformer("TransformerDecoderLayer"),
}


def rules_for(framework: str) -> dict[str, Rule]:
    return TORCH_RULES if framework == "pytorch" else KERAS_RULES


def parameter_free(cls: str, framework: str) -> bool:
    return cls in (TORCH_PARAMETER_FREE if framework == "pytorch" else KERAS_PARAMETER_FREE)


def known_classes(framework: str) -> frozenset[str]:
    if framework == "pytorch":
        return frozenset(TORCH_RULES) | TORCH_PARAMETER_FREE | TORCH_CONTAINERS
    return frozenset(KERAS_RULES) | KERAS_PARAMETER_FREE | KERAS_MODELS
