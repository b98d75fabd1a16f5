"""Builds a spec's model in real Keras 3 and PyTorch and reads their parameter counts (optional).

Widths and shapes are left to the frameworks (Keras' shape inference, a PyTorch forward pass),
so nothing here repeats quizgen's own propagation.
"""

from __future__ import annotations

import math
from typing import Any

from quizgen.counting.model import PASS_THROUGH
from quizgen.counting.spec import Call, parse

# Layers that read a whole sequence: a recurrent layer before them returns every step (design §9).
SEQUENCE = {
    "SimpleRNN",
    "RNN",
    "LSTM",
    "GRU",
    "Bidirectional",
    "TimeDistributed",
    "Conv1D",
    "SeparableConv1D",
    "DepthwiseConv1D",
    "Conv1DTranspose",
    "MaxPooling1D",
    "AveragePooling1D",
    "GlobalMaxPooling1D",
    "GlobalAveragePooling1D",
    "SpatialDropout1D",
    "ZeroPadding1D",
    "Cropping1D",
    "UpSampling1D",
    "MultiHeadAttention",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
}
PASS = PASS_THROUGH  # layers that hand their input on unchanged, as the counting core has them
VECTOR_MAKERS = {"RepeatVector", "Flatten", "Reshape", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "Dense"}
# The spec's option names as Keras spells them (the spec accepts both; Keras only its own).
KERAS_OPTION = {
    "stride": "strides",
    "kernel": "kernel_size",
    "pool": "pool_size",
    "bias": "use_bias",
    "dilation": "dilation_rate",
    "heads": "num_heads",
    "shape": "target_shape",
    "times": "n",
    "vocab": "input_dim",
    "dim": "output_dim",
}
KERAS_CLASS = {"RNN": "SimpleRNN", "RMSNorm": "RMSNormalization"}


def _kw(call: Call, name: str, default):
    arg = call.kwargs.get(name)
    if arg is None:
        for keras_name, ours in ((k, v) for v, k in KERAS_OPTION.items()):
            if ours == name and keras_name in call.kwargs:
                return call.kwargs[keras_name].value
        return default
    return arg.value


def _pos(call: Call, i: int, name: str | None = None):
    """Argument ``i`` as written positionally, or by its name (ours or Keras')."""
    if i < len(call.args):
        return call.args[i].value
    return _kw(call, name or "", None)


def _returns_sequences(calls: list[Call], index: int) -> bool:
    explicit = _kw(calls[index], "return_sequences", None)
    if explicit is None and calls[index].name == "Bidirectional":
        explicit = _kw(_pos(calls[index], 0), "return_sequences", None)
    if explicit is not None:
        return bool(explicit)
    for call in calls[index + 1 :]:
        if call.name in PASS:
            continue
        return call.name in SEQUENCE
    return False


def _input_is_sequence(calls: list[Call]) -> bool:
    """``Input(8)`` is a sequence of 8 features when a sequence layer reads it before anything makes a vector."""
    for call in calls[1:]:
        if call.name in SEQUENCE:
            return True
        if call.name in VECTOR_MAKERS:
            return False
    return False


def _keras_value(value):
    if isinstance(value, Call):
        return _keras_layer(value, None)
    if isinstance(value, tuple):
        return tuple(_keras_value(v) for v in value)
    return value


def _keras_layer(call: Call, sequences: bool | None):
    """The Keras layer a spec call names, with its arguments passed as written (positionally too)."""
    from keras import layers as kl

    name = KERAS_CLASS.get(call.name, call.name)
    cls = getattr(kl, name)
    args = [_keras_value(a.value) for a in call.args]
    kwargs = {}
    for option, arg in call.kwargs.items():
        key = KERAS_OPTION.get(option, option)
        if option == "amount":
            key = "cropping" if name.startswith("Cropping") else "padding"
        kwargs[key] = _keras_value(arg.value)
    if name in ("SimpleRNN", "LSTM", "GRU") and sequences is not None:
        kwargs.setdefault("return_sequences", sequences)
    if name == "Bidirectional":
        inner = call.args[0].value
        args[0] = _keras_layer(inner, sequences) if isinstance(inner, Call) else inner
    # Frozen the way Keras users freeze a layer: the setter reaches a wrapper's inner layers too.
    frozen = kwargs.pop("trainable", True) is False
    layer = cls(*args, **kwargs)
    if frozen:
        layer.trainable = False
    return layer


