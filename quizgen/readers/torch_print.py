"""The text ``print(model)`` shows for a PyTorch module, as layers to count (PyTorch not needed).

Every printed module with parameters states its widths (``Linear(in_features=…)``), so each is
counted on its own; containers only nest them, and ``(0-3): 4 x Block(…)`` repeats a subtree.
What a print cannot show (parameters registered directly on a custom module, the in-projection
of ``MultiheadAttention``) is said in a note under the table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizgen.counting.model import ModelCount, Node, Shape, count_graph
from quizgen.counting.spec import Arg, Call, parse
from quizgen.errors import ModelFileError, QuizgenError

HEAD = re.compile(
    r"^(?P<indent> *)(?:\((?P<key>[^()]*)\):\s*)?(?:(?P<times>\d+) x )?(?P<cls>[A-Za-z_][\w.]*)\((?P<rest>.*)$"
)
PARAMETER = re.compile(r"Parameter containing:\s*\[[^\]]*?of size ([\dx]+)\]")

ZERO = frozenset(
    [
        "ReLU",
        "ReLU6",
        "GELU",
        "SiLU",
        "Sigmoid",
        "Tanh",
        "Softmax",
        "Softmax2d",
        "LogSoftmax",
        "Softmin",
        "LeakyReLU",
        "ELU",
        "SELU",
        "CELU",
        "Mish",
        "Hardswish",
        "Hardsigmoid",
        "Hardtanh",
        "Hardshrink",
        "Softshrink",
        "Softplus",
        "Softsign",
        "Tanhshrink",
        "Threshold",
        "GLU",
        "LogSigmoid",
        "RReLU",
        "Dropout",
        "Dropout1d",
        "Dropout2d",
        "Dropout3d",
        "AlphaDropout",
        "FeatureAlphaDropout",
        "Identity",
        "Flatten",
        "Unflatten",
        "MaxPool1d",
        "MaxPool2d",
        "MaxPool3d",
        "AvgPool1d",
        "AvgPool2d",
        "AvgPool3d",
        "AdaptiveAvgPool1d",
        "AdaptiveAvgPool2d",
        "AdaptiveAvgPool3d",
        "AdaptiveMaxPool1d",
        "AdaptiveMaxPool2d",
        "AdaptiveMaxPool3d",
        "LPPool1d",
        "LPPool2d",
        "FractionalMaxPool2d",
        "MaxUnpool1d",
        "MaxUnpool2d",
        "Upsample",
        "UpsamplingNearest2d",
        "UpsamplingBilinear2d",
        "PixelShuffle",
        "PixelUnshuffle",
        "ChannelShuffle",
        "ZeroPad1d",
        "ZeroPad2d",
        "ZeroPad3d",
        "ConstantPad1d",
        "ConstantPad2d",
        "ConstantPad3d",
        "ReflectionPad1d",
        "ReflectionPad2d",
        "ReflectionPad3d",
        "ReplicationPad1d",
        "ReplicationPad2d",
        "ReplicationPad3d",
        "CircularPad1d",
        "CircularPad2d",
        "Fold",
        "Unfold",
        "CosineSimilarity",
        "PairwiseDistance",
        "LocalResponseNorm",
        "CrossMapLRN2d",
    ]
)
"""Modules that never hold parameters."""
CONTAINERS = frozenset(
    [
        "Sequential",
        "ModuleList",
        "ModuleDict",
        "TransformerEncoder",
        "TransformerDecoder",
        "Transformer",
        "TransformerEncoderLayer",
        "TransformerDecoderLayer",
    ]
)
"""Standard modules whose parameters are all in their printed children."""
PARAMETER_FREE_NAMES = re.compile(r"(Activation|RotaryEmbedding|Dropout|Identity)$")
"""Custom class names that, by well-kept convention, hold no parameters (GELUActivation, …)."""
# Mixture-of-experts modules hold their (fused) expert and router weights as parameters of their own,
# which a print never shows: most of such a model would go uncounted.
EXPERT_HOLDERS = re.compile(r"(Experts|Router)$")
# Known modules whose own parameters a print leaves out (class tokens, position embeddings, layer
# scales, relative position tables), so that a count from it would be short.
DIRECT_HOLDERS = {
    "ViTEmbeddings": "cls_token and position_embeddings",
    "DeiTEmbeddings": "cls_token, distillation_token and position_embeddings",
    "BeitEmbeddings": "cls_token",
    "Dinov2Embeddings": "cls_token, mask_token and position_embeddings",
    "CLIPVisionEmbeddings": "class_embedding",
    "VisionTransformer": "class_token",
    "CNBlock": "layer_scale",
    "ShiftedWindowAttention": "relative_position_bias_table",
    "ShiftedWindowAttentionV2": "logit_scale",
}

Builder = Callable[[dict[str, Any], list[Any]], tuple[Call, Shape]]


def _prod(value: Any) -> int:
    items = value if isinstance(value, tuple) else (value,)
    return math.prod(int(v) for v in items)


def _call(name: str, *args: Any, **options: Any) -> Call:
    kwargs = {k: Arg(v, name=k) for k, v in options.items()}
    return Call(name, tuple(Arg(a) for a in args), 1, 1, kwargs)


def _linear(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
    n_in, n_out = _first(kw, args, "in_features", 0), _first(kw, args, "out_features", 1)
    return _call("Dense", n_out, bias=kw.get("bias", True)), (n_in,)


def _gpt2_conv1d(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
    return _call("Dense", kw["nf"]), (kw["nx"],)


def _conv(rank: int, transposed: bool) -> Builder:
    def build(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
        c, f = _first(kw, args, "in_channels", 0), _first(kw, args, "out_channels", 1)
        kernel = _first(kw, args, "kernel_size", 2)
        options: dict[str, Any] = {
            "kernel": kernel,
            "stride": kw.get("stride", 1),
            "padding": kw.get("padding", 0),
            "dilation": kw.get("dilation", 1),
            "groups": kw.get("groups", 1),
            "bias": kw.get("bias", True),
        }
        if transposed:
            options["output_padding"] = kw.get("output_padding", 0)
        name = f"Conv{rank}D{'Transpose' if transposed else ''}"
        return _call(name, f, **options), (*([None] * rank), c)

    return build


def _norm(kind: str) -> Builder:
    def build(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
        if kind == "layer":
            shape = _first(kw, args, "normalized_shape", 0)
            affine = kw.get("elementwise_affine", True)
            return _call("LayerNormalization", affine=affine, bias=kw.get("bias", True)), (_prod(shape),)
        if kind == "rms":
            shape = _first(kw, args, "normalized_shape", 0)
            if not kw.get("elementwise_affine", True):
                return _call("Identity"), (_prod(shape),)
            return _call("RMSNormalization"), (_prod(shape),)
        if kind == "group":
            groups, channels = _first(kw, args, "num_groups", 0), _first(kw, args, "num_channels", 1)
            return _call("GroupNormalization", groups, affine=kw.get("affine", True), bias=kw.get("bias", True)), (
                channels,
            )
        channels = _first(kw, args, "num_features", 0)
        if kind == "instance":
            affine = kw.get("affine", False)
            return _call("GroupNormalization", channels, affine=affine, bias=kw.get("bias", True)), (channels,)
        return _call("BatchNormalization", affine=kw.get("affine", True), bias=kw.get("bias", True)), (channels,)

    return build


def _embedding(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
    return _call("Embedding", _first(kw, args, "num_embeddings", 0), _first(kw, args, "embedding_dim", 1)), (None,)


def _recurrent(kind: str, cell: bool) -> Builder:
    def build(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
        n_in, hidden = _first(kw, args, "input_size", 0), _first(kw, args, "hidden_size", 1)
        options: dict[str, Any] = {"bias": kw.get("bias", True)}
        if not cell:
            options.update(num_layers=kw.get("num_layers", 1), bidirectional=kw.get("bidirectional", False))
            if kind == "LSTM" and kw.get("proj_size"):
                options["proj_size"] = kw["proj_size"]
        return _call(kind, hidden, **options), (None, n_in)

    return build


def _prelu(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
    n = _first(kw, args, "num_parameters", 0, 1)
    return _call("PReLU", num_parameters=n), (n,)


def _bilinear(kw: dict[str, Any], args: list[Any]) -> tuple[Call, Shape]:
    sizes = [_first(kw, args, name, k) for k, name in enumerate(("in1_features", "in2_features", "out_features"))]
    return _call("Bilinear", *sizes, bias=kw.get("bias", True)), (sizes[0],)


BUILDERS: dict[str, Builder] = {
    "Linear": _linear,
    "NonDynamicallyQuantizableLinear": _linear,
    "Conv1D": _gpt2_conv1d,
    "Conv1d": _conv(1, False),
    "Conv2d": _conv(2, False),
    "ConvTranspose1d": _conv(1, True),
    "ConvTranspose2d": _conv(2, True),
    "BatchNorm1d": _norm("batch"),
    "BatchNorm2d": _norm("batch"),
    "BatchNorm3d": _norm("batch"),
    "SyncBatchNorm": _norm("batch"),
    "InstanceNorm1d": _norm("instance"),
    "InstanceNorm2d": _norm("instance"),
    "InstanceNorm3d": _norm("instance"),
    "LayerNorm": _norm("layer"),
    "RMSNorm": _norm("rms"),
    "GroupNorm": _norm("group"),
    "Embedding": _embedding,
    "EmbeddingBag": _embedding,
    "RNN": _recurrent("SimpleRNN", False),
    "LSTM": _recurrent("LSTM", False),
    "GRU": _recurrent("GRU", False),
    "RNNCell": _recurrent("SimpleRNN", True),
    "LSTMCell": _recurrent("LSTM", True),
    "GRUCell": _recurrent("GRU", True),
    "PReLU": _prelu,
    "Bilinear": _bilinear,
}


def _first(kw: dict[str, Any], args: list[Any], name: str, index: int, default: Any = None) -> Any:
    if name in kw:
        return kw[name]
    if index < len(args):
        return args[index]
    if default is not None:
        return default
    raise KeyError(name)


@dataclass
class Module:
    cls: str
    key: str
    args_text: str | None  # the one-line arguments of a leaf; None for a module printed with children
    line: int
    times: int = 1
    children: list[Module] = field(default_factory=list)
    parameters: int = 0  # printed ``Parameter containing`` entries (ParameterList/ParameterDict)


def _closes_on_line(rest: str) -> bool:
    depth, quote = 0, ""
    for char in rest:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
    return depth == -1 and rest.rstrip().endswith(")")


def parse_tree(text: str, source: str) -> Module:
    """The printed module tree (indentation and parentheses, as ``nn.Module.__repr__`` writes them)."""
    root: Module | None = None
    stack: list[Module] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.strip() == ")":
            if not stack:
                raise ModelFileError(f"{source}:{number}: a ')' closes nothing")
            stack.pop()
            continue
        match = HEAD.match(line)
        if match is None:
            if not stack:
                raise ModelFileError(f"{source}:{number}: not a printed PyTorch module (expected 'Name(')")
            stack[-1].parameters += sum(_prod_of_size(m) for m in PARAMETER.findall(line))
            continue
        rest = match.group("rest")
        times = int(match.group("times") or 1)
        module = Module(match.group("cls"), match.group("key") or "", None, number, times)
        if _closes_on_line(rest):
            module.args_text = rest.rstrip()[:-1]
            module.parameters = sum(_prod_of_size(m) for m in PARAMETER.findall(rest))
        if stack:
            stack[-1].children.append(module)
        elif root is None:
            root = module
        else:
            raise ModelFileError(f"{source}:{number}: a second model after the first one")
        if module.args_text is None:
            stack.append(module)
    if root is None:
        raise ModelFileError(f"{source}: no printed module found")
    if stack:
        raise ModelFileError(f"{source}: the print ends inside {stack[-1].cls}( (line {stack[-1].line})")
    return root


def _prod_of_size(size: str) -> int:
    return math.prod(int(d) for d in size.split("x") if d)


@dataclass
class _Reader:
    source: str
    nodes: list[Node] = field(default_factory=list)
    opaque: dict[str, None] = field(default_factory=dict)  # custom classes that may hold unprinted parameters
    unknown: dict[str, None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def fail(self, module: Module, message: str) -> ModelFileError:
        return ModelFileError(f"{self.source}:{module.line}: {module.cls}: {message}")

    def visit(self, module: Module, path: str, times: int) -> None:
        times *= module.times
        if EXPERT_HOLDERS.search(module.cls) and not module.parameters:
            raise self.fail(
                module,
                "a mixture of experts keeps its weights as parameters a print does not show; "
                "count the model's config.json instead (--from hf-config)",
            )
        held = DIRECT_HOLDERS.get(module.cls)
        if held is not None and not module.parameters:
            raise self.fail(
                module,
                f"it holds {held} as parameters a print does not show; "
                "count the model's config.json (--from hf-config) or its spec instead",
            )
        if module.parameters:
            call = _call("Parameters", module.parameters)
            self.nodes.append(Node(call, input_shapes=((1,),), times=times, name=path or module.cls))
        if module.cls == "MultiheadAttention":
            self.attention(module, path, times)
            return
        if module.args_text is not None:
            self.leaf(module, path, times)
            return
        if module.cls not in CONTAINERS and module.cls not in ("ParameterList", "ParameterDict"):
            self.opaque.setdefault(module.cls, None)
        for child in module.children:
            self.visit(child, f"{path}.{child.key}" if path else child.key, times)

    def leaf(self, module: Module, path: str, times: int) -> None:
        builder = BUILDERS.get(module.cls)
        if builder is None:
            if module.cls.endswith("RMSNorm") and module.args_text:
                builder = _norm("rms")
            elif (
                module.cls in ZERO
                or module.cls in ("ParameterList", "ParameterDict")
                or PARAMETER_FREE_NAMES.search(module.cls)
            ):
                return
            else:
                self.unknown.setdefault(module.cls, None)
                return
        try:
            (parsed,) = parse(f"{module.cls}({module.args_text})", self.source)
        except QuizgenError:
            raise self.fail(module, f"cannot read its arguments '{module.args_text}'") from None
        args = [a.value for a in parsed.args]
        kwargs = {k: a.value for k, a in parsed.kwargs.items()}
        try:
            call, shape = builder(kwargs, args)
        except (KeyError, TypeError, ValueError) as error:
            raise self.fail(module, f"its print lacks {error}") from None
        self.nodes.append(Node(call, input_shapes=(shape,), times=times, name=path or module.cls))

    def attention(self, module: Module, path: str, times: int) -> None:
        out = next((c for c in module.children if c.key == "out_proj" and c.args_text), None)
        if out is None:
            raise self.fail(module, "its out_proj is not printed")
        (parsed,) = parse(f"Linear({out.args_text})", self.source)
        kwargs = {k: a.value for k, a in parsed.kwargs.items()}
        width, bias = kwargs.get("in_features"), kwargs.get("bias", True)
        if not isinstance(width, int):
            raise self.fail(module, "its out_proj has no in_features")
        call = _call("MultiHeadAttention", bias=bias)
        self.nodes.append(Node(call, input_shapes=((None, width),), times=times, name=path or module.cls))
        note = "MultiheadAttention's in-projection is not printed: counted with kdim = vdim = embed_dim, no add_bias_kv"
        if note not in self.notes:
            self.notes.append(note)


def read_torch_print(text: str, source: str = "model.txt") -> ModelCount:
    """Count a PyTorch model from the text of ``print(model)``."""
    root = parse_tree(text, source)
    reader = _Reader(source)
    reader.visit(root, "", 1)
    if reader.opaque:
        names = ", ".join(reader.opaque)
        reader.notes.append(
            f"not counted: parameters registered directly on {names} (an nn.Parameter attribute is not printed)"
        )
    if reader.unknown:
        names = ", ".join(reader.unknown)
        reader.notes.append(f"not counted: modules of unknown classes {names}, which print no widths")
    reader.notes.append("trainable counts every parameter: print() does not show requires_grad")
    spec = f"{root.cls} (printed PyTorch model, {len(reader.nodes)} modules with parameters)"
    return count_graph(reader.nodes, "pytorch", source=source, spec=spec, notes=tuple(reader.notes))
