"""Keras JSON as every release wrote it: Keras 2.0-2.2's Sequential (its config the list of layers),
tf.keras 2.13's keys and nested models, a TensorFlow.js model.json, Keras 3's op layers and Lambda,
Keras 1 (refused as such). Each count is checked against the same model built in Keras 3."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen.errors import ModelFileError, QuizgenError
from quizgen.readers import count_model

GLOROT = {"class_name": "VarianceScaling", "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform"}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}
NULLS = {
    "kernel_regularizer": None,
    "bias_regularizer": None,
    "activity_regularizer": None,
    "kernel_constraint": None,
    "bias_constraint": None,
}

# What Keras 2.1.6's model.to_json() wrote for a small convolutional network (its config is the list).
KERAS_2_1_SEQUENTIAL = {
    "class_name": "Sequential",
    "config": [
        {
            "class_name": "Conv2D",
            "config": {
                "name": "conv2d_1",
                "trainable": True,
                "batch_input_shape": [None, 28, 28, 1],
                "dtype": "float32",
                "filters": 32,
                "kernel_size": [3, 3],
                "strides": [1, 1],
                "padding": "valid",
                "data_format": "channels_last",
                "dilation_rate": [1, 1],
                "activation": "relu",
                "use_bias": True,
                "kernel_initializer": GLOROT,
                "bias_initializer": ZEROS,
                **NULLS,
            },
        },
        {
            "class_name": "BatchNormalization",
            "config": {
                "name": "batch_normalization_1",
                "trainable": True,
                "axis": -1,
                "momentum": 0.99,
                "epsilon": 0.001,
                "center": True,
                "scale": True,
                "beta_initializer": ZEROS,
                "gamma_initializer": ONES,
                "moving_mean_initializer": ZEROS,
                "moving_variance_initializer": ONES,
                "beta_regularizer": None,
                "gamma_regularizer": None,
                "beta_constraint": None,
                "gamma_constraint": None,
            },
        },
        {
            "class_name": "MaxPooling2D",
            "config": {
                "name": "max_pooling2d_1",
                "trainable": True,
                "pool_size": [2, 2],
                "padding": "valid",
                "strides": [2, 2],
                "data_format": "channels_last",
            },
        },
        {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
        {
            "class_name": "Dense",
            "config": {
                "name": "dense_1",
                "trainable": True,
                "units": 10,
                "activation": "softmax",
                "use_bias": True,
                "kernel_initializer": GLOROT,
                "bias_initializer": ZEROS,
                **NULLS,
            },
        },
    ],
    "keras_version": "2.1.6",
    "backend": "tensorflow",
}


def _tf_layer(cls: str, name: str, inbound: list, **config) -> dict:
    """A layer as tf.keras 2.13 wrote it in a functional model (inbound nodes as nested lists)."""
    return {
        "class_name": cls,
        "config": {"name": name, "trainable": True, "dtype": "float32", **config},
        "name": name,
        "inbound_nodes": [
            [[source, node, tensor, kwargs] for source, node, tensor, kwargs in call] for call in inbound
        ],
    }


# tf.keras 2.13: DepthwiseConv2D writes groups, BatchNormalization a list axis, MultiHeadAttention
# the shapes it was built with.
TF_KERAS_2_13 = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "trainable": True,
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {
                    "batch_input_shape": [None, 16, 16, 3],
                    "dtype": "float32",
                    "sparse": False,
                    "name": "input_1",
                },
                "name": "input_1",
                "inbound_nodes": [],
            },
            _tf_layer(
                "DepthwiseConv2D",
                "depthwise_conv2d",
                [[("input_1", 0, 0, {})]],
                kernel_size=[3, 3],
                strides=[1, 1],
                padding="valid",
                data_format="channels_last",
                dilation_rate=[1, 1],
                groups=1,
                activation="linear",
                use_bias=True,
                depth_multiplier=2,
                bias_initializer=ZEROS,
                depthwise_initializer=GLOROT,
                bias_regularizer=None,
                depthwise_regularizer=None,
            ),
            _tf_layer(
                "BatchNormalization",
                "batch_normalization",
                [[("depthwise_conv2d", 0, 0, {})]],
                axis=[3],
                momentum=0.99,
                epsilon=0.001,
                center=True,
                scale=True,
            ),
            _tf_layer("Reshape", "reshape", [[("batch_normalization", 0, 0, {})]], target_shape=[196, 6]),
            _tf_layer(
                "MultiHeadAttention",
                "multi_head_attention",
                [[("reshape", 0, 0, {"value": ["reshape", 0, 0]})]],
                num_heads=2,
                key_dim=4,
                value_dim=4,
                dropout=0.0,
                use_bias=True,
                output_shape=None,
                attention_axes=[1],
                query_shape=[None, 196, 6],
                key_shape=[None, 196, 6],
                value_shape=[None, 196, 6],
            ),
            _tf_layer("GlobalAveragePooling1D", "global_average_pooling1d", [[("multi_head_attention", 0, 0, {})]]),
            _tf_layer("Dense", "dense", [[("global_average_pooling1d", 0, 0, {})]], units=5, use_bias=True),
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["dense", 0, 0]],
    },
    "keras_version": "2.13.1",
    "backend": "tensorflow",
}

# tf.keras 2.x: an encoder model called on the input, then on the output of a layer listed after it.
ENCODER = {
    "class_name": "Functional",
    "config": {
        "name": "encoder",
        "trainable": True,
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, 8], "dtype": "float32", "name": "inner_in"},
                "name": "inner_in",
                "inbound_nodes": [],
            },
            _tf_layer("Dense", "inner_dense", [[("inner_in", 0, 0, {})]], units=8, use_bias=True),
        ],
        "input_layers": [["inner_in", 0, 0]],
        "output_layers": [["inner_dense", 0, 0]],
    },
    "name": "encoder",
    "inbound_nodes": [[["input_1", 0, 0, {}]], [["dense", 0, 0, {}]]],
}
NESTED_TWICE = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, 8], "dtype": "float32", "name": "input_1"},
                "name": "input_1",
                "inbound_nodes": [],
            },
            ENCODER,
            _tf_layer("Dense", "dense", [[("encoder", 0, 0, {})]], units=8, use_bias=False),
            _tf_layer("Dense", "out", [[("encoder", 1, 0, {})]], units=3, use_bias=True),
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["out", 0, 0]],
    },
    "keras_version": "2.13.1",
}


def _keras():
    require("keras")
    import keras

    return keras


def _keras_2_1_model():
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(10),
        ]
    )


def _tf_keras_2_13_model():
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((16, 16, 3))
    x = layers.DepthwiseConv2D(3, depth_multiplier=2)(inp)
    x = layers.BatchNormalization()(x)
    x = layers.Reshape((196, 6))(x)
    x = layers.MultiHeadAttention(2, 4)(x, x)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inp, layers.Dense(5)(x))


def _nested_twice_model():
    keras = _keras()
    layers = keras.layers
    inner = keras.Input((8,))
    encoder = keras.Model(inner, layers.Dense(8)(inner))
    inp = keras.Input((8,))
    x = layers.Dense(8, use_bias=False)(encoder(inp))
    return keras.Model(inp, layers.Dense(3)(encoder(x)))


def _tfjs(model_config: dict) -> dict:
    """A TensorFlow.js converter's model.json around a Keras model's config."""
    return {
        "format": "layers-model",
        "generatedBy": "keras v2.13.1",
        "convertedBy": "TensorFlow.js Converter v4.10.0",
        "modelTopology": {"keras_version": "2.13.1", "backend": "tensorflow", "model_config": model_config},
        "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": []}],
    }


@pytest.mark.frameworks
@pytest.mark.parametrize(
    ("data", "build"),
    [
        (KERAS_2_1_SEQUENTIAL, _keras_2_1_model),
        (TF_KERAS_2_13, _tf_keras_2_13_model),
        (NESTED_TWICE, _nested_twice_model),
        (_tfjs(KERAS_2_1_SEQUENTIAL), _keras_2_1_model),
        (_tfjs(TF_KERAS_2_13), _tf_keras_2_13_model),
        ({"modelTopology": NESTED_TWICE}, _nested_twice_model),
    ],
    ids=["keras-2.1-sequential", "tf-keras-2.13", "nested-twice", "tfjs-sequential", "tfjs-functional", "tfjs-bare"],
)
def test_older_keras_json_counts_as_keras_does(data, build):
    counted = count_model(json.dumps(data), "keras-json")
    model = build()
    assert counted.total == model.count_params()
    assert counted.trainable == sum(math.prod(w.shape) for w in model.trainable_weights)


@pytest.mark.frameworks
def test_keras_3_op_layers_and_lambda_count_zero_with_a_note():
    keras = _keras()
    layers, ops = keras.layers, keras.ops
    inp = keras.Input((10,), dtype="int32")
    x = layers.LSTM(4)(layers.Embedding(100, 8, mask_zero=True)(inp))
    x = layers.Lambda(lambda t: t * 2)(ops.add(x, 1.0))
    model = keras.Model(inp, layers.Dense(2)(x))
    text = model.to_json()
    assert '"NotEqual"' in text and '"keras.src.ops.numpy"' in text
    counted = count_model(text, "keras-json")
    assert counted.total == model.count_params()
    notes = " ".join(counted.notes)
    assert "keras.ops NotEqual" in notes and "keras.ops Add" in notes and "Lambda (lambda): no weights" in notes
    assert not any(layer.type == "Add" for layer in counted.layers)


@pytest.mark.frameworks
def test_an_add_merge_layer_is_still_the_add_layer():
    keras = _keras()
    layers = keras.layers
    a, b = keras.Input((4,)), keras.Input((4,))
    model = keras.Model([a, b], layers.Dense(2)(layers.Add()([layers.Dense(4)(a), b])))
    counted = count_model(model.to_json(), "keras-json")
    assert counted.total == model.count_params()
    assert any(layer.type == "Add" for layer in counted.layers)


@pytest.mark.frameworks
def test_an_unmerged_bidirectional_counts_before_a_merge_layer():
    keras = _keras()
    layers = keras.layers
    inp = keras.Input((5, 3))
    forward, backward = layers.Bidirectional(layers.LSTM(4), merge_mode=None)(inp)
    model = keras.Model(inp, layers.Dense(1)(layers.Concatenate()([forward, backward])))
    assert count_model(model.to_json(), "keras-json").total == model.count_params()


def _sequential(*layers: dict) -> str:
    return json.dumps({"class_name": "Sequential", "config": list(layers), "keras_version": "2.2.4"})


KERAS_1 = {
    "class_name": "Sequential",
    "config": [
        {
            "class_name": "Dense",
            "config": {
                "name": "dense_1",
                "output_dim": 10,
                "input_dim": 8,
                "init": "glorot_uniform",
                "W_regularizer": None,
                "b_regularizer": None,
                "batch_input_shape": [None, 8],
                "bias": True,
            },
        }
    ],
}
FIRST = {"class_name": "Dense", "config": {"name": "d1", "units": 4, "batch_input_shape": [None, 3]}}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (json.dumps(KERAS_1), "m.json: Keras 1 JSON (option "),
        (json.dumps({**KERAS_1, "keras_version": "1.2.2"}), "Keras 1 JSON"),
        (json.dumps({"model_config": KERAS_1, "keras_version": "1.2.2"}), "Keras 1 JSON (keras_version 1.2.2)"),
        (
            _sequential(FIRST, {"class_name": "Convolution2D", "config": {"nb_filter": 3}}),
            "Keras 1 JSON (layer class Convolution2D)",
        ),
        (
            _sequential(
                FIRST,
                {"class_name": "Lambda", "config": {"function": ["x", None, None]}},
                {"class_name": "Dense", "config": {"units": 2}},
            ),
            "Dense needs a known input width",
        ),
        (
            _sequential(
                {
                    "class_name": "Bidirectional",
                    "config": {
                        "layer": {"class_name": "LSTM", "config": {"units": 4}},
                        "merge_mode": None,
                        "batch_input_shape": [None, 5, 3],
                    },
                },
                {"class_name": "Dense", "config": {"units": 1}},
            ),
            "Bidirectional(merge_mode=None) gives two outputs",
        ),
        (
            json.dumps(
                {
                    **NESTED_TWICE,
                    "config": {
                        **NESTED_TWICE["config"],
                        "layers": [
                            *NESTED_TWICE["config"]["layers"][:3],
                            _tf_layer("Dense", "out", [[("encoder", 2, 0, {})]], units=3),
                        ],
                    },
                }
            ),
            "m.json: out: reads call 2 of layer 'encoder', which the model does not make",
        ),
        (
            '{"class_name": "Sequential", "config": [], "class_name": "Model"}',
            "m.json:1: key 'class_name' is written twice",
        ),
        ("[" * 3000 + "]" * 3000, "m.json: nested more than 200 levels deep"),
        ('{"a":' * 50000 + "1" + "}" * 50000, "m.json: nested more than 200 levels deep"),
        (
            json.dumps(
                {
                    "class_name": "Sequential",
                    "config": [
                        FIRST,
                        {"class_name": "DepthwiseConv2D", "config": {"kernel_size": [3, 3], "groups": 2}},
                    ],
                }
            ),
            "DepthwiseConv2D with groups=2 is not counted here",
        ),
    ],
)
def test_what_keras_json_cannot_count_is_a_one_line_error(text, words):
    with pytest.raises(ModelFileError) as raised:
        count_model(text, "keras-json", "m.json")
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_a_lambda_that_ends_a_keras_2_model_counts_with_a_note():
    text = _sequential(FIRST, {"class_name": "Lambda", "config": {"name": "scale", "function": ["x", None, None]}})
    counted = count_model(text, "keras-json")
    assert counted.total == 3 * 4 + 4
    assert any("Lambda (scale): no weights, counted 0" in note for note in counted.notes)


def test_a_nested_model_called_twice_counts_its_weights_once():
    """Closed form: encoder Dense(8) on 8 inputs (72), Dense(8) without bias (64), Dense(3) (27)."""
    counted = count_model(json.dumps(NESTED_TWICE), "keras-json")
    assert counted.total == 8 * 8 + 8 + 8 * 8 + 8 * 3 + 3


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.sampled_from(["Dense", "relu", "same", "x"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "class_name",
                    "config",
                    "layers",
                    "units",
                    "name",
                    "inbound_nodes",
                    "axis",
                    "modelTopology",
                    "model_config",
                    "batch_input_shape",
                    "layer",
                    "merge_mode",
                    "module",
                    "output_layers",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES)
def test_any_json_gives_a_count_or_a_one_line_error(value):
    for variant in (value, {"class_name": "Sequential", "config": value}, {"modelTopology": value}):
        try:
            counted = count_model(json.dumps(variant), "keras-json")
        except QuizgenError as error:
            assert "\n" not in str(error)
        else:
            assert counted.total >= 0


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 4), st.sampled_from(["relu", None, 3]))
def test_keras_2_sequential_variants_of_one_model_agree(extra, activation):
    """The same model through the list config, a tfjs wrapper and an .h5-style model_config."""
    data = copy.deepcopy(KERAS_2_1_SEQUENTIAL)
    data["config"][-1]["config"]["units"] = 10 + extra
    totals = {
        count_model(json.dumps(variant), "keras-json").total
        for variant in (data, _tfjs(data), {"model_config": data, "keras_version": "2.1.6"})
    }
    assert totals == {(26 * 26 * 0 + 13 * 13 * 32) * (10 + extra) + 10 + extra + 320 + 4 * 32}