def keras_counts(spec: str) -> tuple[int, int]:
    import keras

    calls = parse(spec)
    first = calls[0]
    if first.name == "Input":
        dims = tuple(a.value for a in first.args)
        if len(calls) > 1 and calls[1].name == "Embedding":
            x = inputs = keras.Input(shape=dims, dtype="int32")
        elif len(dims) == 1 and _input_is_sequence(calls):
            x = inputs = keras.Input(shape=(None, *dims))
        else:
            x = inputs = keras.Input(shape=dims)
        rest = list(enumerate(calls))[1:]
    else:
        x = inputs = keras.Input(shape=(None,), dtype="int32")
        rest = list(enumerate(calls))
    for index, call in rest:
        layer = _keras_layer(call, _returns_sequences(calls, index))
        x = layer(x, x) if call.name == "MultiHeadAttention" else layer(x)
    model = keras.Model(inputs, x)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    return model.count_params(), trainable


def _pair(value: Any, rank: int) -> Any:
    return tuple(value) if isinstance(value, tuple) else (value,) * rank


def torch_counts(spec: str) -> tuple[int, int]:
    params = torch_parameters(spec)
    return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)


def torch_parameters(spec: str) -> list[Any]:
    """The parameters of the PyTorch model a spec describes, each once (frozen ones without grad;
    transformers blocks on the meta device)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    calls = parse(spec)
    modules: list[nn.Module] = []
    x: Any
    embedding: Any = None
    first = calls[0]
    if first.name == "Input" and first.args and first.args[0].value is None:
        x = torch.zeros(1, 7, dtype=torch.long)  # Input(None): token ids of unknown length
        rest = list(enumerate(calls))[1:]
    elif first.name == "Input":
        dims = [int(a.value) for a in first.args]  # type: ignore[arg-type]
        if len(calls) > 1 and calls[1].name == "Embedding":
            x = torch.zeros(1, *dims, dtype=torch.long)
        elif len(dims) == 1 and _input_is_sequence(calls):
            x = torch.zeros(1, 7, *dims)  # Input(8): a sequence of unknown length; 7 steps stand in
        else:
            x = torch.zeros(1, *dims)
        rest = list(enumerate(calls))[1:]
    else:
        x = torch.zeros(1, 7, dtype=torch.long)
        rest = list(enumerate(calls))

    def channels_first(module, t: torch.Tensor) -> torch.Tensor:
        moved = t.movedim(-1, 1)
        return module(moved).movedim(1, -1)

    def recurrent(call: Call, t: torch.Tensor, bidirectional: bool | None = None):
        cls = {"SimpleRNN": nn.RNN, "RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[call.name]
        kwargs = {
            "num_layers": _kw(call, "num_layers", 1),
            "bias": _kw(call, "bias", True),
            "batch_first": True,
            "bidirectional": _kw(call, "bidirectional", False) if bidirectional is None else bidirectional,
        }
        if call.name == "LSTM":
            kwargs["proj_size"] = _kw(call, "proj_size", 0)
        module = cls(t.shape[-1], _pos(call, 0, "units"), **kwargs)
        if t.dim() == 2:
            t = t.unsqueeze(1)
        return module, module(t)[0]

    def conv(call: Call, t: torch.Tensor, rank: int, kind: str):
        c = t.shape[-1]
        kernel = _pair(
            _kw(call, "kernel", None)
            if "kernel" in call.kwargs or "kernel_size" in call.kwargs
            else _pos(call, 0 if kind == "depthwise" else 1),
            rank,
        )
        stride = _pair(_kw(call, "stride", 1), rank)
        dilation = _pair(_kw(call, "dilation", 1), rank)
        padding = _kw(call, "padding", "valid")
        pad = 0 if padding == "valid" else padding
        bias = _kw(call, "bias", True)
        nd = {1: (nn.Conv1d, nn.ConvTranspose1d), 2: (nn.Conv2d, nn.ConvTranspose2d)}[rank]
        if kind == "depthwise":
            m = _kw(call, "depth_multiplier", 1)
            module = nd[0](c, c * m, kernel, stride=stride, padding=pad, dilation=dilation, groups=c, bias=bias)
            return [module], channels_first(module, t)
        filters = _pos(call, 0, "filters")
        if kind == "separable":
            m = _kw(call, "depth_multiplier", 1)
            depthwise = nd[0](c, c * m, kernel, stride=stride, padding=pad, dilation=dilation, groups=c, bias=False)
            pointwise = nd[0](c * m, filters, 1, bias=bias)
            return [depthwise, pointwise], channels_first(lambda u: pointwise(depthwise(u)), t)
        groups = _kw(call, "groups", 1)
        if kind == "transposed":
            extra = _kw(call, "output_padding", 0)
            module = nd[1](
                c,
                filters,
                kernel,
                stride=stride,
                padding=pad,
                output_padding=extra,
                dilation=dilation,
                groups=groups,
                bias=bias,
            )
        else:
            module = nd[0](c, filters, kernel, stride=stride, padding=pad, dilation=dilation, groups=groups, bias=bias)
        return [module], channels_first(module, t)

    def pool(call: Call, t: torch.Tensor, rank: int, kind: str):
        size = _pair(_pos(call, 0) if call.args else _kw(call, "pool", 2), rank)
        stride = _kw(call, "stride", None)
        stride = size if stride is None else _pair(stride, rank)
        padding = _kw(call, "padding", "valid")
        pad = 0 if padding == "valid" else padding
        cls = {("max", 1): nn.MaxPool1d, ("max", 2): nn.MaxPool2d, ("avg", 1): nn.AvgPool1d, ("avg", 2): nn.AvgPool2d}
        return channels_first(cls[(kind, rank)](size, stride=stride, padding=pad), t)

    def grown(call: Call, t: torch.Tensor, rank: int, what: str):
        spatial_dims = list(range(1, 1 + rank))
        if what == "up":
            size = _pair(_pos(call, 0) if call.args else _kw(call, "size", 2), rank)
            for d, f in zip(spatial_dims, size, strict=True):
                t = t.repeat_interleave(f, dim=d)
            return t
        amount = _pos(call, 0) if call.args else _kw(call, "amount", 1 if what == "pad" else (1, 1))
        if isinstance(amount, int):
            pairs = [(amount, amount)] * rank
        elif rank == 1:
            pairs = [tuple(amount)]
        else:
            pairs = [tuple(a) if isinstance(a, tuple) else (a, a) for a in amount]
        for d, (a, b) in zip(spatial_dims, pairs, strict=True):
            if what == "pad":
                zeros = [0, 0] * (t.dim() - 1 - d)
                t = F.pad(t, [*zeros, a, b])
            else:
                t = t.narrow(d, a, t.shape[d] - a - b)
        return t

    with torch.no_grad():
        for index, call in rest:
            name, seq = call.name, _returns_sequences(calls, index)
            made: list = []
            if name == "Dense":
                made = [nn.Linear(x.shape[-1], _pos(call, 0, "units"), bias=_kw(call, "bias", True))]
                x = made[0](x)
            elif name == "TimeDistributed":
                inner = _pos(call, 0)
                made = [nn.Linear(x.shape[-1], _pos(inner, 0, "units"), bias=_kw(inner, "bias", True))]
                x = made[0](x)
            elif name in ("SimpleRNN", "RNN", "LSTM", "GRU", "Bidirectional"):
                if name == "Bidirectional":
                    module, x = recurrent(_pos(call, 0), x, bidirectional=True)
                else:
                    module, x = recurrent(call, x)
                made = [module]
                if not seq:
                    x = x[:, -1, :]
            elif name == "Embedding":
                made = [nn.Embedding(_pos(call, 0, "vocab"), _pos(call, 1, "dim"))]
                embedding = made[0]
                x = made[0](x)
            elif name == "PositionEmbedding":
                made = [nn.Embedding(_pos(call, 0, "sequence_length"), x.shape[-1])]
            elif name == "LMHead":
                head = nn.Linear(x.shape[-1], _pos(call, 0, "vocab"), bias=_kw(call, "bias", False))
                if _kw(call, "tied", True):
                    head.weight = embedding.weight  # shared, so counted once below
                made = [head]
                x = head(x)
            elif name in HF_BLOCKS:
                made = [_hf_block(call, int(x.shape[-1]))]
            elif name in (
                "Conv1D",
                "Conv2D",
                "Conv1DTranspose",
                "Conv2DTranspose",
                "DepthwiseConv1D",
                "DepthwiseConv2D",
                "SeparableConv1D",
                "SeparableConv2D",
            ):
                rank = 1 if "1D" in name else 2
                kind = (
                    "transposed"
                    if "Transpose" in name
                    else "depthwise"
                    if "Depthwise" in name
                    else "separable"
                    if "Separable" in name
                    else "conv"
                )
                made, x = conv(call, x, rank, kind)
            elif name in ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"):
                x = pool(call, x, 1 if "1D" in name else 2, "max" if name.startswith("Max") else "avg")
            elif name.startswith("Global"):
                rank = 1 if "1D" in name else 2
                axes = tuple(range(1, 1 + rank))
                x = x.amax(dim=axes) if "Max" in name else x.mean(dim=axes)
            elif name.startswith(("ZeroPadding", "Cropping", "UpSampling")):
                what = "pad" if name.startswith("Zero") else "crop" if name.startswith("Crop") else "up"
                x = grown(call, x, 1 if "1D" in name else 2, what)
            elif name == "Flatten":
                x = x.reshape(1, -1)
            elif name == "RepeatVector":
                x = x.unsqueeze(1).expand(-1, _pos(call, 0), -1)
            elif name == "Reshape":
                x = x.reshape(1, *_pos(call, 0))
            elif name == "Permute":
                x = x.permute(0, *_pos(call, 0))
            elif name == "PReLU":
                made = [nn.PReLU(_kw(call, "num_parameters", 1))]
                x = channels_first(made[0], x)
            elif name in PASS - {"LayerNormalization", "BatchNormalization", "GroupNormalization"} or name in (
                "SpatialDropout1D",
                "SpatialDropout2D",
                "Identity",
            ):
                pass
            elif name == "LayerNormalization":
                made = [nn.LayerNorm(x.shape[-1], elementwise_affine=_kw(call, "affine", True))]
                x = made[0](x)
            elif name in ("RMSNormalization", "RMSNorm"):
                made = [nn.RMSNorm(x.shape[-1])]
                x = made[0](x)
            elif name == "BatchNormalization":
                made = [nn.BatchNorm1d(x.shape[-1], affine=_kw(call, "affine", True))]
            elif name == "GroupNormalization":
                groups = _pos(call, 0) if call.args else _kw(call, "groups", 32)
                made = [nn.GroupNorm(groups, x.shape[-1], affine=_kw(call, "affine", True))]
                x = channels_first(made[0], x) if x.dim() > 2 else made[0](x)
            elif name == "MultiHeadAttention":
                made = [
                    nn.MultiheadAttention(
                        x.shape[-1],
                        _pos(call, 0),
                        bias=_kw(call, "bias", True),
                        add_bias_kv=_kw(call, "add_bias_kv", False),
                        batch_first=True,
                    )
                ]
                x = made[0](x, x, x)[0]
            elif name in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
                cls = nn.TransformerEncoderLayer if name == "TransformerEncoderLayer" else nn.TransformerDecoderLayer
                d_model, nhead, *rest_sizes = [int(a.value) for a in call.args]  # type: ignore[arg-type]
                feed_forward = rest_sizes[0] if rest_sizes else 2048
                block: Any = cls(d_model, nhead, feed_forward, 0.0, bias=_kw(call, "bias", True), batch_first=True)
                made = [block]
                x = made[0](x) if name == "TransformerEncoderLayer" else made[0](x, x)
            else:
                raise AssertionError(f"no PyTorch builder for {name}")
            if _kw(call, "trainable", True) is False:
                for module in made:
                    module.requires_grad_(False)
            modules.extend(made)
    return list({id(p): p for m in modules for p in m.parameters()}.values())


HF_BLOCKS = ("GPT2Block", "BertLayer", "LlamaDecoderLayer")


def _hf_block(call: Call, width: int) -> Any:
    """The transformers module a block layer names, ``layers`` times, built on the meta device."""
    import torch
    import transformers
    from torch import nn

    args: list[Any] = [a.value for a in call.args]
    times = _kw(call, "layers", 1)
    blocks: list[Any]
    with torch.device("meta"):
        if call.name == "GPT2Block":
            from transformers.models.gpt2.modeling_gpt2 import GPT2Block

            config = transformers.GPT2Config(n_embd=args[0], n_head=args[1], n_inner=_kw(call, "inner", None))
            blocks = [GPT2Block(config, layer_idx=k) for k in range(times)]
        elif call.name == "BertLayer":
            from transformers.models.bert.modeling_bert import BertLayer

            bert = transformers.BertConfig(hidden_size=args[0], num_attention_heads=args[1], intermediate_size=args[2])
            blocks = [BertLayer(bert) for _ in range(times)]
        else:
            sizes = {
                "hidden_size": args[0],
                "num_attention_heads": args[1],
                "intermediate_size": args[2],
                "num_key_value_heads": _kw(call, "kv_heads", None) or args[1],
                "head_dim": _kw(call, "head_dim", None) or args[0] // args[1],
            }
            if _kw(call, "experts", None):
                if any(_kw(call, flag, False) for flag in ("attention_bias", "qkv_bias", "mlp_bias")):
                    raise AssertionError("no transformers mixture-of-experts block has these biases")
                from transformers.models.mixtral.modeling_mixtral import MixtralDecoderLayer

                mixtral = transformers.MixtralConfig(
                    **sizes,
                    num_local_experts=_kw(call, "experts", None),
                    num_experts_per_tok=_kw(call, "top_k", None) or 2,
                )
                blocks = [MixtralDecoderLayer(mixtral, layer_idx=k) for k in range(times)]
            elif _kw(call, "qkv_bias", False) and not _kw(call, "attention_bias", False):
                if _kw(call, "mlp_bias", False):
                    raise AssertionError("no transformers block has q, k, v and MLP biases without an output bias")
                from transformers.models.qwen2.modeling_qwen2 import Qwen2DecoderLayer

                qwen = transformers.Qwen2Config(**sizes)
                blocks = [Qwen2DecoderLayer(qwen, layer_idx=k) for k in range(times)]
            else:
                from transformers.models.llama.modeling_llama import LlamaDecoderLayer

                llama = transformers.LlamaConfig(
                    **sizes,
                    attention_bias=_kw(call, "attention_bias", False),
                    mlp_bias=_kw(call, "mlp_bias", False),
                )
                blocks = [LlamaDecoderLayer(llama, layer_idx=k) for k in range(times)]
    if width != args[0]:
        raise AssertionError(f"{call.name} on width {width}")
    return nn.ModuleList(blocks)


FRAMEWORK_COUNTERS = {"keras": keras_counts, "torch": torch_counts}
FRAMEWORK_OF = {"keras": "keras", "torch": "pytorch"}


def available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


LIMIT = 5 * 10**8
"""Parameters PyTorch builds for real when cross-checking (transformers blocks are on the meta device)."""


def real_parameters(spec: str, framework: str) -> int:
    """Parameters of the layers a cross-check would allocate (all but the transformers blocks)."""
    from quizgen.counting import count

    return sum(layer.params for layer in count(spec, framework).layers if layer.type not in HF_BLOCKS)


def torch_training(spec: str, quantity: str) -> int | None:
    """A training quantity measured in PyTorch itself, where PyTorch measures it (else None):
    weights, gradients and optimizer states after one ``step()`` in fp32 (SGD, momentum, Adam,
    AdamW), LoRA adapters as peft injects them into transformers blocks, and receptive fields as
    the support of one output's gradient."""
    from quizgen.counting.training_quantities import parse_asked, setup

    asked = parse_asked(quantity)
    if asked.kind == "receptive_field":
        assert asked.layer is not None
        return _torch_field(spec, asked.layer)
    if asked.kind == "lora_params":
        return _peft_adapters(spec, quantity)
    byte_kinds = ("gradient_bytes", "optimizer_bytes", "train_bytes")
    s = setup(asked)
    if asked.kind not in byte_kinds or s.precision != "fp32" or s.zero or s.lora or s.optimizer == "lion":
        return None
    import torch

    params = torch_parameters(spec)
    trainable = [p for p in params if p.requires_grad]
    for p in trainable:
        p.grad = torch.ones_like(p)
    optimizers = {
        "sgd": lambda: torch.optim.SGD(trainable, lr=0.1, foreach=False),
        "momentum": lambda: torch.optim.SGD(trainable, lr=0.1, momentum=0.9, foreach=False),
        "adam": lambda: torch.optim.Adam(trainable, foreach=False),
        "adamw": lambda: torch.optim.AdamW(trainable, foreach=False),
    }
    optimizer = optimizers[s.optimizer]()
    optimizer.step()
    states = sum(
        v.numel() * v.element_size() for state in optimizer.state.values() for k, v in state.items() if k != "step"
    )
    grads = sum(p.grad.numel() * p.grad.element_size() for p in trainable)
    weights = sum(p.numel() * p.element_size() for p in params)
    return {"gradient_bytes": grads, "optimizer_bytes": states, "train_bytes": weights + grads + states}[asked.kind]


