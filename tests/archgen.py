"""Random architectures in the spec language, covering every layer and option, for cross-checks."""

from __future__ import annotations

import random


def _recurrent(rng: random.Random, framework: str, used: set[str]) -> str:
    kind = rng.choice(["SimpleRNN", "LSTM", "GRU", "RNN"])
    units = rng.randint(1, 24)
    opts = []
    if rng.random() < 0.25:
        opts.append("bias=false")
        used.add("bias=false")
    if framework == "keras":
        if kind == "GRU" and rng.random() < 0.5:
            opts.append(f"reset_after={rng.choice(['true', 'false'])}")
            used.add("reset_after")
        layer = f"{kind}({', '.join([str(units), *opts])})"
        if rng.random() < 0.35:
            mode = rng.choice(["concat", "sum", "ave", "mul"])
            used.add(f"merge_mode={mode}")
            suffix = "" if mode == "concat" and rng.random() < 0.5 else f", merge_mode={mode}"
            layer = f"Bidirectional({layer}{suffix})"
            used.add("Bidirectional")
        used.add(kind)
        return layer
    if rng.random() < 0.4:
        opts.append(f"num_layers={rng.randint(2, 3)}")
        used.add("num_layers")
    if rng.random() < 0.4:
        opts.append("bidirectional=true")
        used.add("bidirectional")
    if kind == "LSTM" and units > 1 and rng.random() < 0.35:
        opts.append(f"proj_size={rng.randint(1, units - 1)}")
        used.add("proj_size")
    used.add(kind)
    return f"{kind}({', '.join([str(units), *opts])})"


def _maybe_norm(rng: random.Random, layers: list[str], used: set[str]) -> None:
    roll = rng.random()
    if roll < 0.15:
        layers.append(f"Dropout({rng.choice(['0.1', '0.25', '0.5', '0'])})")
        used.add("Dropout")
    elif roll < 0.3:
        layers.append("LayerNormalization()")
        used.add("LayerNormalization")
    elif roll < 0.4:
        layers.append("BatchNormalization()")
        used.add("BatchNormalization")


def _dense(rng: random.Random, used: set[str], wrapped: bool = False) -> str:
    units = rng.randint(1, 12)
    bias = ", bias=false" if rng.random() < 0.2 else ""
    used.add("Dense")
    if wrapped:
        used.add("TimeDistributed")
        return f"TimeDistributed(Dense({units}{bias}))"
    return f"Dense({units}{bias})"


def recurrent_model(rng: random.Random, framework: str, used: set[str]) -> str:
    if rng.random() < 0.3:
        used.add("Embedding")
        start = [f"Input({rng.randint(3, 9)})"] if rng.random() < 0.5 else []
        layers = [*start, f"Embedding({rng.randint(5, 300)}, {rng.randint(1, 16)})"]
    else:
        layers = [f"Input({rng.randint(1, 12)})"]
    for _ in range(rng.randint(1, 3)):
        layers.append(_recurrent(rng, framework, used))
        _maybe_norm(rng, layers, used)
    if rng.random() < 0.3:
        layers.append(_dense(rng, used, wrapped=True))
        layers.append(_recurrent(rng, framework, used))
    layers.append(_dense(rng, used))
    return " -> ".join(layers)


def conv1d_model(rng: random.Random, framework: str, used: set[str]) -> str:
    length = rng.randint(30, 60)
    layers = [f"Input({length}, {rng.randint(1, 6)})"]
    for _ in range(rng.randint(1, 2)):
        kernel, stride = rng.randint(1, 4), rng.randint(1, 2)
        padding = rng.choice(["valid", "same"]) if framework == "keras" or stride == 1 else "valid"
        bias = ", bias=false" if rng.random() < 0.2 else ""
        layers.append(f"Conv1D({rng.randint(1, 10)}, kernel={kernel}, stride={stride}, padding={padding}{bias})")
        used.update({"Conv1D", f"padding={padding}", "stride"})
        if rng.random() < 0.4:
            layers.append(f"MaxPooling1D({rng.randint(1, 2)})")
            used.add("MaxPooling1D")
    if rng.random() < 0.5:
        layers.append(_recurrent(rng, framework, used))
    else:
        layers.append("Flatten()")
        used.add("Flatten")
    layers.append(_dense(rng, used))
    return " -> ".join(layers)


def conv2d_model(rng: random.Random, framework: str, used: set[str]) -> str:
    layers = [f"Input({rng.randint(24, 40)}, {rng.randint(24, 40)}, {rng.randint(1, 3)})"]
    pooled = False
    for _ in range(rng.randint(1, 2)):
        kernel = rng.choice(["3", "2", "(3, 2)", "(1, 3)"])
        stride = rng.choice(["1", "2", "(1, 2)"])
        padding = rng.choice(["valid", "same"]) if framework == "keras" or stride == "1" else "valid"
        bias = ", bias=false" if rng.random() < 0.2 else ""
        layers.append(f"Conv2D({rng.randint(1, 8)}, kernel={kernel}, stride={stride}, padding={padding}{bias})")
        used.update({"Conv2D", f"padding={padding}", "stride"})
        _maybe_norm(rng, layers, used)
        if not pooled and rng.random() < 0.5:
            pooled = True
            layers.append(f"MaxPooling2D({rng.choice(['2', '(2, 1)'])})")
            used.add("MaxPooling2D")
    layers.append("Flatten()")
    used.add("Flatten")
    layers.append(_dense(rng, used))
    return " -> ".join(layers)


def attention_model(rng: random.Random, framework: str, used: set[str]) -> str:
    heads = rng.randint(1, 4)
    used.add("MultiHeadAttention")
    if framework == "pytorch":
        width = heads * rng.randint(1, 6)
        mha = f"MultiHeadAttention({heads})"
    else:
        width = rng.randint(2, 16)
        mha = f"MultiHeadAttention({heads}, key_dim={rng.randint(1, 8)})"
    layers = [f"Input({rng.randint(2, 8)}, {width})", mha]
    _maybe_norm(rng, layers, used)
    layers.append(_dense(rng, used))
    return " -> ".join(layers)


FAMILIES = [recurrent_model, recurrent_model, conv1d_model, conv2d_model, attention_model]


def architectures(framework: str, n: int, seed: int) -> tuple[list[str], set[str]]:
    rng = random.Random(seed)
    used: set[str] = set()
    return [rng.choice(FAMILIES)(rng, framework, used) for _ in range(n)], used
