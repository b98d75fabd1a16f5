"""Output shapes and MACs against real PyTorch ops on one sample, FLOPs read by FlopCounterMode.

Recurrent layers are unrolled with F.linear per step so that the counter sees their matrix
products; everything else runs as PyTorch's own modules.
"""

from __future__ import annotations

import random

import pytest
from tests_support import require

from quizgen import count
from quizgen.counting.spec import Call, parse

N_SPECS = 240


def _recurrent(rng: random.Random) -> str:
    kind = rng.choice(["SimpleRNN", "LSTM", "GRU"])
    options = []
    if rng.random() < 0.4:
        options.append(f"num_layers={rng.randint(2, 3)}")
    if rng.random() < 0.4:
        options.append("bidirectional=true")
    units = rng.randint(2, 12)
    if kind == "LSTM" and rng.random() < 0.3:
        options.append(f"proj_size={rng.randint(1, units - 1)}")
    if rng.random() < 0.2:
        options.append("bias=false")
    return f"{kind}({', '.join([str(units), *options])})"


def _spec(rng: random.Random) -> str:
    family = rng.choice(["dense", "conv1d", "conv2d", "recurrent", "embedding", "attention"])
    if family == "dense":
        return f"Input({rng.randint(2, 30)}) -> Dense({rng.randint(1, 20)}) -> Dense({rng.randint(1, 5)})"
    if family == "conv1d":
        layers = [f"Input({rng.randint(20, 40)}, {rng.randint(1, 6)})"]
        for _ in range(rng.randint(1, 2)):
            k, s = rng.randint(1, 4), rng.randint(1, 3)
            padding = "same" if s == 1 and rng.random() < 0.3 else str(rng.randint(0, k // 2))
            layers.append(f"Conv1D({rng.randint(1, 8)}, kernel={k}, stride={s}, padding={padding})")
            if rng.random() < 0.4:
                layers.append(f"{rng.choice(['MaxPooling1D', 'AveragePooling1D'])}({rng.randint(1, 2)})")
        layers.append(rng.choice(["Flatten() -> Dense(3)", _recurrent(rng) + " -> Dense(2)"]))
        return " -> ".join(layers)
    if family == "conv2d":
        layers = [f"Input({rng.randint(12, 24)}, {rng.randint(12, 24)}, {rng.randint(1, 3)})"]
        k, s = rng.choice([1, 3, (3, 2)]), rng.choice([1, 2, (2, 1)])
        pad = rng.randint(0, 1)
        layers.append(
            f"Conv2D({rng.randint(1, 8)}, kernel={k}, stride={s}, padding={pad})".replace(" ", "").replace(",", ", ")
        )
        if rng.random() < 0.5:
            layers.append(f"{rng.choice(['MaxPooling2D', 'AveragePooling2D'])}(2)")
        layers += ["Flatten()", f"Dense({rng.randint(1, 6)})"]
        return " -> ".join(layers)
    if family == "recurrent":
        layers = [f"Input({rng.randint(2, 9)}, {rng.randint(1, 8)})", _recurrent(rng)]
        if rng.random() < 0.5:
            layers.append(_recurrent(rng))
        layers.append(f"Dense({rng.randint(1, 4)})")
        return " -> ".join(layers)
    if family == "embedding":
        return (
            f"Input({rng.randint(3, 10)}) -> Embedding({rng.randint(10, 99)}, {rng.randint(2, 10)}) -> "
            f"{_recurrent(rng)} -> Dense({rng.randint(1, 3)})"
        )
    heads = rng.randint(1, 4)
    return f"Input({rng.randint(2, 12)}, {heads * rng.randint(1, 5)}) -> MultiHeadAttention({heads}) -> Dense(3)"


SPECS = [_spec(random.Random(k)) for k in range(N_SPECS)]


def _value(call: Call, name: str, default):
    arg = call.kwargs.get(name)
    return default if arg is None else arg.value


def _run(spec: str) -> tuple[list[tuple[int, ...]], int]:
    """Each layer's output shape (no batch axis) and the FLOPs FlopCounterMode counts."""
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    calls = parse(spec)
    model = count(spec, "pytorch")
    dims = [a.value for a in calls[0].args]
    x = torch.zeros(1, *dims, dtype=torch.long) if calls[1].name == "Embedding" else torch.randn(1, *dims)
    shapes: list[tuple[int, ...]] = [tuple(x.shape[1:])]

    def channels_first(module, t):
        return module(t.movedim(-1, 1)).movedim(1, -1)

    def unrolled(call: Call, t):
        kind = call.name
        gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
        units = call.args[0].value
        proj = _value(call, "proj_size", 0)
        bias = _value(call, "bias", True)
        directions = 2 if _value(call, "bidirectional", False) else 1
        for _ in range(_value(call, "num_layers", 1)):
            outputs = []
            for direction in range(directions):
                w_ih = torch.randn(gates * units, t.shape[-1])
                w_hh = torch.randn(gates * units, proj or units)
                w_hr = torch.randn(proj, units) if proj else None
                b = torch.zeros(gates * units) if bias else None
                h = torch.zeros(1, proj or units)
                steps = range(t.shape[1]) if direction == 0 else reversed(range(t.shape[1]))
                seq = []
                for step in steps:
                    mixed = F.linear(t[:, step], w_ih, b) + F.linear(h, w_hh, b)
                    full = torch.tanh(mixed[:, :units])
                    h = F.linear(full, w_hr) if w_hr is not None else full
                    seq.append(h)
                if direction == 1:
                    seq.reverse()
                outputs.append(torch.stack(seq, dim=1))
            t = torch.cat(outputs, dim=-1)
        return t

    def attention(t, heads: int):
        """nn.MultiheadAttention's computation written out, so that its matrix products are counted."""
        steps, width = t.shape[1], t.shape[2]
        q, k, v = F.linear(t, torch.randn(3 * width, width)).chunk(3, dim=-1)
        split = [u.reshape(1, steps, heads, width // heads).transpose(1, 2) for u in (q, k, v)]
        scores = torch.matmul(split[0], split[1].transpose(-2, -1)).softmax(dim=-1)
        mixed = torch.matmul(scores, split[2]).transpose(1, 2).reshape(1, steps, width)
        return F.linear(mixed, torch.randn(width, width))

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        for index, call in enumerate(calls[1:], start=1):
            name = call.name
            if name == "Dense":
                x = nn.Linear(x.shape[-1], call.args[0].value)(x)
            elif name == "Embedding":
                x = nn.Embedding(call.args[0].value, call.args[1].value)(x)
            elif name in ("Conv1D", "Conv2D"):
                cls = nn.Conv1d if name == "Conv1D" else nn.Conv2d
                padding = _value(call, "padding", "valid")
                module = cls(
                    x.shape[-1],
                    call.args[0].value,
                    _value(call, "kernel", 1),
                    stride=_value(call, "stride", 1),
                    padding=0 if padding == "valid" else padding,
                )
                x = channels_first(module, x)
            elif name in ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"):
                cls = {
                    "MaxPooling1D": nn.MaxPool1d,
                    "MaxPooling2D": nn.MaxPool2d,
                    "AveragePooling1D": nn.AvgPool1d,
                    "AveragePooling2D": nn.AvgPool2d,
                }[name]
                x = channels_first(cls(call.args[0].value), x)
            elif name == "Flatten":
                x = x.reshape(1, -1)
            elif name in ("SimpleRNN", "LSTM", "GRU"):
                x = unrolled(call, x)
                if model.layers[index].output_shape != (x.shape[1], x.shape[2]):
                    x = x[:, -1]
            elif name == "MultiHeadAttention":
                x = attention(x, call.args[0].value)
            else:
                raise AssertionError(name)
            shapes.append(tuple(x.shape[1:]))
    return shapes, counter.get_total_flops()


def test_the_issue_figure():
    lstm = count("Input(50, 8) -> LSTM(20)").layers[1]
    assert lstm.macs == 112_000 and lstm.macs_derivation.text() == "50·4·20·(8+20) = 112000"


def test_unknown_sequence_length_gives_null_not_a_guess():
    model = count("Input(8) -> LSTM(20) -> Dense(1)")
    data = model.to_dict()
    assert data["macs"] is None and data["flops"] is None and data["layers"][1]["macs"] is None
    assert data["layers"][1]["output_shape"] == [20]
    assert count("Input(8) -> Dense(4)").macs == 32  # one vector of 8 features


@pytest.mark.frameworks
@pytest.mark.parametrize("spec", SPECS)
def test_shapes_and_flops_agree_with_pytorch(spec):
    require("torch")
    shapes, flops = _run(spec)
    model = count(spec, "pytorch")
    assert [layer.output_shape for layer in model.layers] == shapes
    assert model.flops == flops and model.macs * 2 == flops, [(layer.spec, layer.macs) for layer in model.layers]
