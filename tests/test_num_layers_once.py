"""The mistake `num_layers_once`: one layer of a stacked PyTorch RNN/LSTM/GRU counted. Its number is
checked by closed form and against torch (the l0 tensors of a real stack), and it reaches
distractors, diagnoses and partial credit from the one catalogue entry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests_support import require

from quizgen.bank.answers import answer_for
from quizgen.grading.score import Scorer

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _mistake(spec: str, quantity: str) -> int | None:
    wrongs = {w.name: w.value for w in answer_for(spec, None, "pytorch", quantity).wrongs}
    value = wrongs.get("num_layers_once")
    return int(value) if value is not None else None


def test_the_issue_example_by_hand():
    # A 2-layer nn.LSTM(8, 16): weight_hh of one layer is 4·16·16 = 1024, of the stack 2048.
    spec = "Input(10, 8) -> LSTM(16, num_layers=2)"
    assert answer_for(spec, None, "pytorch", "layer[2].recurrent_weights").value == 2048
    assert _mistake(spec, "layer[2].recurrent_weights") == 1024
    # total: layer 0 is 4·16·(8+16+2) = 1664, layer 1 is 4·16·(16+16+2) = 2176
    assert answer_for(spec, None, "pytorch", "total").value == 1664 + 2176
    assert _mistake(spec, "total") == 1664


def test_a_single_layer_or_a_keras_stack_has_no_such_mistake():
    assert _mistake("Input(10, 8) -> LSTM(16)", "total") is None
    wrongs = answer_for("Input(10, 8) -> LSTM(16, return_sequences=true) -> LSTM(16)", None, "keras", "total").wrongs
    assert "num_layers_once" not in {w.name for w in wrongs}


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(GATES)),
    st.integers(1, 24),
    st.integers(1, 24),
    st.integers(2, 4),
    st.booleans(),
)
def test_one_layer_counted_is_the_l0_tensors_of_the_real_stack(kind, i, h, n, bidirectional):
    require("torch")
    import torch

    module = getattr(torch.nn, kind)(i, h, num_layers=n, bidirectional=bidirectional)
    params = dict(module.named_parameters())
    first = sum(p.numel() for name, p in params.items() if name.endswith(("_l0", "_l0_reverse")))
    first_hh = sum(p.numel() for name, p in params.items() if name.startswith("weight_hh_l0"))
    spec = f"Input(5, {i}) -> {kind}({h}, num_layers={n}, bidirectional={'true' if bidirectional else 'false'})"
    assert answer_for(spec, None, "pytorch", "total").value == sum(p.numel() for p in params.values())
    assert _mistake(spec, "total") == first
    assert _mistake(spec, "layer[2].recurrent_weights") == first_hh
    # and by closed form: g·h·(i + h + 2) per direction
    dirs = 2 if bidirectional else 1
    assert first == dirs * GATES[kind] * h * (i + h + 2)


def test_a_student_who_counted_one_layer_is_told_so_and_gets_the_partial_credit():
    spec = "Input(10, 8) -> LSTM(16, num_layers=2)"
    answer = answer_for(spec, None, "pytorch", "layer[2].recurrent_weights")
    question = {
        "label": "Q1",
        "type": "numeric",
        "points": 2,
        "answer": answer.value,
        "tolerance": 0,
        "spec": spec,
        "framework": "pytorch",
        "quantity": "layer[2].recurrent_weights",
        "misconceptions": {w.name: w.value for w in answer.wrongs},
        "misconception_feedback": {w.name: w.explanation for w in answer.wrongs},
    }
    for typed in ("1024", "4*16*16", "4·16·16 = 1024"):
        result = Scorer({"num_layers_once": 0.25}).score(question, typed)
        assert result.mistakes == ("num_layers_once",), typed
        assert result.status == "partial" and result.points == 0.5
        assert "num_layers=n holds n layers" in result.feedback


@pytest.mark.parametrize("kind", sorted(GATES))
def test_the_mistake_is_a_distractor_of_the_bank_question(kind):
    spec = f"Input(30) -> {kind}(7, num_layers=2)"
    right = answer_for(spec, None, "pytorch", "total").value
    assert _mistake(spec, "total") == GATES[kind] * 7 * (30 + 7 + 2) != right
