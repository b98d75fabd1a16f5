"""Questions on shapes, operations and memory: answers, the mistakes behind wrong ones, grading."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests_support import numeric_item

from quizgen.bank.answers import answer_for
from quizgen.cli import main
from quizgen.grading.score import Scorer

LLAMA_2_7B = "Input(4096, 4096) -> LlamaDecoderLayer(4096, 32, 11008, layers=32)"


def test_the_llama_kv_cache_worked_example():
    answer = answer_for(LLAMA_2_7B, None, "pytorch", "kv_cache_bytes(float16)")
    assert answer.value == 2 * 32 * 4096 * 4096 * 2 == 2**31
    wrong = {w.name: w.value for w in answer.wrongs}
    assert wrong["bits_for_bytes"] == 8 * 2**31
    assert wrong["forgot_keys_or_values"] == 2**30


@pytest.mark.parametrize(
    ("typed", "status", "mistake"),
    [
        ("2 GiB", "correct", None),
        ("2147483648", "correct", None),
        ("2,147,483,648 bytes", "correct", None),
        ("17179869184", "wrong", "bits_for_bytes"),
        ("1 GiB", "wrong", "forgot_keys_or_values"),
        ("2 GB", "wrong", None),
    ],
)
def test_byte_answers_are_read_with_their_units(typed, status, mistake):
    result = Scorer({}).score(numeric_item(LLAMA_2_7B, "kv_cache_bytes(float16)", "pytorch"), typed)
    assert result.status == status
    assert result.mistakes == ((mistake,) if mistake else ())


def test_grouped_query_attention_shrinks_the_cache_and_the_slip_is_named():
    spec = "Input(8192, 4096) -> LlamaDecoderLayer(4096, 32, 14336, kv_heads=8, layers=32)"
    entry = numeric_item(spec, "kv_cache_bytes(float16)", "pytorch")
    assert entry["answer"] == 2 * 32 * 8192 * 8 * 128 * 2
    result = Scorer({}).score(entry, str(4 * entry["answer"]))
    assert result.mistakes == ("gqa_full_kv",) and "key/value heads" in result.feedback


def test_macs_and_flops_are_told_apart():
    macs = numeric_item("Input(50, 8) -> LSTM(20)", "macs")
    assert macs["answer"] == 112_000
    assert Scorer({}).score(macs, "224000").mistakes == ("flops_for_macs",)
    assert Scorer({}).score(macs, "2240").mistakes == ("forgot_sequence_length",)
    flops = numeric_item("Input(50, 8) -> LSTM(20)", "flops")
    assert flops["answer"] == 224_000 and Scorer({}).score(flops, "112000").mistakes == ("flops_for_macs",)


def test_convolution_sizes_and_their_slips():
    height = numeric_item("Input(32, 32, 3) -> Conv2D(16, 5, strides=2)", "output_shape[2][1]")
    assert height["answer"] == 14 and height["derivation"] == "⌊(32 − 5) / 2⌋ + 1 = 14"
    assert Scorer({}).score(height, "13").mistakes == ("size_off_by_one",)
    assert Scorer({}).score(height, "16").mistakes == ("padding_swapped",)
    assert Scorer({}).score(height, "28").mistakes == ("stride_ignored",)
    volume = answer_for("Input(28, 28, 3) -> Conv2D(8, 3, strides=2, padding='same')", None, "keras", "output_shape[2]")
    assert volume.value == "14×14×8"
    assert {w.name: w.value for w in volume.wrongs}["padding_swapped"] == "13×13×8"


def test_conv_macs_count_every_output_position():
    entry = numeric_item("Input(32, 32, 3) -> Conv2D(16, 3, padding='same')", "layer[2].macs")
    assert entry["answer"] == 32 * 32 * 3 * 3 * 3 * 16
    assert Scorer({}).score(entry, str(3 * 3 * 3 * 16)).mistakes == ("forgot_output_positions",)


def test_attention_cost_grows_faster_than_the_sequence():
    answer = answer_for(
        "Input(256, 64) -> MultiHeadAttention(4)", "Input(128, 64) -> MultiHeadAttention(4)", "pytorch", "ratio(macs)"
    )
    # 4·T·d² + 2·T²·d: doubling T from 128 (d = 64) multiplies it by (8·256·64 + 4·256²) / (4·128·64·2 + 2·128²·2)
    assert answer.value == round((4 * 256 * 64**2 + 2 * 256**2 * 64) / (4 * 128 * 64**2 + 2 * 128**2 * 64), 4)
    assert {w.name: w.value for w in answer.wrongs}["forgot_attention_scores"] == 2.0


def test_count_json_and_table_show_operations_and_memory():
    data = json.loads(
        CliRunner()
        .invoke(main, ["count", "Input(50, 8) -> LSTM(20) -> Dense(3)", "--json", "--dtype", "float16"])
        .output
    )
    assert data["macs"] == 112_060 and data["flops"] == 224_120
    assert data["layers"][1]["macs_derivation"] == "50·4·20·(8+20) = 112000"
    assert data["weight_bytes"] == 2 * (2320 + 63) and data["activation_bytes"] == 2 * (20 + 3)
    table = (
        CliRunner()
        .invoke(main, ["count", "Input(8) -> LSTM(20, return_sequences=true)", "--show", "macs,memory"])
        .output
    )
    assert "MACs ? (a sequence of unknown length" in table and "activations of one sample ? bytes" in table
    bad = CliRunner().invoke(main, ["count", "Input(8) -> Dense(2)", "--show", "speed"])
    assert bad.exit_code == 2 and "--show takes macs, memory" in bad.output
