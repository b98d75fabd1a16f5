"""Builds a spec's model in real Keras 3 and PyTorch and reads their parameter counts (optional).

Widths and shapes are left to the frameworks (Keras' shape inference, a PyTorch forward pass),
so nothing here repeats quizgen's own propagation.
"""

from __future__ import annotations

import math

from quizgen.counting.spec import Call, parse

SEQUENCE = {
    "SimpleRNN",
    "RNN",
    "LSTM",
    "GRU",
    "Bidirectional",
    "TimeDistributed",
    "Conv1D",
    "MaxPooling1D",
    "MultiHeadAttention",
    "Flatten",
}
PASS = {"Dropout", "LayerNormalization", "BatchNormalization"}


def _kw(call: Call, name: str, default):
    arg = call.kwargs.get(name)
    return default if arg is None else arg.value


def _pos(call: Call, i: int):
    return call.args[i].value


def _returns_sequences(calls: list[Call], index: int) -> bool:
    for call in calls[index + 1 :]:
        if call.name in PASS:
            continue
        return call.name in SEQUENCE
    return False


def keras_counts(spec: str) -> tuple[int, int]:
    import keras
    from keras import layers as kl

    calls = parse(spec)
    has_sequence_layer = any(c.name in SEQUENCE for c in calls)

    def recurrent(call: Call, seq: bool):
        cls = {"SimpleRNN": kl.SimpleRNN, "RNN": kl.SimpleRNN, "LSTM": kl.LSTM, "GRU": kl.GRU}[call.name]
        kwargs = {"use_bias": _kw(call, "bias", True), "return_sequences": seq}
        if call.name == "GRU":
            kwargs["reset_after"] = _kw(call, "reset_after", True)
        return cls(_pos(call, 0), **kwargs)

    first = calls[0]
    if first.name == "Input":
        dims = tuple(a.value for a in first.args)
        if len(calls) > 1 and calls[1].name == "Embedding":
            x = inputs = keras.Input(shape=dims, dtype="int32")
        elif len(dims) == 1 and has_sequence_layer:
            x = inputs = keras.Input(shape=(None, *dims))
        else:
            x = inputs = keras.Input(shape=dims)
        rest = list(enumerate(calls))[1:]
    else:
        x = inputs = keras.Input(shape=(None,), dtype="int32")
        rest = list(enumerate(calls))
    for index, call in rest:
        name, seq = call.name, _returns_sequences(calls, index)
        if name == "Dense":
            x = kl.Dense(_pos(call, 0), use_bias=_kw(call, "bias", True))(x)
        elif name == "TimeDistributed":
            inner = _pos(call, 0)
            x = kl.TimeDistributed(kl.Dense(_pos(inner, 0), use_bias=_kw(inner, "bias", True)))(x)
        elif name in ("SimpleRNN", "RNN", "LSTM", "GRU"):
            x = recurrent(call, seq)(x)
        elif name == "Bidirectional":
            x = kl.Bidirectional(recurrent(_pos(call, 0), seq), merge_mode=_kw(call, "merge_mode", "concat"))(x)
        elif name == "Embedding":
            x = kl.Embedding(_pos(call, 0), _pos(call, 1))(x)
        elif name in ("Conv1D", "Conv2D"):
            cls = kl.Conv1D if name == "Conv1D" else kl.Conv2D
            x = cls(
                _pos(call, 0),
                _kw(call, "kernel", None),
                strides=_kw(call, "stride", 1),
                padding=_kw(call, "padding", "valid"),
                use_bias=_kw(call, "bias", True),
            )(x)
        elif name == "MaxPooling1D":
            x = kl.MaxPooling1D(_pos(call, 0))(x)
        elif name == "MaxPooling2D":
            x = kl.MaxPooling2D(_pos(call, 0))(x)
        elif name == "Flatten":
            x = kl.Flatten()(x)
        elif name == "Dropout":
            x = kl.Dropout(_pos(call, 0))(x)
        elif name == "LayerNormalization":
            x = kl.LayerNormalization()(x)
        elif name == "BatchNormalization":
            x = kl.BatchNormalization()(x)
        elif name == "MultiHeadAttention":
            x = kl.MultiHeadAttention(_pos(call, 0), _kw(call, "key_dim", None))(x, x)
        else:
            raise AssertionError(f"no Keras builder for {name}")
    model = keras.Model(inputs, x)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    return model.count_params(), trainable


