"""The text ``print(model)`` shows for a PyTorch module, as layers to count (PyTorch not needed).

A leaf is counted only when its print tells its parameters: a standard class, or a class whose
printed arguments are a standard class's (``FalconLinear(in_features=…)`` as Linear), with a note;
any other leaf is refused naming its class and line, never counted as 0. Containers only nest
modules, and ``(0-3): 4 x Block(…)`` repeats a subtree without expanding it. The print is read line
by line and identical modules at paths that differ only in their numbers share one row, so memory
grows with the distinct modules, not their number. Sharing cannot be printed: a Hugging Face model
follows its family's default tying, any other print is counted as printed, and the other total is
given as an alternative.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
PARAMETER_FREE_NAMES = re.compile(r"(Activation|RotaryEmbedding|Dropout|Identity|Loss)$")
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


KNOWN_FREE = frozenset(
    [
        "BloomGelu",
        "NewGELUActivation",
        "GELUActivation",
        "FastGELUActivation",
        "QuickGELUActivation",
        "PytorchGELUTanh",
        "GELUTanh",
        "AccurateGELUActivation",
        "SiLUActivation",
        "MishActivation",
        "LinearActivation",
        "ClippedGELUActivation",
        "LaplaceActivation",
        "ReLUSquaredActivation",
        "GELUTanhActivation",
    ]
)
"""Parameter-free classes of transformers that print no arguments."""
LINEAR_SIGNATURE = frozenset({"in_features", "out_features", "bias"})
NORM_SIGNATURE = frozenset({"eps", "elementwise_affine", "bias"})
EMBEDDING_SIGNATURE = frozenset({"padding_idx", "max_norm", "norm_type", "scale_grad_by_freq", "sparse"})
REPEAT_KEY = re.compile(r"^\d+(?:-\d+)?$")


@dataclass
class _Open:
    """A module printed with children, while its children are read."""

    cls: str
    path: str
    line: int
    times: int
    children: int = 0
    parameters: int = 0
    out_proj: tuple[str, int] | None = None  # a MultiheadAttention's printed out_proj arguments and line


@dataclass
class _Group:
    """Identical modules at paths that differ only in their numbers (``layers.0.fc`` … ``layers.47.fc``)."""

    call: Call
    shape: Shape
    times: int
    line: int
    numbers: list[list[int]]  # per number in the path: its least and greatest value, how many it spans

    def name(self, pattern: str) -> str:
        """The path, its numbers written as the range they cover (``layers.0-47.fc``), or ``*``
        where the modules do not cover one range."""
        varying = [bounds for bounds in self.numbers if bounds[0] != bounds[1]]
        contiguous = len(varying) <= 1 and all(high - low + 1 == span for low, high, span in varying)
        parts = iter(self.numbers)
        out = []
        for part in pattern.split("."):
            if part == "*":
                low, high, _ = next(parts)
                out.append(str(low) if low == high else f"{low}-{high}" if contiguous else "*")
            else:
                out.append(part)
        return ".".join(out)


@dataclass
class _Head:
    path: str
    n_in: int
    n_out: int
    bias: bool
    times: int


@dataclass
class _Reader:
    source: str
    groups: dict[tuple[str, str, str], _Group] = field(default_factory=dict)
    calls: dict[tuple[str, str], tuple[Call, Shape, str | None] | None] = field(default_factory=dict)
    opaque: dict[str, None] = field(default_factory=dict)  # custom classes that may hold unprinted parameters
    notes: list[str] = field(default_factory=list)
    embeddings: list[tuple[str, int, int]] = field(default_factory=list)
    heads: list[_Head] = field(default_factory=list)
    copies: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    """Leaves outside repeated blocks by class and arguments: [their group, how many are printed]."""

    def fail(self, line: int, cls: str, message: str) -> ModelFileError:
        return ModelFileError(f"{self.source}:{line}: {cls}: {message}")

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def add(
        self, path: str, cls: str, key_text: str, call: Call, shape: Shape, times: int, line: int
    ) -> tuple[str, str, str]:
        parts, numbers = [], []
        for part in path.split("."):
            if REPEAT_KEY.match(part):
                low, _, high = part.partition("-")
                numbers.append((int(low), int(high or low)))
                parts.append("*")
            else:
                parts.append(part)
        key = (".".join(parts), cls, key_text)
        group = self.groups.get(key)
        if group is None:
            spans = [[first, last, last - first + 1] for first, last in numbers]
            self.groups[key] = _Group(call, shape, times, line, spans)
        else:
            group.times += times
            for bounds, (first, last) in zip(group.numbers, numbers, strict=True):
                bounds[0], bounds[1] = min(bounds[0], first), max(bounds[1], last)
                bounds[2] += last - first + 1
        return key

    def holders(self, cls: str, line: int, parameters: int) -> None:
        if parameters:
            return
        if EXPERT_HOLDERS.search(cls):
            raise self.fail(
                line,
                cls,
                "a mixture of experts keeps its weights as parameters a print does not show; "
                "count the model's config.json instead (--from hf-config)",
            )
        held = DIRECT_HOLDERS.get(cls)
        if held is not None:
            raise self.fail(
                line,
                cls,
                f"it holds {held} as parameters a print does not show; "
                "count the model's config.json (--from hf-config) or its spec instead",
            )

    def parameters(self, path: str, cls: str, count: int, times: int, line: int) -> None:
        if count:
            self.add(
                f"{path}.parameters" if path else cls,
                "Parameters",
                str(count),
                _call("Parameters", count),
                (1,),
                times,
                line,
            )

    def leaf(self, parent: _Open | None, key: str, cls: str, args: str, own: int, line: int, parameters: int) -> None:
        outer = parent.times if parent else 1
        times = own * outer
        path = f"{parent.path}.{key}" if parent and parent.path else key
        self.holders(cls, line, parameters)
        self.parameters(path, cls, parameters, times, line)
        if parent is not None and parent.cls == "MultiheadAttention" and key == "out_proj":
            parent.out_proj = (args, line)
            return
        made = self.resolve(cls, args, line)
        if made is None:
            return
        call, shape, note = made
        if note:
            self.note(note)
        group = self.add(path or cls, cls, args, call, shape, times, line)
        if call.name == "Embedding":
            self.embeddings.append((path, call.args[0].value, call.args[1].value))  # type: ignore[arg-type]
        elif call.name == "Dense":
            bias = call.kwargs["bias"].value if "bias" in call.kwargs else True
            self.heads.append(_Head(path, shape[0], call.args[0].value, bool(bias), times))  # type: ignore[arg-type]
        # A Sequential's equal layers (an MLP's hidden layers) are copies; elsewhere one module may
        # be registered under several names (``self.b = self.a``), which a print cannot tell apart.
        if outer == 1 and (own > 1 or parent is None or parent.cls != "Sequential"):
            copies = self.copies.setdefault((cls, args), [group, 0])
            copies[1] += own

    def resolve(self, cls: str, args: str, line: int) -> tuple[Call, Shape, str | None] | None:
        """How a leaf is counted (once per distinct class and arguments); None for no parameters."""
        key = (cls, args)
        if key not in self.calls:
            self.calls[key] = self._resolve(cls, args, line)
        return self.calls[key]

    def _resolve(self, cls: str, args: str, line: int) -> tuple[Call, Shape, str | None] | None:
        builder = BUILDERS.get(cls)
        if builder is None and (
            cls in ZERO
            or cls in KNOWN_FREE
            or cls in ("ParameterList", "ParameterDict")
            or PARAMETER_FREE_NAMES.search(cls)
        ):
            return None
        try:
            (parsed,) = parse(f"{cls}({args})", self.source)
        except QuizgenError:
            if builder is None:
                raise self.unknown(cls, line) from None
            raise self.fail(line, cls, f"cannot read its arguments '{args}'") from None
        positional = [a.value for a in parsed.args]
        kwargs = {k: a.value for k, a in parsed.kwargs.items()}
        note = None
        if builder is None:
            builder, note = self.signature(cls, positional, kwargs, line)
        try:
            call, shape = builder(kwargs, positional)
        except (KeyError, TypeError, ValueError) as error:
            raise self.fail(line, cls, f"its print lacks {error}") from None
        return call, shape, note

    def signature(self, cls: str, args: list[Any], kwargs: dict[str, Any], line: int) -> tuple[Builder, str]:
        """A class quizgen does not know, counted as the standard class whose arguments its print shows."""
        names = set(kwargs)
        if not args and {"in_features", "out_features"} <= names <= LINEAR_SIGNATURE:
            shown = "in_features=…, out_features=…" + (", bias=…" if "bias" in names else "")
            return _linear, f"{cls} counted as nn.Linear (its print shows Linear's {shown})"
        if cls.endswith("RMSNorm") and len(args) == 1 and names <= NORM_SIGNATURE:
            return _norm("rms"), f"{cls} counted as nn.RMSNorm (one weight per feature of its printed width)"
        if (
            cls.endswith("Embedding")
            and len(args) == 2
            and all(isinstance(a, int) and not isinstance(a, bool) for a in args)
            and names <= EMBEDDING_SIGNATURE
        ):
            return (
                _embedding,
                f"{cls} counted as nn.Embedding (its print shows Embedding's (num_embeddings, embedding_dim))",
            )
        if len(args) == 1 and isinstance(args[0], tuple) and "eps" in names and names <= NORM_SIGNATURE:
            return (
                _norm("layer"),
                f"{cls} counted as nn.LayerNorm (its print shows LayerNorm's (d,), eps=…): weight and bias",
            )
        raise self.unknown(cls, line)

    def unknown(self, cls: str, line: int) -> ModelFileError:
        return self.fail(
            line,
            cls,
            "a class quizgen does not know, whose print does not show its parameters: not counted "
            "(write the model in the spec language, or count its config.json with --from hf-config)",
        )

    def close(self, module: _Open) -> None:
        self.holders(module.cls, module.line, module.parameters)
        self.parameters(module.path, module.cls, module.parameters, module.times, module.line)
        if module.cls == "MultiheadAttention":
            self.attention(module)
        elif module.cls not in CONTAINERS and module.cls not in ("ParameterList", "ParameterDict"):
            self.opaque.setdefault(module.cls, None)

    def attention(self, module: _Open) -> None:
        if module.out_proj is None:
            raise self.fail(module.line, module.cls, "its out_proj is not printed")
        args, line = module.out_proj
        try:
            (parsed,) = parse(f"Linear({args})", self.source)
        except QuizgenError:
            raise self.fail(line, "out_proj", f"cannot read its arguments '{args}'") from None
        kwargs = {k: a.value for k, a in parsed.kwargs.items()}
        width, bias = kwargs.get("in_features"), kwargs.get("bias", True)
        if not isinstance(width, int) or isinstance(width, bool):
            raise self.fail(module.line, module.cls, "its out_proj has no in_features")
        call = _call("MultiHeadAttention", bias=bias)
        self.add(module.path or module.cls, "MultiheadAttention", args, call, (None, width), module.times, module.line)
        self.note(
            "MultiheadAttention's in-projection is not printed: counted with kdim = vdim = embed_dim, no add_bias_kv"
        )


def _closes_on_line(rest: str) -> bool:
    if "'" not in rest and '"' not in rest:
        return rest.count("(") + rest.count("[") - rest.count(")") - rest.count("]") == -1 and rest.rstrip().endswith(
            ")"
        )
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


def _prod_of_size(size: str) -> int:
    return math.prod(int(d) for d in size.split("x") if d)


def _read(text: str, reader: _Reader) -> str:
    """Read the print line by line (memory grows with the distinct modules, not with their number);
    the root's class."""
    source = reader.source
    root: str | None = None
    stack: list[_Open] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line == ")":
            if not stack:
                raise ModelFileError(f"{source}:{number}: a ')' closes nothing")
            reader.close(stack.pop())
            continue
        match = HEAD.match(raw.rstrip())
        if match is None:
            if not stack:
                raise ModelFileError(f"{source}:{number}: not a printed PyTorch module (expected 'Name(')")
            stack[-1].parameters += sum(_prod_of_size(m) for m in PARAMETER.findall(line))
            continue
        cls, rest, key = match.group("cls"), match.group("rest"), match.group("key") or ""
        own = int(match.group("times") or 1)
        if own < 1:
            raise ModelFileError(f"{source}:{number}: {cls}: repeated {own} times")
        parent = stack[-1] if stack else None
        if parent is None:
            if root is not None:
                raise ModelFileError(f"{source}:{number}: a second model after the first one")
            root = cls
        else:
            parent.children += 1
        if _closes_on_line(rest):
            parameters = sum(_prod_of_size(m) for m in PARAMETER.findall(rest))
            reader.leaf(parent, key, cls, rest.rstrip()[:-1], own, number, parameters)
            continue
        path = f"{parent.path}.{key}" if parent and parent.path else key
        stack.append(_Open(cls, path, number, own * (parent.times if parent else 1)))
    if root is None:
        raise ModelFileError(f"{source}: no printed module found")
    if stack:
        last = stack[-1]
        if not last.children and not last.parameters:
            raise ModelFileError(f"{source}: the print ends inside {last.cls}( (line {last.line})")
        reader.note(
            f"the print ends without its last {len(stack)} closing parenthes{'is' if len(stack) == 1 else 'es'}: "
            "read as if they were there"
        )
        while stack:
            reader.close(stack.pop())
    return root


