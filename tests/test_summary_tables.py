"""Summary tables explained: Keras' model.summary() (Keras 3 and Keras 2 layouts) and
torchinfo.summary(), each row's printed count against the counting core's derivation."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen.cli import main
from quizgen.errors import ModelFileError, QuizgenError
from quizgen.readers import count_model
from quizgen.readers.explain import AGREES, CONTAINER, DISAGREES, REPEAT, SOLVED, UNDERIVED
from quizgen.readers.explain_file import explain_text
from quizgen.render.explain_table import format_explanation

DATA = Path(__file__).parent / "data" / "summaries"
SETTLED = (AGREES, CONTAINER, REPEAT)
KERAS2_COUNTS = {
    "keras2_lstm": (1331, 1331),
    "keras2_cnn": (96522, 96394),
    "keras2_text": (664897, 664897),
    "keras2_functional": (65, 65),
    "keras2_attention": (1384, 1384),
}


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def _assert_all_agree(explanation, total, trainable=None):
    for row in explanation.rows:
        assert row.status in SETTLED, (row.row.label, row.status, row.reason, row.derived, row.row.printed)
        if row.status == AGREES:
            assert row.derived == (row.row.printed or 0)
    assert explanation.quizgen_total == total
    assert explanation.printed_total == total
    if trainable is not None:
        assert explanation.quizgen_trainable == trainable


# --- the worked example, from a table Keras 3.15.1 printed ---------------------------------------


def test_two_lstm_layers_on_one_feature_show_480_and_840():
    explanation = explain_text((DATA / "keras3_two_lstm.txt").read_text(), "two_lstm.txt")
    lstm, lstm_1, dense = explanation.rows
    assert (lstm.derivation, lstm.solved) == ("4·10·(1+10+1) = 480", "input width = 1")
    assert (lstm_1.derivation, lstm_1.solved) == ("4·10·(10+10+1) = 840", None)
    assert dense.derivation == "10·1 + 1 = 11"
    _assert_all_agree(explanation, 1331, 1331)


def test_explain_prints_each_row_its_check_and_the_totals():
    result = run("explain", str(DATA / "keras3_two_lstm.txt"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = next(line for line in lines if line.lstrip().startswith("5  lstm (LSTM)"))
    assert "480" in row and "✓" in row and "LSTM(10): 4·10·(1+10+1) = 480" in row
    assert any("input weights 4·10·1 = 40; recurrent weights 4·10·10 = 400; biases 4·10·1 = 40" in x for x in lines)
    assert any("input width = 1: not printed, solved from the printed count" in x for x in lines)
    assert "total: printed 1,331 · sum of the rows 1,331 · quizgen 1,331 ✓" in lines


def test_explain_json_is_one_object_and_reads_standard_input():
    text = (DATA / "keras3_two_lstm.txt").read_text()
    result = run("explain", "-", "--json", input=text)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "keras-summary" and data["all_agree"] is True
    assert [r["printed"] for r in data["rows"]] == [480, 840, 11]
    assert data["rows"][0]["status"] == "agrees" and data["rows"][0]["solved"] == "input width = 1"
    assert data["totals"] == {
        "printed": 1331,
        "sum_of_rows": 1331,
        "quizgen": 1331,
        "printed_trainable": 1331,
        "quizgen_trainable": 1331,
    }


def test_count_from_keras_summary_gives_the_core_table():
    result = run("count", "--from", "keras-summary", str(DATA / "keras3_two_lstm.txt"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 1331 and [layer["params"] for layer in data["layers"]] == [480, 840, 11]
    assert any("solved from the printed count" in note for note in data["notes"])


# --- doctored and unknown rows ---------------------------------------------------------------------


def test_a_doctored_count_is_marked_as_disagreeing_with_its_difference():
    text = (DATA / "keras2_functional_tf2.txt").read_text().replace(" 45  ", " 46  ", 1)
    explanation = explain_text(text, "doctored.txt")
    dense = next(row for row in explanation.rows if row.row.name == "dense_2")
    assert (dense.status, dense.row.printed, dense.derived, dense.difference) == (DISAGREES, 46, 45, 1)
    assert not explanation.all_agree
    with pytest.raises(ModelFileError, match=r"doctored.txt:\d+: dense_2 \(Dense\): the table prints 46"):
        count_model(text, "keras-summary", "doctored.txt")


def test_a_doctored_count_of_a_first_layer_is_not_solved_into_agreement():
    text = (DATA / "keras3_two_lstm.txt").read_text().replace("480 │", "481 │")
    explanation = explain_text(text, "doctored.txt")
    assert explanation.rows[0].status == DISAGREES and explanation.rows[0].derived is None
    assert explanation.quizgen_total is None
    result = run("explain", "-", input=text)
    assert result.exit_code == 0 and "✗" in result.output


def test_the_totals_line_says_when_the_rows_do_not_add_up_to_the_printed_total():
    text = (DATA / "keras3_two_lstm.txt").read_text().replace("840 │", "841 │")
    result = run("explain", "-", input=text)
    total = next(line for line in result.output.splitlines() if line.startswith("total:"))
    assert total == (
        "total: printed 1,331 · sum of the rows 1,332 · quizgen 1,331 ✗ "
        "(the rows add up to 1 more than the printed total)"
    )


def test_a_row_of_an_unknown_class_is_marked_not_derived():
    text = (DATA / "keras3_two_lstm.txt").read_text().replace("(Dense)", "(MyDense)")
    explanation = explain_text(text, "custom.txt")
    row = explanation.rows[-1]
    assert row.status == UNDERIVED and row.derived is None and "MyDense" in (row.reason or "")
    assert explanation.quizgen_total is None
    result = run("count", "--from", "keras-summary", "-", input=text)
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "MyDense" in result.output


@pytest.mark.frameworks
def test_a_nested_model_printed_without_its_layers_is_not_derived():
    require("keras")
    import keras
    from keras import layers as L

    inner = keras.Sequential([keras.Input((16,)), L.Dense(8)], name="inner")
    model = keras.Sequential([keras.Input((4,)), L.Dense(16), inner, L.Dense(2)])
    explanation = explain_text(_keras_summary(model), "nested.txt")
    nested = next(row for row in explanation.rows if row.row.cls == "Sequential")
    assert nested.status == UNDERIVED and "expand_nested=True" in (nested.reason or "")
    assert explanation.quizgen_total is None


@pytest.mark.frameworks
def test_attention_whose_value_dim_differs_from_key_dim_is_not_derived_rather_than_disagreeing():
    require("keras")
    import keras
    from keras import layers as L

    q, kv = keras.Input((5, 16)), keras.Input((7, 12))
    model = keras.Model([q, kv], L.MultiHeadAttention(2, 6, value_dim=4)(q, kv))
    explanation = explain_text(_keras_summary(model), "cross.txt")
    attention = next(row for row in explanation.rows if row.row.printed)
    assert attention.status == UNDERIVED and "value_dim" in (attention.reason or "")


# --- Keras 2 layouts -------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["tf2", "keras22"])
@pytest.mark.parametrize("name", sorted(KERAS2_COUNTS))
def test_keras2_tables_are_explained_row_by_row(name, layout):
    total, trainable = KERAS2_COUNTS[name]
    text = (DATA / f"{name}_{layout}.txt").read_text()
    explanation = explain_text(text, f"{name}.txt")
    assert explanation.format == "keras-summary"
    _assert_all_agree(explanation, total, trainable)
    assert count_model(text, "keras-summary").total == total


def test_a_keras3_table_without_row_rules_is_read_the_same():
    text = (DATA / "keras3_two_lstm.txt").read_text()
    bare = "\n".join(line for line in text.splitlines() if not line.startswith("├"))
    explanation = explain_text(bare, "bare.txt")
    assert [row.derivation for row in explanation.rows] == [
        "4·10·(1+10+1) = 480",
        "4·10·(10+10+1) = 840",
        "10·1 + 1 = 11",
    ]
    _assert_all_agree(explanation, 1331, 1331)


def test_a_keras2_nested_model_with_its_trainable_column_is_explained():
    explanation = explain_text((DATA / "keras2_nested_tf2.txt").read_text(), "nested.txt")
    depths = [(row.row.name, row.row.depth, row.status) for row in explanation.rows]
    assert depths[1:4] == [("inner", 0, AGREES), ("dense_5", 1, AGREES), ("bn", 1, AGREES)]
    assert explanation.rows[1].derivation == "136 + 32 = 168"
    _assert_all_agree(explanation, 266, 98)


def test_keras2_truncated_class_names_are_read_by_their_unique_prefix():
    explanation = explain_text((DATA / "keras2_attention_keras22.txt").read_text(), "attention.txt")
    attention = next(row for row in explanation.rows if row.row.name == "multi_head_attention")
    assert attention.row.truncated and attention.status == AGREES and attention.derived == 1088


# --- Keras 3: model.summary() of real models -------------------------------------------------------


def _keras_summary(model, **options) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        model.summary(**options)
    return buffer.getvalue()


@functools.cache
def _keras_models():
    import keras
    from keras import layers as L

    def seq(shape, *layers, name=None):
        return keras.Sequential([keras.Input(shape), *layers], name=name)

    models = [
        (seq((None, 1), L.LSTM(10, return_sequences=True), L.LSTM(10), L.Dense(1)), {}),
        (seq((20,), L.Dense(64, activation="relu"), L.Dropout(0.2), L.Dense(10)), {}),
        (seq((12,), L.Dense(7, use_bias=False), L.Dense(3)), {}),
        (seq((28, 28, 1), L.Conv2D(32, 3), L.MaxPooling2D(2), L.Conv2D(64, 3), L.Flatten(), L.Dense(10)), {}),
        (seq((32, 32, 3), L.Conv2D(16, 5, padding="same"), L.BatchNormalization(), L.GlobalAveragePooling2D()), {}),
        (seq((100, 8), L.Conv1D(16, 5), L.GlobalMaxPooling1D(), L.Dense(1)), {}),
        (seq((50, 4), L.Conv1D(6, 3, padding="same", use_bias=False), L.Conv1D(6, 7, strides=2)), {}),
        (seq((None, 3), L.SimpleRNN(8, return_sequences=True), L.SimpleRNN(4)), {}),
        (seq((None, 5), L.GRU(12), L.Dense(2)), {}),
        (seq((None, 5), L.GRU(6, reset_after=False), L.Dense(2)), {}),
        (seq((None, 9), L.Bidirectional(L.LSTM(16)), L.Dense(1)), {}),
        (seq((None, 9), L.Bidirectional(L.GRU(8, return_sequences=True), merge_mode="sum"), L.LSTM(4)), {}),
        (seq((None, 2), L.Bidirectional(L.SimpleRNN(5)), L.Dense(3)), {}),
        (seq((40,), L.Embedding(1000, 32), L.LSTM(16), L.Dense(1)), {}),
        (seq((40,), L.Embedding(500, 8, mask_zero=True), L.GRU(8)), {}),
        (seq((40,), L.Embedding(20000, 16), L.GlobalAveragePooling1D(), L.Dense(16), L.Dense(1)), {}),
        (seq((30,), L.Dense(30), L.BatchNormalization(), L.Activation("relu"), L.Dense(5)), {}),
        (seq((10, 24), L.LayerNormalization(), L.Dense(24), L.LayerNormalization(center=False)), {}),
        (seq((16, 16, 8), L.Conv2DTranspose(4, 3, strides=2), L.Conv2D(2, (3, 1))), {}),
        (seq((None, 6), L.LSTM(5, return_sequences=True), L.TimeDistributed(L.Dense(3))), {}),
        (seq((64, 64, 3), L.Conv2D(8, 3, strides=2, padding="same"), L.ReLU(), L.Conv2D(8, 1)), {}),
        (seq((200,), L.Embedding(5000, 32), L.Conv1D(32, 7), L.MaxPooling1D(5), L.LSTM(8)), {}),
        (seq((8, 8, 16), L.GroupNormalization(4), L.Flatten(), L.Dense(4)), {}),
        (seq((7,), L.Dense(5, trainable=False), L.Dense(2)), {"show_trainable": True}),
        (seq((None, 3), L.LSTM(4), L.Dense(6), L.Dense(6, use_bias=False)), {"line_length": 60}),
        (seq((32, 32, 3), L.Conv2D(4, 1), L.SeparableConv2D(16, 3), L.DepthwiseConv2D(3, depth_multiplier=2)), {}),
        (seq((40, 6), L.DepthwiseConv1D(3), L.SeparableConv1D(8, 5, use_bias=False)), {}),
    ]
    a, b = keras.Input((8,), name="a"), keras.Input((4,), name="b")
    models.append((keras.Model([a, b], L.Dense(2)(L.Concatenate()([L.Dense(5)(a), b]))), {}))
    x = keras.Input((12,))
    h = L.Dense(12)(x)
    models.append((keras.Model(x, L.Dense(1)(L.Add()([x, h]))), {}))
    q = keras.Input((5, 16))
    attended = L.MultiHeadAttention(4, 8)(q, q)
    block = L.LayerNormalization()(L.Add()([q, attended]))
    models.append((keras.Model(q, L.GlobalAveragePooling1D()(block)), {}))
    q2, kv = keras.Input((5, 16)), keras.Input((7, 12))
    models.append((keras.Model([q2, kv], L.MultiHeadAttention(2, 6)(q2, kv)), {}))
    x3 = keras.Input((6,))
    models.append((keras.Model(x3, [L.Dense(1, name="price")(x3), L.Dense(3, name="kind")(x3)]), {}))
    inner = keras.Sequential([keras.Input((16,)), L.Dense(8), L.BatchNormalization()], name="inner")
    models.append((seq((28, 28, 1), L.Flatten(), L.Dense(16), inner, L.Dense(2)), {"expand_nested": True}))
    frozen = keras.Sequential([keras.Input((16,)), L.Dense(8), L.Dense(4)], name="frozen")
    frozen.trainable = False
    models.append((seq((16,), frozen, L.Dense(2)), {"expand_nested": True, "show_trainable": True}))
    x4 = keras.Input((5, 16))
    narrow = L.Bidirectional(L.GRU(3))(L.MultiHeadAttention(4, 8)(x4, x4))
    models.append((keras.Model(x4, narrow), {"line_length": 70}))
    return models


N_KERAS = 35


@pytest.mark.frameworks
@pytest.mark.parametrize("k", range(N_KERAS))
def test_keras3_summaries_are_explained_and_total_as_keras_counts(k):
    require("keras")
    model, options = _keras_models()[k]
    text = _keras_summary(model, **options)
    explanation = explain_text(text, f"model{k}.txt")
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    known_trainable = "show_trainable" in options or trainable == model.count_params()
    _assert_all_agree(explanation, model.count_params(), trainable if known_trainable else None)
    counted = count_model(text, "keras-summary", f"model{k}.txt")
    assert counted.total == model.count_params()
    if known_trainable:
        assert counted.trainable == trainable


@pytest.mark.frameworks
def test_there_are_as_many_keras_models_as_checked():
    require("keras")
    assert len(_keras_models()) == N_KERAS >= 30


# --- torchinfo ------------------------------------------------------------------------------------


def test_a_torchinfo_table_is_explained_without_torch():
    explanation = explain_text((DATA / "torchinfo_net.txt").read_text(), "net.txt")
    assert explanation.format == "torchinfo" and explanation.framework == "pytorch"
    statuses = [(row.row.cls, row.status) for row in explanation.rows]
    assert ("Linear", REPEAT) in statuses and ("Sequential", CONTAINER) in statuses
    embedding = explanation.rows[1]
    assert embedding.solved == "vocabulary size = 100" and embedding.derivation == "100·16 = 1600"
    lstm = explanation.rows[2]
    assert lstm.derivation == "4·10·(16+10+2) = 1120"
    _assert_all_agree(explanation, 3423, 3423)


@functools.cache
def _torch_models():
    import torch
    from torch import nn

    class Recurrent(nn.Module):
        def __init__(self, cell, **options):
            super().__init__()
            self.embed = nn.Embedding(300, 12)
            self.rnn = cell(12, 10, batch_first=True, **options)
            width = 20 if options.get("bidirectional") else 10
            self.head = nn.Linear(width, 4)

        def forward(self, x):
            out, _ = self.rnn(self.embed(x))
            return self.head(out[:, -1])

    class Attention(nn.Module):
        def __init__(self, bias=True):
            super().__init__()
            self.attn = nn.MultiheadAttention(32, 4, bias=bias, batch_first=True)
            self.norm = nn.LayerNorm(32)

        def forward(self, x):
            y, _ = self.attn(x, x, x)
            return self.norm(x + y)

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(6, 8)
            self.block = nn.Linear(8, 8)
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return self.out(self.block(self.block(self.inp(x))))

    class Frozen(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(10, 20), nn.ReLU())
            self.head = nn.Linear(20, 2)
            self.features.requires_grad_(False)

        def forward(self, x):
            return self.head(self.features(x))

    seq = nn.Sequential
    tokens = torch.zeros(2, 9, dtype=torch.long)
    columns = ("input_size", "output_size", "num_params")
    every_column = (*columns, "params_percent", "kernel_size", "mult_adds", "trainable")
    return [
        (seq(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10)), {"input_size": (1, 20)}),
        (seq(nn.Linear(20, 64, bias=False), nn.Linear(64, 3)), {"input_size": (1, 20), "col_names": columns}),
        (
            seq(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1800, 10)),
            {"input_size": (1, 3, 32, 32)},
        ),
        (
            seq(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1800, 10)),
            {"input_size": (1, 3, 32, 32), "col_names": columns},
        ),
        (
            seq(nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5)),
            {"input_size": (1, 1, 28, 28)},
        ),
        (
            seq(nn.Conv1d(4, 8, 7), nn.ReLU(), nn.Conv1d(8, 8, 3, groups=8)),
            {"input_size": (1, 4, 50), "col_names": columns},
        ),
        (
            seq(nn.Conv2d(3, 4, 3, bias=False), nn.Conv2d(4, 4, (1, 5))),
            {"input_size": (1, 3, 16, 16), "col_names": columns},
        ),
        (
            seq(nn.ConvTranspose2d(8, 4, 4, stride=2), nn.Conv2d(4, 3, 3)),
            {"input_size": (1, 8, 7, 7), "col_names": columns},
        ),
        (Recurrent(nn.LSTM), {"input_data": tokens}),
        (Recurrent(nn.GRU), {"input_data": tokens}),
        (Recurrent(nn.RNN), {"input_data": tokens}),
        (Recurrent(nn.LSTM, num_layers=2), {"input_data": tokens}),
        (Recurrent(nn.LSTM, bidirectional=True), {"input_data": tokens}),
        (Recurrent(nn.GRU, num_layers=3, bidirectional=True), {"input_data": tokens, "col_names": columns}),
        (Attention(), {"input_size": (1, 6, 32)}),
        (Attention(bias=False), {"input_size": (1, 6, 32), "col_names": columns}),
        (Shared(), {"input_size": (1, 6)}),
        (Frozen(), {"input_size": (1, 10)}),
        (
            seq(nn.Linear(16, 16), nn.LayerNorm(16), nn.GELU(), nn.Dropout(0.1), nn.Linear(16, 4)),
            {"input_size": (2, 16)},
        ),
        (seq(nn.Conv2d(3, 8, 3), nn.GroupNorm(2, 8), nn.PReLU(), nn.Conv2d(8, 8, 3)), {"input_size": (1, 3, 12, 12)}),
        (
            nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2),
            {"input_size": (1, 5, 16), "depth": 2},
        ),
        (
            nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2),
            {"input_size": (1, 5, 16), "depth": 3},
        ),
        (seq(seq(nn.Linear(5, 7), nn.ReLU()), seq(nn.Linear(7, 7), nn.Linear(7, 2))), {"input_size": (3, 5)}),
        (seq(nn.Embedding(50, 6), nn.Flatten(), nn.Linear(24, 2)), {"input_data": torch.zeros(1, 4, dtype=torch.long)}),
        (
            seq(nn.Linear(5, 7), nn.ReLU(), seq(nn.Linear(7, 3), nn.LayerNorm(3))),
            {"input_size": (1, 5), "row_settings": ("var_names", "depth"), "col_names": every_column},
        ),
        (
            seq(nn.Linear(5, 7), nn.ReLU(), seq(nn.Linear(7, 3), nn.LayerNorm(3))),
            {"input_size": (1, 5), "row_settings": ("ascii_only",)},
        ),
    ]


N_TORCH = 26


@pytest.mark.frameworks
@pytest.mark.parametrize("k", range(N_TORCH))
def test_torchinfo_tables_are_explained_and_total_as_pytorch_counts(k):
    require("torch")
    require("torchinfo")
    import torchinfo

    model, options = _torch_models()[k]
    text = str(torchinfo.summary(model, verbose=0, **options))
    explanation = explain_text(text, f"model{k}.txt")
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    _assert_all_agree(explanation, total, trainable)
    counted = count_model(text, "torchinfo", f"model{k}.txt")
    assert (counted.total, counted.trainable) == (total, trainable)


@pytest.mark.frameworks
def test_there_are_as_many_torch_models_as_checked():
    require("torch")
    assert len(_torch_models()) == N_TORCH >= 20


@pytest.mark.frameworks
def test_a_container_folded_by_depth_is_not_derived_but_the_printed_total_is_kept():
    require("torchinfo")
    import torchinfo
    from torch import nn

    model = nn.Sequential(nn.Sequential(nn.Linear(5, 7), nn.ReLU()), nn.Linear(7, 2))
    explanation = explain_text(str(torchinfo.summary(model, input_size=(1, 5), depth=1, verbose=0)), "t.txt")
    folded = explanation.rows[1]
    assert folded.row.printed == 42 and folded.status == UNDERIVED and "depth=" in (folded.reason or "")
    assert explanation.printed_total == 58 and explanation.rows_total == 58 and explanation.quizgen_total is None


@pytest.mark.frameworks
def test_parameters_registered_on_a_container_are_not_derived():
    require("torchinfo")
    import torch
    import torchinfo
    from torch import nn

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(3))
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x) * self.scale

    explanation = explain_text(str(torchinfo.summary(Scaled(), input_size=(1, 4), verbose=0)), "s.txt")
    assert explanation.rows[0].status == UNDERIVED and "registered directly" in (explanation.rows[0].reason or "")
    assert explanation.quizgen_total is None and explanation.printed_total == 18


# --- picking the reader by content -----------------------------------------------------------------


def test_explain_picks_the_reader_of_a_model_file():
    spec_json = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {"class_name": "InputLayer", "config": {"batch_shape": [None, None, 3]}},
                {"class_name": "LSTM", "config": {"units": 5}},
            ],
        },
    }
    data = json.loads(run("explain", "-", "--json", input=json.dumps(spec_json)).output)
    assert data["format"] == "keras-json" and data["totals"]["quizgen"] == 180
    printed = "Net(\n  (fc): Linear(in_features=3, out_features=5, bias=True)\n)\n"
    data = json.loads(run("explain", "-", "--json", input=printed).output)
    assert data["format"] == "torch-print" and data["totals"]["quizgen"] == 20


def test_explain_refuses_other_text_in_one_line():
    result = run("explain", "-", input="hello\nworld\n")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "summary" in result.output
    result = run("explain", "no-such-file.txt")
    assert result.exit_code == 2 and "cannot read" in result.output


# --- junk never gives a traceback; a count agrees only when exact ----------------------------------

FIXTURES = sorted(p.read_text() for p in DATA.glob("*.txt"))


def _garble(text: str, cuts: list[tuple[int, int, str]]) -> str:
    for start, length, insert in cuts:
        k = start % (len(text) + 1)
        text = text[:k] + insert + text[k + length :]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(FIXTURES),
    st.lists(
        st.tuples(
            st.integers(0, 5000),
            st.integers(0, 40),
            st.sampled_from(["", "7", "1,0", "│", "┃", "(", ")", "[", "--", "\n", "  ", "(recursive)", "…", "=" * 20]),
        ),
        max_size=6,
    ),
)
def test_garbled_tables_never_give_a_traceback_and_agree_only_when_exact(text, cuts):
    garbled = _garble(text, cuts)
    try:
        explanation = explain_text(garbled, "junk.txt")
    except QuizgenError:
        pass
    else:
        for row in explanation.rows:
            if row.status == AGREES:
                assert row.derived == (row.row.printed or 0)
        if explanation.all_agree and explanation.printed_total is not None:
            assert "✓" in format_explanation(explanation).split("total: ")[1].splitlines()[0] or (
                explanation.printed_total != explanation.quizgen_total
            )
    for fmt in ("keras-summary", "torchinfo"):
        try:
            model = count_model(garbled, fmt, "junk.txt")
        except QuizgenError:
            continue
        assert all(layer.derivation.value == layer.params for layer in model.layers)
        printed = re.search(r"Total params: ([\d,]+)", garbled)
        if printed:
            assert model.total == int(printed.group(1).replace(",", ""))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="Layer (type)OutputShapeParam#│┃├─└ \n0123456789,=_[]Total params:", max_size=400))
def test_random_text_never_gives_a_traceback(text):
    for fmt in ("keras-summary", "torchinfo"):
        with contextlib.suppress(QuizgenError):
            count_model(text, fmt, "junk.txt")
    with contextlib.suppress(QuizgenError):
        explain_text(text, "junk.txt")


@pytest.mark.frameworks
def test_an_unbuilt_keras_layer_is_not_derived():
    require("keras")
    import keras
    from keras import layers as L

    text = _keras_summary(keras.Sequential([L.Dense(3), L.Dense(2)]))
    explanation = explain_text(text, "unbuilt.txt")
    assert all(row.status == UNDERIVED and "not built" in (row.reason or "") for row in explanation.rows)
    assert explanation.quizgen_total is None


@pytest.mark.frameworks
def test_options_a_table_does_not_show_leave_a_row_not_derived_rather_than_disagreeing():
    require("keras")
    require("torchinfo")
    import keras
    import torchinfo
    from keras import layers as L
    from torch import nn

    grouped = keras.Sequential([keras.Input((9, 9, 4)), L.Conv2D(4, 1), L.Conv2D(8, 3, groups=2)])
    row = explain_text(_keras_summary(grouped), "grouped.txt").rows[1]
    assert (row.row.printed, row.status) == (152, UNDERIVED) and "groups" in (row.reason or "")
    projected = nn.LSTM(6, 8, proj_size=3, batch_first=True)
    text = str(
        torchinfo.summary(
            projected, input_size=(1, 5, 6), verbose=0, col_names=("input_size", "output_size", "num_params")
        )
    )
    row = explain_text(text, "projected.txt").rows[0]
    assert row.status == UNDERIVED and "proj_size" in (row.reason or "")


def _head_doctored(count: str, total: str) -> str:
    """torchinfo_net.txt with Net's head (Linear(20, 3), 63) printing ``count`` and the footer ``total``."""
    text = (DATA / "torchinfo_net.txt").read_text()
    doctored = text.replace(
        "Linear: 1-4                            [2, 3]                    63",
        f"Linear: 1-4                            [2, 3]                    {count}",
    )
    assert doctored != text and text.count("Total params: 3,423") == 1
    return doctored.replace("Total params: 3,423", f"Total params: {total}")