def torch_counts(spec: str) -> tuple[int, int]:
    import torch
    from torch import nn

    calls = parse(spec)
    modules: list[nn.Module] = []
    first = calls[0]
    if first.name == "Input":
        dims = [int(a.value) for a in first.args]  # type: ignore[arg-type]
        if len(calls) > 1 and calls[1].name == "Embedding":
            x = torch.zeros(1, *dims, dtype=torch.long)
        elif len(dims) == 1:
            x = torch.zeros(1, 7, *dims)  # Input(8): a sequence of unknown length; 7 steps stand in
        else:
            x = torch.zeros(1, *dims)
        rest = list(enumerate(calls))[1:]
    else:
        x = torch.zeros(1, 7, dtype=torch.long)
        rest = list(enumerate(calls))

    def channels_first(module: nn.Module, t: torch.Tensor) -> torch.Tensor:
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
        module = cls(t.shape[-1], _pos(call, 0), **kwargs)
        if t.dim() == 2:
            t = t.unsqueeze(1)
        return module, module(t)[0]

    with torch.no_grad():
        for index, call in rest:
            name, seq = call.name, _returns_sequences(calls, index)
            module: nn.Module | None = None
            if name == "Dense":
                module = nn.Linear(x.shape[-1], _pos(call, 0), bias=_kw(call, "bias", True))
                x = module(x)
            elif name == "TimeDistributed":
                inner = _pos(call, 0)
                module = nn.Linear(x.shape[-1], _pos(inner, 0), bias=_kw(inner, "bias", True))
                x = module(x)
            elif name in ("SimpleRNN", "RNN", "LSTM", "GRU", "Bidirectional"):
                if name == "Bidirectional":
                    module, x = recurrent(_pos(call, 0), x, bidirectional=True)
                else:
                    module, x = recurrent(call, x)
                if not seq:
                    x = x[:, -1, :]
            elif name == "Embedding":
                module = nn.Embedding(_pos(call, 0), _pos(call, 1))
                x = module(x)
            elif name in ("Conv1D", "Conv2D"):
                cls = nn.Conv1d if name == "Conv1D" else nn.Conv2d
                padding = _kw(call, "padding", "valid")
                module = cls(
                    x.shape[-1],
                    _pos(call, 0),
                    _kw(call, "kernel", None),
                    stride=_kw(call, "stride", 1),
                    padding=padding if padding == "same" else 0,
                    bias=_kw(call, "bias", True),
                )
                x = channels_first(module, x)
            elif name in ("MaxPooling1D", "MaxPooling2D"):
                pool = nn.MaxPool1d(_pos(call, 0)) if name == "MaxPooling1D" else nn.MaxPool2d(_pos(call, 0))
                x = channels_first(pool, x)
            elif name == "Flatten":
                x = x.reshape(1, -1)
            elif name == "Dropout":
                pass
            elif name == "LayerNormalization":
                module = nn.LayerNorm(x.shape[-1])
                x = module(x)
            elif name == "BatchNormalization":
                module = nn.BatchNorm1d(x.shape[-1])
            elif name == "MultiHeadAttention":
                module = nn.MultiheadAttention(x.shape[-1], _pos(call, 0), batch_first=True)
                x = module(x, x, x)[0]
            else:
                raise AssertionError(f"no PyTorch builder for {name}")
            if module is not None:
                modules.append(module)
    params = [p for m in modules for p in m.parameters()]
    return sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad)


FRAMEWORK_COUNTERS = {"keras": keras_counts, "torch": torch_counts}
FRAMEWORK_OF = {"keras": "keras", "torch": "pytorch"}


def available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