TIED_BY_DEFAULT = {
    **dict.fromkeys(
        (
            "GPT2",
            "GPTNeo",
            "Bloom",
            "OPT",
            "Falcon",
            "Gemma",
            "Gemma2",
            "Gemma3",
            "Bert",
            "Roberta",
            "DistilBert",
            "T5",
            "Electra",
            "Mpt",
            "Starcoder2",
            "Bart",
            "Albert",
            "XLMRoberta",
            "Cohere",
            "SmolLM3",
            "GPTBigCode",
            "BioGpt",
            "XGLM",
            "MBart",
            "Pegasus",
            "Marian",
            "Deberta",
            "DebertaV2",
            "Longformer",
            "Camembert",
            "Ernie4_5",
        ),
        True,
    ),
    **dict.fromkeys(
        (
            "GPTNeoX",
            "GPTJ",
            "Llama",
            "Mistral",
            "Mixtral",
            "Qwen2",
            "Qwen2Moe",
            "Qwen3",
            "Qwen3Moe",
            "Phi",
            "Phi3",
            "CodeGen",
            "StableLm",
            "Olmo",
            "Olmo2",
            "Granite",
            "DeepseekV3",
            "Persimmon",
            "Exaone",
            "Nemotron",
            "Glm",
            "Glm4",
            "Ministral",
            "Olmoe",
            "Jamba",
            "Dbrx",
            "Phimoe",
            "GptOss",
            "Helium",
            "GraniteMoe",
        ),
        False,
    ),
}
"""Hugging Face families by class prefix: whether the output head shares the word embeddings'
weight when the config does not say (``tie_word_embeddings`` of transformers 5.25's configs)."""
HF_CLASS = re.compile(
    r"^(?P<family>[A-Za-z0-9_]+?)(?:ForCausalLM|LMHeadModel|ForConditionalGeneration|ForMaskedLM|ForPreTraining|"
    r"ForSequenceClassification|ForTokenClassification|ForQuestionAnswering|ForMultipleChoice|Model)$"
)