def test_a_torchinfo_row_that_reads_another_tensor_is_solved_but_not_checked():
    # Net's head is not inside a Sequential: the row above is only a guess at its input, so a count
    # that does not fit it is solved (66 = 21·3 + 3) and marked as such, never as agreeing.
    explanation = explain_text(_head_doctored("66", "3,426"), "net.txt")
    head = explanation.rows[-1]
    assert head.status == SOLVED and head.status not in (AGREES, DISAGREES)
    assert head.derived == 66 and head.solved is not None and "the row above gives 20" in head.solved
    assert explanation.solved_not_checked == 1 and not explanation.all_agree
    # Inside a Sequential each layer reads the one before: a changed count there is a disagreement.
    text = (DATA / "torchinfo_net.txt").read_text()
    doctored = text.replace(
        "Linear: 2-3                       [2, 20]                   420",
        "Linear: 2-3                       [2, 20]                   421",
    )
    row = explain_text(doctored, "net.txt").rows[6]
    assert (row.status, row.derived, row.difference) == (DISAGREES, 420, 1)


def test_a_solved_row_is_shown_apart_from_agreement_in_the_text_the_totals_and_the_json():
    text = _head_doctored("66", "3,426")
    result = run("explain", "-", input=text)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    head = next(line for line in lines if line.lstrip().startswith("12    Linear"))
    assert "~" in head and "✓" not in head and "✗" not in head
    total = next(line for line in lines if line.startswith("total:"))
    assert total == "total: printed 3,426 · sum of the rows 3,426 · quizgen 3,426 · 1 row solved, not checked ~"
    data = json.loads(run("explain", "-", "--json", input=text).output)
    assert data["rows"][-1]["status"] == "solved, not checked"
    assert (data["solved_not_checked"], data["all_agree"]) == (1, False)
    untouched = json.loads(run("explain", "-", "--json", input=(DATA / "torchinfo_net.txt").read_text()).output)
    assert (untouched["solved_not_checked"], untouched["all_agree"]) == (0, True)


