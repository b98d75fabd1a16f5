"""Each catalogued mistake gives the number a student making it would write, with a reason."""

import pytest

from quizgen.counting.misconceptions import CATALOGUE, combined, wrong_answers


def by_name(spec, framework="keras", quantity="total"):
    return {w.name: w for w in wrong_answers(spec, framework, quantity)}


def test_lstm_three_inputs_five_units():
    wrong = by_name("Input(3) -> LSTM(5)")
    assert wrong["forgot_bias"].value == 4 * 5 * (3 + 5)
    assert wrong["only_recurrent_weights"].value == 4 * 5 * 5
    assert wrong["forgot_recurrent_weights"].value == 4 * 5 * 3 + 4 * 5
    assert wrong["lstm_three_gates"].value == 3 * 5 * (3 + 5 + 1)
    assert wrong["rnn_formula_for_gated"].value == 5 * (3 + 5 + 1)
    assert wrong["bias_convention"].value == 4 * 5 * (3 + 5 + 2)
    assert wrong["units_squared_once"].value == 4 * 5 * 3 + 5 * 5 + 4 * 5
    assert "4·5·5 = 100" in wrong["only_recurrent_weights"].explanation
    assert "gru_four_gates" not in wrong  # no GRU in the model


def test_stacked_and_bidirectional_mistakes():
    wrong = by_name("Input(1) -> LSTM(10) -> LSTM(10)")
    assert wrong["stacked_input_as_model_input"].value == 480 + 480
    assert wrong["last_layer_only"].value == 840
    bi = by_name("Input(8) -> Bidirectional(GRU(4)) -> Dense(2)")
    assert bi["bidirectional_not_doubled"].value == 3 * 4 * (8 + 4 + 2) + (8 * 2 + 2)
    assert bi["bidirectional_next_width"].value == 2 * 3 * 4 * (8 + 4 + 2) + (4 * 2 + 2)
    assert bi["gru_four_gates"].value == 2 * 4 * 4 * (8 + 4 + 2) + 18
    assert bi["gru_reset_after"].value == 2 * 3 * 4 * (8 + 4 + 1) + 18


def test_pytorch_convention_slip_goes_the_other_way():
    assert by_name("Input(3) -> LSTM(5)", "pytorch")["bias_convention"].value == 180


def test_counting_only_the_experts_a_token_uses():
    spec = "Input(16, 1024) -> LlamaDecoderLayer(1024, 16, 3072, kv_heads=4, experts=8, top_k=2)"
    attention, router, expert, norms = 2 * 1024 * 1024 + 2 * 1024 * 4 * 64, 1024 * 8, 3 * 1024 * 3072, 2 * 1024
    wrong = by_name(spec, "pytorch")
    assert wrong["active_experts_only"].value == attention + router + 2 * expert + norms
    assert "every expert" in wrong["active_experts_only"].explanation
    assert "active_experts_only" not in by_name("Input(16, 1024) -> LlamaDecoderLayer(1024, 16, 3072)", "pytorch")


def test_running_every_token_through_every_expert():
    spec = "Input(16, 1024) -> LlamaDecoderLayer(1024, 16, 3072, kv_heads=4, experts=8, top_k=2)"
    per_token = 2 * 1024 * 1024 + 2 * 1024 * 256 + 1024 * 8  # q and o, k and v, the router
    scores = 2 * 16 * 16 * 1024
    wrong = by_name(spec, "pytorch", "macs")
    assert wrong["all_experts_computed"].value == 16 * (per_token + 8 * 3 * 1024 * 3072) + scores
    assert "all_experts_computed" not in by_name(spec, "pytorch")  # parameters are another matter


@pytest.mark.parametrize(
    ("first", "then", "quantity"),
    [
        ("Input(8) -> Dense(4)", "Input(8) -> Dense(4, bias=false)", "total"),
        ("Input(8) -> Dense(4, bias=false)", "Input(8) -> Dense(4)", "total"),
        (
            "Input(16, 64) -> LlamaDecoderLayer(64, 8, 96)",
            "Input(16, 64) -> LlamaDecoderLayer(64, 8, 96, experts=4)",
            "total",
        ),
        ("Input(3) -> LSTM(5)", "Input(3) -> LSTM(5, trainable=false)", "total"),
    ],
)
def test_the_mistakes_tried_do_not_depend_on_the_models_tried_before(first, then, quantity):
    """Two layers that differ only in a keyword option (bias=false, experts=…) are different models
    to the mistakes: what was worked out for one is not reused for the other."""
    from quizgen.caches import clear_all

    clear_all()
    fresh = sorted(by_name(then, "pytorch", quantity))
    clear_all()
    by_name(first, "pytorch", quantity)
    assert sorted(by_name(then, "pytorch", quantity)) == fresh


def test_conv_and_batchnorm_mistakes():
    conv = by_name("Input(28, 28, 3) -> Conv2D(8, kernel=3)")
    assert conv["conv_ignores_channels"].value == 3 * 3 * 8 + 8
    bn = by_name("Input(4, 4, 16) -> BatchNormalization()", quantity="trainable")
    assert bn["nontrainable_counted"].value == 64


@pytest.mark.parametrize(
    "spec",
    ["Input(3) -> LSTM(5)", "Embedding(50, 4) -> GRU(3) -> Dense(2)", "Input(4) -> SimpleRNN(2) -> SimpleRNN(2)"],
)
def test_wrong_answers_differ_from_the_answer_and_are_positive(spec):
    from quizgen import count

    right = count(spec).total
    for wrong in wrong_answers(spec):
        assert wrong.value != right and wrong.value > 0
        assert wrong.explanation and "\n" not in wrong.explanation


def test_every_misconception_has_a_title_and_reason():
    for m in CATALOGUE.values():
        assert m.title and m.why and (m.rules is not None or m.special is not None)


def test_two_mistakes_combine():
    both = combined(CATALOGUE["forgot_bias"], CATALOGUE["lstm_three_gates"])
    from quizgen.counting import count
    from quizgen.counting.misconceptions import wrong_answer
    from quizgen.counting.quantity import parse_quantity
    from quizgen.counting.spec import parse

    calls = parse("Input(3) -> LSTM(5)")
    answer = wrong_answer(both, calls, "keras", parse_quantity("total"), count("Input(3) -> LSTM(5)"))
    assert answer.value == 3 * 5 * (3 + 5)