def _family(cls: str) -> str | None:
    match = HF_CLASS.match(cls)
    return match.group("family") if match and match.group("family") in TIED_BY_DEFAULT else None


def _tying(reader: _Reader, root: str) -> tuple[list[str], list[tuple[str, int]]]:
    """The output head of an embedding's shape (and, in an encoder-decoder, the stacks' embed_tokens
    beside a ``shared`` embedding): counted as the family ties them by default, or as printed; the
    other total is given as an alternative (returned as a change of the total)."""
    family = _family(root)
    embeddings = [e for e in reader.embeddings if e[0]]
    shared = next((e for e in embeddings if e[0].rsplit(".", 1)[-1] == "shared"), None)
    tied: list[str] = []
    weight = 0
    source = shared
    if shared is not None and family is not None:
        for path, num_embeddings, dim in embeddings:
            if path.rsplit(".", 1)[-1] == "embed_tokens" and (num_embeddings, dim) == shared[1:]:
                tied.append(path)
                weight += num_embeddings * dim
    for head in reader.heads:
        if head.times != 1:
            continue
        match = next(
            (e for e in ([shared] if shared else []) + embeddings if (head.n_in, head.n_out) == (e[2], e[1])), None
        )
        if match is not None and match[0] != head.path:
            tied.append(head.path)
            weight += head.n_in * head.n_out
            if head.bias and head.path.endswith(("predictions.decoder", "lm_head.decoder")):
                # BERT's and RoBERTa's decoder bias is the head's own printed-nowhere bias when tied,
                # a second vector when untied (transformers 5).
                weight += head.n_out
            source = match
            break
    if not tied or source is None:
        return [], []
    names = " and ".join(tied)
    if family is not None and TIED_BY_DEFAULT[family]:
        own = "has a weight of its own" if len(tied) == 1 else "have weights of their own"
        return tied, [(f"{names} {own}, not {source[0]}'s (tie_word_embeddings=false)", weight)]
    why = f" (tie_word_embeddings=true; {root} does not tie them by default)" if family else ""
    return [], [(f"{names} {'shares' if len(tied) == 1 else 'share'} {source[0]}'s weight{why}", -weight)]


