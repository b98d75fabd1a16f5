"""quizgen's counts against real PyTorch 2.13 and Keras 3 on random architectures (fixed seeds)."""

from __future__ import annotations

import pytest
from archgen import architectures
from tests_support import require

from quizgen import count

N_PER_FRAMEWORK = 320
SEED_SPECS = [
    "Input(1) -> LSTM(10) -> LSTM(10)",
    "Input(1) -> LSTM(20) -> LSTM(20)",
    "Input(3) -> LSTM(5)",
    "Input(3) -> SimpleRNN(5)",
    "Embedding(10000, 64) -> Bidirectional(GRU(32, reset_after=false)) -> Dense(3)",
    "Input(28, 28, 1) -> Conv2D(32, kernel=3) -> Flatten() -> Dense(10)",
    "Input(20, 4) -> Conv1D(8, kernel=5, bias=false) -> GRU(6)",
]
PYTORCH_SEED_SPECS = [
    "Input(8) -> LSTM(16, num_layers=2, bidirectional=true, proj_size=4)",
    "Input(3) -> LSTM(5)",
    "Input(1) -> GRU(10) -> GRU(10)",
]


KERAS_SPECS, KERAS_USED = architectures("keras", N_PER_FRAMEWORK, seed=20261121)
TORCH_SPECS, TORCH_USED = architectures("pytorch", N_PER_FRAMEWORK, seed=20261122)


def test_random_architectures_cover_every_layer_and_option():
    layers = {
        "Input",
        "Dense",
        "SimpleRNN",
        "RNN",
        "LSTM",
        "GRU",
        "Embedding",
        "Conv1D",
        "Conv2D",
        "MaxPooling1D",
        "MaxPooling2D",
        "TimeDistributed",
        "Flatten",
        "Dropout",
        "LayerNormalization",
        "BatchNormalization",
        "MultiHeadAttention",
        "bias=false",
        "stride",
        "padding=same",
        "padding=valid",
    }
    assert layers - {"Input"} <= KERAS_USED
    assert layers - {"Input"} <= TORCH_USED
    keras_only = {"Bidirectional", "reset_after", "value_dim"} | {
        f"merge_mode={m}" for m in ("concat", "sum", "ave", "mul")
    }
    assert keras_only <= KERAS_USED
    assert {
        "num_layers",
        "bidirectional",
        "proj_size",
        "TransformerEncoderLayer",
        "TransformerDecoderLayer",
    } <= TORCH_USED
    both = {
        "keras_spellings",
        "ignored_options",
        "return_sequences",
        "trainable=false",
        "RepeatVector",
        "Reshape",
        "Permute",
        "PReLU",
        "Masking",
        "Activation",
        "SpatialDropout1D",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "UpSampling1D",
        "UpSampling2D",
        "Cropping1D",
        "Cropping2D",
        "AveragePooling1D",
        "AveragePooling2D",
        "GlobalPooling2D",
        "GroupNormalization",
        "depthwise",
        "separable",
        "transposed",
        "dilated",
        "groups",
        "SeparableConv1D",
        "DepthwiseConv1D",
        "Conv1DTranspose",
    }
    assert both <= KERAS_USED, both - KERAS_USED
    assert both <= TORCH_USED, both - TORCH_USED


@pytest.mark.frameworks
@pytest.mark.parametrize("spec", SEED_SPECS + KERAS_SPECS)
def test_keras_agrees(spec):
    require("keras")
    from quizgen.bank.crosscheck import keras_counts

    model = count(spec, framework="keras")
    assert (model.total, model.trainable) == keras_counts(spec), model.to_dict()


@pytest.mark.frameworks
@pytest.mark.parametrize("spec", PYTORCH_SEED_SPECS + TORCH_SPECS)
def test_pytorch_agrees(spec):
    require("torch")
    from quizgen.bank.crosscheck import torch_counts

    model = count(spec, framework="pytorch")
    assert (model.total, model.trainable) == torch_counts(spec), model.to_dict()
