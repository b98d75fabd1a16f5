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


def _padding(rng: random.Random, framework: str, stride: int, kernel: int) -> str:
    if framework == "keras":
        return rng.choice(["'valid'", '"same"', "valid", "same"])
    if stride == 1 and rng.random() < 0.3:
        return "same"
    return str(rng.randint(0, kernel // 2))


def keras_spelling_model(rng: random.Random, framework: str, used: set[str]) -> str:
    """Options as Keras writes them: kernel_size, strides, use_bias, positional order, quoted strings."""
    used.update({"keras_spellings", "ignored_options"})
    length = rng.randint(20, 40)
    stride = rng.randint(1, 2)
    kernel = rng.randint(2, 5)
    padding = _padding(rng, framework, stride, kernel)
    true_word = rng.choice(["True", "true"])
    use_bias = rng.choice(["True", "False"])
    conv = f"Conv1D({rng.randint(2, 9)}, {kernel}, strides={stride}, padding={padding}, activation='relu', "
    conv += f"use_bias={use_bias})"
    layers = [f"Input({length}, {rng.randint(1, 5)})", conv]
    units = rng.randint(2, 10)
    used.add("return_sequences")
    layers.append(f"LSTM(units={units}, return_sequences={true_word}, dropout=0.2, recurrent_dropout=0.1)")
    layers.append(f'Dense({rng.randint(2, 6)}, "tanh", kernel_initializer="he_normal", name="head")')
    layers.append(rng.choice(["GlobalAveragePooling1D()", "GlobalMaxPooling1D()", "Flatten()"]))
    layers.append(f"Dense(units={rng.randint(1, 4)}, activation='softmax')")
    return " -> ".join(layers)


def autoencoder_model(rng: random.Random, framework: str, used: set[str]) -> str:
    """A RepeatVector sequence autoencoder, with explicit and default return_sequences."""
    used.update({"RepeatVector", "return_sequences"})
    steps, features = rng.randint(3, 12), rng.randint(1, 6)
    enc, dec = rng.randint(2, 16), rng.randint(2, 16)
    layers = [f"Input({steps}, {features})", f"LSTM({enc})"]
    if rng.random() < 0.5:
        layers.append(f"Dense({rng.randint(2, 8)})")
    layers += [f"RepeatVector({steps})", f"{rng.choice(['LSTM', 'GRU'])}({dec}, return_sequences=true)"]
    layers.append(f"TimeDistributed(Dense({features}))")
    return " -> ".join(layers)


def modern_conv_model(rng: random.Random, framework: str, used: set[str]) -> str:
    """Depthwise, separable, transposed, dilated and grouped 2D convolutions with the shape layers around them."""
    size, channels = rng.randint(16, 28), rng.choice([2, 4, 6])
    layers = [f"Input({size}, {size}, {channels})"]
    choice = rng.choice(["depthwise", "separable", "transposed", "dilated", "grouped"])
    used.add(choice)
    if choice == "depthwise":
        mult = rng.randint(1, 3)
        layers.append(
            f"DepthwiseConv2D({rng.choice([1, 3])}, depth_multiplier={mult}, use_bias={rng.choice(['True', 'False'])})"
        )
        channels *= mult
    elif choice == "separable":
        if framework == "keras":
            layers.append(
                f"SeparableConv2D({2 * rng.randint(1, 4)}, 3, padding='same', depth_multiplier={rng.randint(1, 2)})"
            )
        else:
            layers.append(f"SeparableConv2D({2 * rng.randint(1, 4)}, 3, depth_multiplier={rng.randint(1, 2)})")
    elif choice == "transposed":
        stride = rng.randint(1, 2)
        padding = _padding(rng, framework, 2, 3) if framework == "pytorch" else rng.choice(["'valid'", "'same'"])
        extra = f", output_padding={rng.randint(0, stride - 1)}" if rng.random() < 0.4 else ""
        layers.append(f"Conv2DTranspose({2 * rng.randint(1, 3)}, 3, strides={stride}, padding={padding}{extra})")
    elif choice == "dilated":
        layers.append(f"Conv2D({2 * rng.randint(1, 4)}, 3, dilation_rate={rng.randint(2, 3)})")
    else:
        groups = rng.choice([1, 2])
        layers.append(f"Conv2D({groups * rng.randint(1, 4)}, (3, 1), groups={groups})")
        used.add("groups")
    roll = rng.random()
    if roll < 0.3:
        layers.append(f"GroupNormalization({rng.choice([1, 2])})")
        used.add("GroupNormalization")
    elif roll < 0.5:
        layers.append(f"AveragePooling2D({rng.choice(['2', '(2, 2)'])})")
        used.add("AveragePooling2D")
    elif roll < 0.7:
        layers.append(f"ZeroPadding2D({rng.choice(['1', '(1, 2)', '((1, 0), (2, 1))'])})")
        used.add("ZeroPadding2D")
        layers.append(f"UpSampling2D({rng.choice(['2', '(1, 2)'])})")
        used.add("UpSampling2D")
    else:
        layers.append("Cropping2D(((1, 1), (2, 0)))")
        used.add("Cropping2D")
    if rng.random() < 0.5:
        layers.append(rng.choice(["GlobalAveragePooling2D()", "GlobalMaxPooling2D()"]))
        used.add("GlobalPooling2D")
    else:
        layers += ["Flatten()"]
    layers.append(f"Dense({rng.randint(1, 5)})")
    return " -> ".join(layers)


def sequence_tools_model(rng: random.Random, framework: str, used: set[str]) -> str:
    """1D convolutions of every kind and the parameter-free sequence layers."""
    used.update({"Masking", "Activation", "SpatialDropout1D", "ZeroPadding1D", "UpSampling1D", "Cropping1D"})
    layers = [f"Input({rng.randint(20, 40)}, {rng.randint(1, 5)})", "Masking(mask_value=0.0)"]
    kind = rng.choice(["SeparableConv1D", "DepthwiseConv1D", "Conv1DTranspose", "Conv1D"])
    used.add(kind)
    if kind == "DepthwiseConv1D":
        layers.append(f"DepthwiseConv1D({rng.randint(1, 4)}, depth_multiplier={rng.randint(1, 2)})")
    elif kind == "Conv1D":
        layers.append(f"Conv1D({rng.randint(2, 6)}, {rng.randint(2, 4)}, dilation_rate={rng.randint(1, 3)})")
    else:
        layers.append(f"{kind}({rng.randint(2, 6)}, {rng.randint(2, 4)})")
    layers += ["Activation('relu')", "SpatialDropout1D(0.1)", f"ZeroPadding1D({rng.choice(['1', '(2, 0)'])})"]
    layers += [f"UpSampling1D({rng.randint(1, 2)})", "Cropping1D((1, 1))"]
    layers.append(f"AveragePooling1D({rng.randint(1, 2)})")
    used.add("AveragePooling1D")
    layers.append(rng.choice(["GlobalMaxPooling1D()", "GlobalAveragePooling1D()", f"GRU({rng.randint(1, 5)})"]))
    layers.append(f"Dense({rng.randint(1, 4)})")
    return " -> ".join(layers)


def frozen_model(rng: random.Random, framework: str, used: set[str]) -> str:
    """trainable=false on a layer or a wrapper moves its parameters to non-trainable."""
    used.add("trainable=false")
    vocab, dim = rng.randint(20, 200), rng.randint(2, 12)
    frozen = rng.choice(["embedding", "recurrent", "dense"])
    layers = [
        f"Input({rng.randint(3, 9)})",
        f"Embedding({vocab}, {dim}{', trainable=False' if frozen == 'embedding' else ''})",
    ]
    units = rng.randint(2, 10)
    recurrent = f"LSTM({units}{', trainable=false' if frozen == 'recurrent' else ''})"
    if framework == "keras" and rng.random() < 0.5 and frozen == "recurrent":
        recurrent = f"Bidirectional(LSTM({units}), trainable=false)"
    layers.append(recurrent)
    layers.append(f"Dense({rng.randint(1, 5)}{', trainable=False' if frozen == 'dense' else ''})")
    return " -> ".join(layers)


def shape_model(rng: random.Random, framework: str, used: set[str]) -> str:
    """Reshape, Permute, PReLU and the normalization options between dense layers."""
    used.update({"Reshape", "Permute", "PReLU"})
    a, b = rng.randint(2, 6), rng.randint(2, 6)
    layers = [f"Input({a * b})", f"Reshape(({a}, -1))", "Permute((2, 1))"]
    layers.append("PReLU()" if framework == "keras" else f"PReLU(num_parameters={a})")
    if framework == "keras":
        layers.append(
            rng.choice(
                [
                    "LayerNormalization(center=False)",
                    "BatchNormalization(scale=False)",
                    "LayerNormalization(rms_scaling=True)",
                ]
            )
        )
    else:
        layers.append(rng.choice(["LayerNormalization(affine=false)", "RMSNorm()", "BatchNormalization(affine=false)"]))
    layers += ["Flatten()", f"Dense({rng.randint(1, 5)})"]
    return " -> ".join(layers)


def transformer_model(rng: random.Random, framework: str, used: set[str]) -> str:
    """PyTorch's encoder and decoder layers (Keras: attention with value_dim)."""
    if framework == "keras":
        used.add("value_dim")
        width = rng.randint(2, 12)
        attention = f"MultiHeadAttention({rng.randint(1, 3)}, {rng.randint(1, 6)}, value_dim={rng.randint(1, 6)})"
        return f"Input({rng.randint(2, 6)}, {width}) -> {attention} -> Dense(2)"
    used.update({"TransformerEncoderLayer", "TransformerDecoderLayer"})
    heads = rng.randint(1, 4)
    d = heads * rng.randint(1, 4)
    layer = rng.choice(["TransformerEncoderLayer", "TransformerDecoderLayer"])
    bias = ", bias=false" if rng.random() < 0.3 else ""
    block = f"{layer}({d}, {heads}, {rng.randint(4, 24)}{bias})"
    return f"Input({rng.randint(2, 6)}, {d}) -> {block} -> Dense({rng.randint(1, 4)})"


FAMILIES = [
    recurrent_model,
    recurrent_model,
    conv1d_model,
    conv2d_model,
    attention_model,
    keras_spelling_model,
    autoencoder_model,
    modern_conv_model,
    sequence_tools_model,
    frozen_model,
    shape_model,
    transformer_model,
]


def architectures(framework: str, n: int, seed: int) -> tuple[list[str], set[str]]:
    rng = random.Random(seed)
    used: set[str] = set()
    return [rng.choice(FAMILIES)(rng, framework, used) for _ in range(n)], used
