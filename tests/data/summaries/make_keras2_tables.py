"""Writes the Keras 2 summary tables in this folder (run with keras 3 and KERAS_BACKEND=torch).

tf-keras needs TensorFlow, too large for the test machines; the tables are written out as Keras 2
releases print them, following ``print_summary`` in keras/utils/layer_utils.py: tf.keras 2.9 to
2.15 (a space before each cell, cells wrapped at ``),`` and ``',``, blank rows between layers, a
``Connected to`` list, totals without commas and with their size) and Keras 2.0 to 2.2 (rows
between ``_`` rules, cells cut at the column, one connection a row, totals with commas). Each
model's layers, shapes and counts are Keras' own; MODELS below gives the code and the count
(``model.count_params()``) of each table, which tests/test_summary_tables.py checks.

    KERAS_BACKEND=torch python tests/data/summaries/make_keras2_tables.py
"""

from __future__ import annotations

import math
from pathlib import Path

HERE = Path(__file__).parent


def build_models():
    import keras
    from keras import layers as L

    models = {}
    models["keras2_lstm"] = keras.Sequential(
        [
            keras.Input((None, 1)),
            L.LSTM(10, return_sequences=True, name="lstm"),
            L.LSTM(10, name="lstm_1"),
            L.Dense(1, name="dense"),
        ],
        name="sequential",
    )
    models["keras2_cnn"] = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            L.Conv2D(32, 3, activation="relu", name="conv2d"),
            L.MaxPooling2D(2, name="max_pooling2d"),
            L.Conv2D(64, 3, name="conv2d_1"),
            L.BatchNormalization(name="batch_normalization"),
            L.Flatten(name="flatten"),
            L.Dropout(0.5, name="dropout"),
            L.Dense(10, activation="softmax", name="dense"),
        ],
        name="sequential_1",
    )
    models["keras2_text"] = keras.Sequential(
        [
            keras.Input((100,)),
            L.Embedding(10000, 64, name="embedding"),
            L.Bidirectional(L.LSTM(32), name="bidirectional"),
            L.Dense(1, name="dense_1"),
        ],
        name="sequential_2",
    )
    a = keras.Input((8,), name="input_1")
    b = keras.Input((4,), name="input_2")
    x = L.Dense(5, name="dense_2")(a)
    x = L.Concatenate(name="concatenate")([x, b])
    y = L.Dense(2, name="dense_3")(x)
    models["keras2_functional"] = keras.Model([a, b], y, name="model")
    q = keras.Input((5, 16), name="input_3")
    att = L.MultiHeadAttention(2, 8, name="multi_head_attention")(q, q)
    add = L.Add(name="add")([q, att])
    norm = L.LayerNormalization(name="layer_normalization")(add)
    out = L.GRU(4, name="gru")(norm)
    models["keras2_attention"] = keras.Model(q, out, name="model_1")
    inner = keras.Sequential(
        [keras.Input((16,)), L.Dense(8, name="dense_5"), L.BatchNormalization(name="bn")], name="inner"
    )
    inner.trainable = False
    models["keras2_nested"] = keras.Sequential(
        [keras.Input((4,)), L.Dense(16, name="dense_4"), inner, L.Dense(2, name="dense_6")], name="sequential_3"
    )
    return models