def test_count_refuses_a_table_whose_solved_width_no_row_checks():
    with pytest.raises(ModelFileError, match=r"net.txt:12: Linear: input width = 21 .*not checked"):
        count_model(_head_doctored("66", "3,426"), "torchinfo", "net.txt")
    result = run("count", "--from", "torchinfo", "-", input=_head_doctored("66", "3,426"))
    assert result.exit_code != 0 and "Traceback" not in result.output and "not checked" in result.output
    assert count_model((DATA / "torchinfo_net.txt").read_text(), "torchinfo", "net.txt").total == 3423


def _connected_to_input_() -> str:
    """keras2_functional_tf2.txt with both inputs 8 wide, the concatenation 12, and dense_3 connected to
    ``input_`` (a name cut short: input_1 or input_2, both 8 wide), so the row above (12) is not its input."""
    text = (DATA / "keras2_functional_tf2.txt").read_text()
    for old, new in (
        ("[(None, 4)]", "[(None, 8)]"),
        ("(None, 9)", "(None, 12)"),
        ("['concatenate[0][0]']  ", "['input_[0][0]']       "),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def _dense_3_printing(text: str, count: int) -> str:
    assert text.count(" 20        ") == 1 and text.count("params: 65") == 2
    return text.replace(" 20        ", f" {count}        ").replace("params: 65", f"params: {45 + count}")


def test_a_width_named_by_connected_to_confirms_the_solved_row():
    text = _dense_3_printing(_connected_to_input_(), 18)  # 8·2 + 2: the width input_ names
    explanation = explain_text(text, "model.txt")
    dense = explanation.rows[-1]
    assert (dense.status, dense.derivation) == (AGREES, "8·2 + 2 = 18")
    assert dense.solved is not None and "confirmed" in dense.solved
    assert explanation.all_agree and explanation.solved_not_checked == 0
    assert count_model(text, "keras-summary", "model.txt").total == 63
    # 16 = 7·2 + 2: no printed row is 7 wide, so the row is solved but not checked.
    doctored = _dense_3_printing(_connected_to_input_(), 16)
    dense = explain_text(doctored, "model.txt").rows[-1]
    assert dense.status == SOLVED and dense.derived == 16
    with pytest.raises(ModelFileError, match="not checked"):
        count_model(doctored, "keras-summary", "model.txt")


@pytest.mark.frameworks
def test_a_first_convolution_shows_the_product_it_solves_never_an_invented_kernel():
    require("keras")
    import keras
    from keras import layers as L

    # Keras 3 prints no input row for a Sequential: 896 shows kernel area × input channels = 27, not 3×3×3.
    model = keras.Sequential([keras.Input((8, 8, 3)), L.Conv2D(32, 3)])
    row = explain_text(_keras_summary(model), "conv.txt").rows[0]
    assert (row.status, row.row.printed) == (AGREES, model.count_params()) == (AGREES, 896)
    assert row.derivation == "27·32 + 32 = 896" and "3·3" not in (row.words or "")
    assert row.solved is not None and row.solved.startswith("kernel area × input channels = 27")
    assert row.spec == "Conv2D(32, kernel=?)"
    counted = count_model(_keras_summary(model), "keras-summary", "conv.txt")
    assert counted.total == 896 and counted.layers[0].input_shape is None  # 27 channels would be a guess
    assert any("kernel area × input channels = 27" in note and "any split" in note for note in counted.notes)
    # The same on 64 channels: 576 = 3·3·64 stays one factor.
    model = keras.Sequential([keras.Input((8, 8, 64)), L.Conv2D(16, 3)])
    row = explain_text(_keras_summary(model), "conv.txt").rows[0]
    assert row.status == AGREES and row.derivation == "576·16 + 16 = 9232"


@pytest.mark.frameworks
def test_a_kernel_is_split_only_where_the_printed_sizes_show_it():
    require("keras")
    import keras
    from keras import layers as L

    # A functional model prints its Input row: 3 channels, and 8×8 → 6×6 shows a 3×3 kernel.
    x = keras.Input((8, 8, 3))
    text = _keras_summary(keras.Model(x, L.Conv2D(32, 3)(x)))
    conv = explain_text(text, "conv.txt").rows[1]
    assert (conv.status, conv.derivation) == (AGREES, "3·3·3·32 + 32 = 896")
    assert conv.solved == "kernel area = 9 (3×3 by the printed input and output sizes)"
    # A (3, 1) kernel after a known row is written (3, 1), not (1, 3).
    model = keras.Sequential([keras.Input((9, 9, 4)), L.Conv2D(8, 1), L.Conv2D(2, (3, 1))])
    tall = explain_text(_keras_summary(model), "conv.txt").rows[1]
    assert (tall.status, tall.spec, tall.derivation) == (AGREES, "Conv2D(2, (3, 1))", "3·1·8·2 + 2 = 50")
    # Stride 2 hides the kernel: 9 stays the kernel's area.
    model = keras.Sequential([keras.Input((9, 9, 4)), L.Conv2D(8, 1), L.Conv2D(2, 3, strides=2)])
    strided = explain_text(_keras_summary(model), "conv.txt").rows[1]
    assert (strided.status, strided.derivation) == (AGREES, "9·8·2 + 2 = 146")
    assert strided.solved is not None and "does not show the kernel's sides" in strided.solved


def test_a_table_without_its_footer_is_explained_but_not_counted():
    text = (DATA / "keras3_two_lstm.txt").read_text()
    cut = text[: text.index(" Total params")]
    assert explain_text(cut, "cut.txt").quizgen_total == 1331
    with pytest.raises(ModelFileError, match="no 'Total params' line"):
        count_model(cut, "keras-summary", "cut.txt")


def test_keras2_lines_run_together_are_refused_rather_than_a_row_dropped():
    text = (DATA / "keras2_lstm_keras22.txt").read_text()
    joined = text.replace("=\nlstm (LSTM)", "=lstm (LSTM)", 1)
    with pytest.raises(ModelFileError, match=r"joined.txt:3: a '=' rule with text after it"):
        explain_text(joined, "joined.txt")


@pytest.mark.frameworks
def test_a_kernel_area_solved_on_a_guessed_input_is_not_checked_but_inside_a_sequential_it_agrees():
    require("torchinfo")
    import torchinfo
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Conv2d(3, 8, 3, stride=2)
            self.second = nn.Conv2d(8, 4, 3, stride=2)

        def forward(self, x):
            return self.second(self.first(x))

    columns = ("output_size", "num_params")
    for model, expected in (
        (Net(), SOLVED),
        (nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.Conv2d(8, 4, 3, stride=2)), AGREES),
    ):
        text = str(torchinfo.summary(model, input_size=(1, 3, 17, 17), verbose=0, col_names=columns))
        second = explain_text(text, "net.txt").rows[-1]
        # 292 = 9·8·4 + 4 on the row above's 8 channels; stride 2 hides the kernel (8×8 → 3×3).
        assert (second.row.printed, second.derivation) == (292, "9·8·4 + 4 = 292")
        assert second.status == expected, text
