"""Spec arguments as each framework reads them: Keras' unmerged Bidirectional, PyTorch's positional
normalized shape, and positional arguments a layer does not take."""

from __future__ import annotations

import math

import pytest
from tests_support import require

from quizgen.counting.model import count
from quizgen.errors import SpecError


@pytest.mark.frameworks
@pytest.mark.parametrize("merge", ["Concatenate", "Add", "Average"])
def test_an_unmerged_bidirectional_counts_before_a_merge_layer_as_keras_does(merge):
    require("keras")
    import keras

    inp = keras.Input((5, 3))
    forward, backward = keras.layers.Bidirectional(keras.layers.LSTM(4), merge_mode=None)(inp)
    model = keras.Model(inp, keras.layers.Dense(1)(getattr(keras.layers, merge)()([forward, backward])))
    spec = f"Input(5, 3) -> Bidirectional(LSTM(4), merge_mode=None) -> {merge}() -> Dense(1)"
    assert count(spec).total == model.count_params()


@pytest.mark.parametrize(
    "spec",
    [
        "Input(5, 3) -> Bidirectional(LSTM(4), merge_mode=None) -> Dense(1)",
        "Input(5, 3) -> Bidirectional(LSTM(4), merge_mode=None)",
        "Input(5, 3) -> Bidirectional(LSTM(4, return_sequences=true), merge_mode=None) -> LSTM(2)",
    ],
)
def test_an_unmerged_bidirectional_without_a_merge_layer_is_refused(spec):
    """Keras refuses these models: the layer after it would get two tensors."""
    with pytest.raises(SpecError, match=r"merge_mode=None\) gives two outputs.*Concatenate\(\)"):
        count(spec)


@pytest.mark.frameworks
@pytest.mark.parametrize(
    ("spec", "module"),
    [
        ("Input(10, 1600) -> RMSNorm(1600)", lambda nn: nn.RMSNorm(1600)),
        ("Input(10, 16) -> LayerNorm(16)", lambda nn: nn.LayerNorm(16)),
        ("Input(10, 16) -> LayerNorm((16,), eps=1e-5)", lambda nn: nn.LayerNorm((16,), eps=1e-5)),
        ("Input(10, 16) -> LayerNormalization(16, bias=false)", lambda nn: nn.LayerNorm(16, bias=False)),
    ],
)
def test_pytorch_norms_take_their_normalized_shape_positionally(spec, module):
    require("torch")
    from torch import nn

    expected = sum(p.numel() for p in module(nn).parameters())
    assert count(spec, framework="pytorch").total == expected


def test_a_normalized_shape_other_than_the_input_width_is_an_error():
    with pytest.raises(SpecError, match=r"LayerNorm\(15\) normalizes 15 features but its input has 16"):
        count("Input(10, 16) -> LayerNorm(15)", framework="pytorch")


@pytest.mark.frameworks
def test_keras_reads_an_axis_list_naming_the_last_axis():
    require("keras")
    import keras

    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.BatchNormalization(axis=3)])  # tf.keras wrote [3]
    assert count("Input(4, 4, 3) -> BatchNormalization(axis=[3])").total == model.count_params()
    assert count("Input(4, 4, 3) -> BatchNormalization(axis=(-1,))").total == math.prod((4, 3))


@pytest.mark.parametrize(
    ("spec", "framework", "words", "column"),
    [
        ("Input(3) -> LSTM(5, 6)", "keras", "LSTM takes units positionally: the extra argument 6", 21),
        ("Input(3) -> Dense(5, 'relu', 3)", "keras", "the extra argument 3", 30),
        ("Input(3) -> GRU(5, 6, 7)", "keras", "the extra arguments 6, 7", 20),
        (
            "Input(10, 16) -> MultiHeadAttention(8, 8)",
            "pytorch",
            "takes heads positionally under PyTorch: the extra argument 8",
            40,
        ),
        ("Input(10, 16) -> Dropout(0.1, 0.2)", "keras", "Dropout takes rate positionally: the extra argument 0.2", 31),
    ],
)
def test_positional_arguments_a_layer_does_not_take_are_named(spec, framework, words, column):
    with pytest.raises(SpecError) as raised:
        count(spec, framework=framework)
    assert words in str(raised.value) and raised.value.column == column
    assert "key_dim" not in str(raised.value)
