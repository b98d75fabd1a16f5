"""Keras models built in real Keras 3, written with ``to_json()`` and counted by quizgen's reader."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen.errors import ModelFileError, QuizgenError
from quizgen.readers import count_model

N_MODELS = 44


def _sequential(rng: random.Random):
    import keras
    from keras import layers as L

    kind = rng.choice(["dense", "rnn", "conv", "embedding", "nested"])
    if kind == "dense":
        stack = [keras.Input((rng.randint(2, 20),))]
        for _ in range(rng.randint(1, 3)):
            stack.append(
                L.Dense(rng.randint(1, 16), activation=rng.choice([None, "relu"]), use_bias=rng.random() < 0.8)
            )
            stack.append(
                rng.choice([L.Dropout(0.2), L.BatchNormalization(), L.Activation("tanh"), L.LayerNormalization()])
            )
        stack.append(L.Dense(rng.randint(1, 4)))
    elif kind == "rnn":
        stack = [keras.Input((rng.randint(3, 12), rng.randint(1, 8)))]
        depth = rng.randint(1, 3)
        for k in range(depth):
            cls = rng.choice([L.LSTM, L.GRU, L.SimpleRNN])
            extra = {"reset_after": rng.random() < 0.5} if cls is L.GRU else {}
            layer = cls(rng.randint(1, 12), return_sequences=k < depth - 1, **extra)
            if rng.random() < 0.4:
                layer = L.Bidirectional(layer, merge_mode=rng.choice(["concat", "sum", "ave", "mul"]))
            stack.append(layer)
        stack.append(L.Dense(rng.randint(1, 4)))
    elif kind == "conv":
        size = rng.randint(12, 24)
        stack = [keras.Input((size, size, rng.randint(1, 4)))]
        stack.append(
            L.Conv2D(
                rng.randint(2, 8),
                rng.choice([1, 3, (3, 2)]),
                strides=rng.choice([1, 2]),
                padding=rng.choice(["valid", "same"]),
            )
        )
        stack.append(rng.choice([L.MaxPooling2D(), L.AveragePooling2D(2), L.BatchNormalization(), L.ZeroPadding2D(1)]))
        stack.append(
            rng.choice(
                [
                    L.SeparableConv2D(rng.randint(2, 6), 3),
                    L.DepthwiseConv2D(3, depth_multiplier=2),
                    L.Conv2DTranspose(3, 2, strides=2),
                ]
            )
        )
        stack.append(rng.choice([L.Flatten(), L.GlobalAveragePooling2D(), L.GlobalMaxPooling2D()]))
        stack.append(L.Dense(rng.randint(1, 5)))
    elif kind == "embedding":
        stack = [keras.Input((rng.randint(5, 30),), dtype="int32")]
        stack.append(L.Embedding(rng.randint(10, 500), rng.randint(2, 16), mask_zero=rng.random() < 0.3))
        stack.append(
            rng.choice(
                [L.Conv1D(rng.randint(2, 8), 3, padding="same"), L.LSTM(rng.randint(2, 8), return_sequences=True)]
            )
        )
        stack.append(rng.choice([L.GlobalMaxPooling1D(), L.GlobalAveragePooling1D(), L.Flatten()]))
        stack.append(L.Dense(rng.randint(1, 3), activation="softmax"))
    else:
        inner = keras.Sequential([L.Dense(rng.randint(2, 8)), L.Dense(rng.randint(2, 8))], name="inner")
        stack = [keras.Input((rng.randint(2, 10),)), L.Dense(rng.randint(2, 8)), inner, L.Dense(1)]
    model = keras.Sequential(stack)
    _freeze(rng, model)
    return model


def _functional(rng: random.Random):
    import keras
    from keras import layers as L

    kind = rng.choice(["branches", "seq2seq", "residual", "attention"])
    if kind == "branches":
        a, b = keras.Input((rng.randint(2, 9),)), keras.Input((rng.randint(2, 9),))
        width = rng.randint(2, 6)
        shared = L.Dense(rng.randint(2, 6))
        left = shared(L.Dense(width)(a))
        right = shared(L.Dense(width)(b))
        merged = rng.choice([L.Concatenate(), L.Add(), L.Multiply(), L.Average()])([left, right])
        model = keras.Model([a, b], L.Dense(1)(merged))
    elif kind == "seq2seq":
        units = rng.randint(2, 10)
        enc_in = keras.Input((rng.randint(3, 8), rng.randint(1, 6)))
        dec_in = keras.Input((rng.randint(3, 8), rng.randint(1, 6)))
        cls = rng.choice([L.LSTM, L.GRU])
        states = cls(units, return_state=True)(enc_in)[1:]
        decoded = cls(units, return_sequences=True)(dec_in, initial_state=states)
        model = keras.Model([enc_in, dec_in], L.TimeDistributed(L.Dense(rng.randint(1, 5)))(decoded))
    elif kind == "residual":
        size, channels = rng.randint(8, 16), rng.randint(1, 4)
        inputs = keras.Input((size, size, channels))
        x = L.Conv2D(channels * 2, 3, padding="same")(inputs)
        x = L.BatchNormalization()(x)
        y = L.Conv2D(channels * 2, 3, padding="same", use_bias=False)(L.ReLU()(x))
        x = L.Add()([x, y])
        model = keras.Model(inputs, L.Dense(2)(L.GlobalAveragePooling2D()(x)))
    else:
        query = keras.Input((rng.randint(2, 6), rng.randint(2, 10)))
        memory = keras.Input((rng.randint(2, 6), rng.randint(2, 10)))
        attended = L.MultiHeadAttention(rng.randint(1, 3), rng.randint(1, 6), value_dim=rng.choice([None, 3]))(
            query, memory
        )
        model = keras.Model([query, memory], L.Dense(1)(L.LayerNormalization()(attended)))
    _freeze(rng, model)
    return model


def _freeze(rng: random.Random, model) -> None:
    weighted = [layer for layer in model.layers if layer.weights]
    if weighted and rng.random() < 0.3:
        rng.choice(weighted).trainable = False


@pytest.mark.frameworks
@pytest.mark.parametrize("k", range(N_MODELS))
def test_keras_models_count_as_keras_does(k):
    require("keras")
    rng = random.Random(20261123 + k)
    model = (_sequential if k % 2 == 0 else _functional)(rng)
    counted = count_model(model.to_json(), "keras-json", f"model{k}.json")
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert (counted.total, counted.trainable) == (model.count_params(), trainable), [
        (layer.name, layer.spec, layer.params) for layer in counted.layers
    ]
    for layer in counted.layers:
        assert layer.derivation.value == layer.params


@pytest.mark.frameworks
def test_the_issue_model_counts_as_keras_does():
    require("keras")
    import keras
    from keras import layers as L

    model = keras.Sequential([keras.Input((150,)), L.Embedding(528931, 300), L.GRU(256), L.Flatten(), L.Dense(5)])
    counted = count_model(model.to_json(), "keras-json")
    assert counted.total == model.count_params() == 159_109_129


TF_KERAS_2 = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, 8], "name": "in"},
                "name": "in",
                "inbound_nodes": [],
            },
            {
                "class_name": "Dense",
                "config": {"name": "d1", "units": 4, "use_bias": True, "activation": "relu", "trainable": True},
                "name": "d1",
                "inbound_nodes": [[["in", 0, 0, {}]]],
            },
            {
                "class_name": "Dense",
                "config": {"name": "d2", "units": 4, "use_bias": False, "trainable": False},
                "name": "d2",
                "inbound_nodes": [[["in", 0, 0, {}]]],
            },
            {
                "class_name": "Concatenate",
                "config": {"name": "cat", "axis": -1},
                "name": "cat",
                "inbound_nodes": [[["d1", 0, 0, {}], ["d2", 0, 0, {}]]],
            },
            {
                "class_name": "Dense",
                "config": {"name": "out", "units": 1},
                "name": "out",
                "inbound_nodes": [[["cat", 0, 0, {}]]],
            },
        ],
        "input_layers": [["in", 0, 0]],
        "output_layers": [["out", 0, 0]],
    },
    "keras_version": "2.15.0",
    "backend": "tensorflow",
}


def test_tf_keras_2_layout_is_read():
    counted = count_model(json.dumps(TF_KERAS_2), "keras-json")
    # d1: 8·4 + 4 = 36; d2: 8·4 = 32 (frozen); out: 8·1 + 1 = 9
    assert (counted.total, counted.trainable) == (77, 45)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{", "model.json:1: not JSON"),
        ('{"class_name": "Dense"}', "not a Keras model"),
        (
            '{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": 3}}]}}',
            "input shape is not in the file",
        ),
        (
            '{"class_name": "Sequential", "config": {"layers": ['
            '{"class_name": "InputLayer", "config": {"batch_shape": [null, 3]}},'
            ' {"class_name": "MyAttention", "registered_name": "Custom>MyAttention", "config": {"name": "mine"}}]}}',
            "layer class MyAttention cannot be counted (a custom layer",
        ),
        (
            '{"class_name": "Sequential", "config": {"layers": ['
            '{"class_name": "InputLayer", "config": {"batch_shape": [null, 3]}},'
            ' {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 0}}]}}',
            "d (Dense): Dense's 'units' must be at least 1",
        ),
    ],
)
def test_what_cannot_be_counted_is_a_one_line_error(text, words):
    with pytest.raises(ModelFileError) as raised:
        count_model(text, "keras-json", "model.json")
    assert words in str(raised.value) and "\n" not in str(raised.value)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 40)
    | st.sampled_from(["Dense", "LSTM", "InputLayer", "Sequential", "relu"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["class_name", "config", "layers", "units", "batch_shape", "inbound_nodes", "name", "layer"]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_any_json_gives_a_count_or_a_one_line_error(value):
    try:
        counted = count_model(json.dumps(value), "keras-json")
    except QuizgenError as error:
        assert "\n" not in str(error)
    else:
        assert counted.total >= 0