def _memory(count: int) -> str:
    size = float(count * 4)
    for unit in ("Byte", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _shape(tensor_shape) -> str:
    return "(" + ", ".join(str(d) for d in tensor_shape) + ("," if len(tensor_shape) == 1 else "") + ")"


def _rows(model):
    """(name (Class), output shape text, count, connections) per layer, as Keras 2 lists them."""
    functional = not isinstance(model, __import__("keras").Sequential)
    rows = []
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer" and not functional:
            continue
        shape = _shape(layer.output.shape)
        if layer.__class__.__name__ == "InputLayer":
            shape = f"[{shape}]"
        connections = []
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                history = tensor._keras_history
                connections.append(f"{history.operation.name}[{history.node_index}][{history.tensor_index}]")
        rows.append((f"{layer.name} ({layer.__class__.__name__})", shape, layer.count_params(), connections))
    return functional, rows


def tf2_layout(model, expand_nested: bool = False, show_trainable: bool = False) -> str:
    functional, _ = _rows(model)
    length = 98 if functional else 65
    positions = [int(length * p) for p in ([0.3, 0.6, 0.70, 1.0] if functional else [0.45, 0.85, 1.0])]
    titles = ["Layer (type)", "Output Shape", "Param #", *(["Connected to"] if functional else [])]
    if show_trainable:
        length += 11
        positions.append(length)
        titles.append("Trainable")
    out: list[str] = []

    def row(fields, nested=0):
        left = [str(x) for x in fields]
        while any(left):
            line = ""
            for col in range(len(left)):
                start = positions[col - 1] if col else 0
                last = col == len(positions) - 1
                space = 0 if last else 2
                cutoff = positions[col] - start - space - (0 if last else 1) - (nested if col == 0 else 0)
                fit = left[col][:cutoff]
                breaks = [fit.find(x) + len(x) for x in ("),", "},", "],", "',") if fit.find(x) >= 0]
                if breaks:
                    cutoff = min(breaks)
                    fit = fit[:cutoff]
                if col == 0:
                    line += "|" * nested + " "
                line += fit + (" " * space if space else "")
                left[col] = left[col][cutoff:]
                line += " " * (positions[col] - len(line) - (nested if nested and last else 0))
            out.append(line + "|" * nested)

    def layer_row(layer, nested=0, nested_last=False):
        label = f"{layer.name} ({layer.__class__.__name__})"
        shape = _shape(layer.output.shape)
        if layer.__class__.__name__ == "InputLayer":
            shape = f"[{shape}]"  # tf.keras 2 lists an input layer's shapes
        fields = [label, shape, layer.count_params()]
        if functional:
            fields.append(_connections(layer))
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        row(fields, nested)
        inner = [x for x in getattr(layer, "layers", []) if x.__class__.__name__ != "InputLayer"]
        if expand_nested and inner:
            out.append("|" * (nested + 1) + "¯" * (length - 2 * nested - 2) + "|" * (nested + 1))
            for k, child in enumerate(inner):
                layer_row(child, nested + 1, k == len(inner) - 1)
            out.append("|" * nested + "¯" * (length - 2 * nested) + "|" * nested)
        if not nested_last:
            out.append("|" * nested + " " * (length - 2 * nested) + "|" * nested)

    out.append(f'Model: "{model.name}"')
    out.append("_" * length)
    row(titles)
    out.append("=" * length)
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer" and not functional:
            continue
        layer_row(layer)
    out.append("=" * length)
    total = model.count_params()
    trainable = sum(int(math.prod(w.shape)) for w in model.trainable_weights)
    out.append(f"Total params: {total} ({_memory(total)})")
    out.append(f"Trainable params: {trainable} ({_memory(trainable)})")
    out.append(f"Non-trainable params: {total - trainable} ({_memory(total - trainable)})")
    out.append("_" * length)
    return "\n".join(out) + "\n"


def _connections(layer) -> list[str]:
    found = []
    for node in layer._inbound_nodes:
        for tensor in node.input_tensors:
            history = tensor._keras_history
            found.append(f"{history.operation.name}[{history.node_index}][{history.tensor_index}]")
    return found


def old_layout(model) -> str:
    functional, rows = _rows(model)
    length = 98 if functional else 65
    positions = [int(length * p) for p in ([0.33, 0.55, 0.67, 1.0] if functional else [0.45, 0.85, 1.0])]
    out: list[str] = []

    def row(fields):
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[: positions[i]]
            line += " " * (positions[i] - len(line))
        out.append(line)

    out.append("_" * length)
    row(["Layer (type)", "Output Shape", "Param #", *(["Connected to"] if functional else [])])
    out.append("=" * length)
    for k, (label, shape, count, connections) in enumerate(rows):
        shape = shape.strip("[]")
        if functional:
            row([label, shape, count, connections[0] if connections else ""])
            for extra in connections[1:]:
                row(["", "", "", extra])
        else:
            row([label, shape, count])
        out.append("=" * length if k == len(rows) - 1 else "_" * length)
    total = model.count_params()
    trainable = sum(int(__import__("math").prod(w.shape)) for w in model.trainable_weights)
    out.append(f"Total params: {total:,}")
    out.append(f"Trainable params: {trainable:,}")
    out.append(f"Non-trainable params: {total - trainable:,}")
    out.append("_" * length)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    for name, model in build_models().items():
        if name == "keras2_nested":
            (HERE / f"{name}_tf2.txt").write_text(tf2_layout(model, expand_nested=True, show_trainable=True))
            print(name, model.count_params())
            continue
        (HERE / f"{name}_tf2.txt").write_text(tf2_layout(model))
        (HERE / f"{name}_keras22.txt").write_text(old_layout(model))
        print(name, model.count_params())