def _peft_adapters(spec: str, quantity: str) -> int | None:
    from peft import LoraConfig, inject_adapter_in_model

    from quizgen.counting.lora import parse_lora
    from quizgen.counting.training_quantities import parse_asked

    asked = parse_asked(quantity)
    lora = parse_lora(f"r={asked.option('r')},targets={asked.option('targets')}")
    calls = parse(spec)
    if any(c.name not in (*HF_BLOCKS, "Input", "RMSNormalization", "LayerNormalization") for c in calls):
        return None
    names = {
        "LlamaDecoderLayer": {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj", "gate": "gate_proj"},
        "GPT2Block": {"c_attn": "c_attn", "c_proj": "c_proj", "fc1": "c_fc"},
        "BertLayer": {"q": "query", "k": "key", "v": "value"},
    }
    total = 0
    for call in calls:
        if call.name not in HF_BLOCKS:
            continue
        width = call.args[0].value
        block = _hf_block(call, int(width))  # type: ignore[arg-type]
        if lora.targets == ("all-linear",):
            targets: Any = "all-linear"
        else:
            spelled = names[call.name]
            if any(t not in spelled for t in lora.targets):
                return None
            targets = [spelled[t] for t in lora.targets]
        config = LoraConfig(r=lora.rank, target_modules=targets)
        injected = inject_adapter_in_model(config, block)
        total += sum(p.numel() for n, p in injected.named_parameters() if "lora_" in n)
    return total


def _torch_field(spec: str, k: int) -> int | None:
    """The extent of the input positions one central output of layer ``k`` depends on (every weight
    1, max pooling taken as the average over the same window), on an input four times the spec's."""
    import torch
    import torch.nn.functional as F

    calls = parse(spec)[:k]
    dims = [int(a.value) for a in calls[0].args]  # type: ignore[arg-type]
    rank = len(dims) - 1
    if rank not in (1, 2):
        return None
    x = torch.ones(1, 1, *(4 * d for d in dims[:-1]), requires_grad=True)
    t = x
    for call in calls[1:]:
        name = call.name
        if name in ("Conv1D", "Conv2D"):
            kernel = _pair(_pos(call, 1, "kernel"), rank)
            stride = _pair(_kw(call, "stride", call.args[2].value if len(call.args) > 2 else 1), rank)
            dilation = _pair(_kw(call, "dilation", 1), rank)
            conv = F.conv1d if rank == 1 else F.conv2d
            t = conv(t, torch.ones(1, 1, *kernel), stride=stride, dilation=dilation)
        elif name.startswith(("MaxPooling", "AveragePooling")):
            pool = _pair(_pos(call, 0, "pool") or 2, rank)
            stride = _pair(_pos(call, 1, "stride") or pool, rank)
            t = (F.avg_pool1d if rank == 1 else F.avg_pool2d)(t, pool, stride)
        elif name not in ("Dropout", "Activation", "ReLU", "BatchNormalization"):
            return None
    centre = tuple(n // 2 for n in t.shape[2:])
    t[(0, 0, *centre)].backward()
    assert x.grad is not None
    support = (x.grad[0, 0] != 0).nonzero()
    sizes = {int(support[:, a].max() - support[:, a].min() + 1) for a in range(rank)}
    return sizes.pop() if len(sizes) == 1 else None