def read_torch_print(text: str, source: str = "model.txt") -> ModelCount:
    """Count a PyTorch model from the text of ``print(model)``."""
    reader = _Reader(source)
    root = _read(text, reader)
    tied, alternatives = _tying(reader, root)
    nodes: list[Node] = []
    names: dict[tuple[str, str, str], str] = {}
    for key, group in reader.groups.items():
        call, name = group.call, group.name(key[0])
        if key[0] in tied:
            if call.name == "Embedding" or ("bias" in call.kwargs and not call.kwargs["bias"].value):
                continue
            call, name = _call("Parameters", call.args[0].value), f"{name}.bias"
        names[key] = name
        nodes.append(Node(call, input_shapes=(group.shape,), times=group.times, name=name))
    if tied:
        family = _family(root)
        reader.note(
            f"{' and '.join(tied)} counted as sharing the word embeddings' weight, as {root} does by default "
            f"(tie_word_embeddings=true in {family}'s config)"
        )
    if reader.opaque:
        names_text = ", ".join(reader.opaque)
        reader.note(
            f"not counted: parameters registered directly on {names_text} (an nn.Parameter attribute is not printed)"
        )
    reader.note("trainable counts every parameter: print() does not show requires_grad")
    spec = f"{root} (printed PyTorch model, {sum(g.times for g in reader.groups.values())} modules with parameters)"
    counted = count_graph(nodes, "pytorch", source=source, spec=spec, notes=tuple(reader.notes))
    if not family_shares(root):
        alternatives += _one_module(reader, counted, names)
    lines = [f"if {condition}: {counted.total + change:,}" for condition, change in alternatives]
    return replace(
        counted,
        notes=counted.notes + tuple(lines),
        alternatives=tuple((condition, counted.total + change) for condition, change in alternatives),
    )


def family_shares(root: str) -> bool:
    """A Hugging Face model: its modules are shared only as its family's code says (the tied head)."""
    return _family(root) is not None


def _one_module(reader: _Reader, counted: ModelCount, names: dict[tuple[str, str, str], str]) -> list[tuple[str, int]]:
    """The total if identical modules printed more than once (outside repeated blocks) were one
    module registered under several names, which a print cannot tell from copies."""
    by_name = {layer.name: layer for layer in counted.layers}
    saved, shown = 0, []
    for (cls, args), (group, printed) in reader.copies.items():
        layer = by_name.get(names.get(group, ""))
        if printed < 2 or layer is None or not layer.params:
            continue
        saved += layer.params // reader.groups[group].times * (printed - 1)
        shown.append(f"{cls}({args}) printed {printed} times")
    if not saved:
        return []
    more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
    return [(f"each {shown[0]}{more} is one module registered under several names", -saved)]
