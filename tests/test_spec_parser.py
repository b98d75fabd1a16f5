"""The spec language: what parses, what errors say, and that nothing raises anything else."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import SpecError, count
from quizgen.counting import parse
from quizgen.errors import QuizgenError


@pytest.mark.parametrize(
    ("spec", "column", "words"),
    [
        ("Input(3) -> LTSM(5)", 13, "unknown layer 'LTSM' (did you mean 'LSTM'?)"),
        ("Input(3) -> lstm(5)", 13, "did you mean 'LSTM'"),
        ("Input(3) -> LSTM(5", 19, "expected ',' or ')'"),
        ("Input(3) LSTM(5)", 10, "expected '->' between layers"),
        ("Input(3) -> LSTM(5, unit=3)", 21, "LSTM has no option 'unit'"),
        ("Input(3) -> LSTM(5, num_layers=2)", 21, "PyTorch-only option"),
        ("Input(3) -> GRU(5, reset_after=true, bias=maybe)", 38, "must be true or false"),
        ("Input(8, None) -> LSTM(5)", 10, "Input(8)"),
        ("Input(3) -> Flatten() -> Dense(2)", 13, None),
        ("Input(8) -> LSTM(4, return_sequences=true) -> Flatten() -> Dense(1)", 47, "Flatten over an unknown size"),
        ("LSTM(5)", 1, "starts with Input"),
        ("Input(3) -> Input(3)", 13, "can only start"),
        ("Input(3) -> Dense(0)", 19, "at least 1"),
        ("Input(3) -> Dense(2.5)", 19, "whole number"),
        ("", 1, "empty spec"),
        ("Input(3) -> Bidirectional(Dense(4))", 13, "wraps SimpleRNN, LSTM or GRU"),
        ("Input(4, 4, 1) -> Conv2D(2, kernel=5)", 19, "kernel 5 is larger"),
        ("Input(4) -> MultiHeadAttention(2)", 13, "needs its heads and key_dim"),
    ],
)
def test_errors_point_at_the_column(spec, column, words):
    if words is None:  # Flatten over a known size is fine
        count(spec)
        return
    with pytest.raises(SpecError) as raised:
        count(spec)
    assert raised.value.column == column, str(raised.value)
    assert words in str(raised.value)
    assert str(raised.value).startswith(f"spec:1:{column}: ")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("Input(3) -> GRU(5, reset_after=false)", "Keras-only option"),
        ("Input(4) -> MultiHeadAttention(2, key_dim=4)", "Keras-only option"),
        ("Input(6) -> MultiHeadAttention(4)", "divisible by heads=4"),
        ("Input(8, 3) -> Conv1D(2, kernel=3, stride=2, padding=same)", "padding=same only with stride=1"),
        ("Input(3) -> Bidirectional(LSTM(4), merge_mode=sum)", "Keras-only option"),
    ],
)
def test_framework_specific_options_are_refused_with_a_reason(spec, words):
    with pytest.raises(SpecError, match=words):
        count(spec, framework="pytorch")


def test_spaces_comments_and_canonical_form():
    model = count("Input( 3 )->LSTM(5,bias=TRUE)   # a comment")
    assert model.spec == "Input(3) -> LSTM(5, bias=true)"
    assert count("Input(28,28,1)->MaxPooling2D((2,2))->Flatten()").layers[-1].output_width == 14 * 14


def test_pair_arguments_and_nested_layers_parse():
    calls = parse("Input(8) -> TimeDistributed(Dense(3)) -> Conv2D(4, kernel=(3, 1))")
    assert [c.name for c in calls] == ["Input", "TimeDistributed", "Conv2D"]
    assert calls[1].args[0].value.name == "Dense"
    assert calls[2].kwargs["kernel"].value == (3, 1)


def test_nesting_is_bounded():
    with pytest.raises(SpecError, match="nested too deeply"):
        count("Input(3) -> Dense(2, kernel_regularizer=a(b=c(d=e(f=g(1)))))")
    with pytest.raises(SpecError, match="nested too deeply"):
        count("Input(3) -> Reshape(((((((3,),),),),),))")
    with pytest.raises(SpecError, match="wraps SimpleRNN, LSTM or GRU"):
        count("Input(3) -> Bidirectional(Bidirectional(LSTM(2)))")


ALPHABET = st.sampled_from(
    [*list("()->,=# \t0123456789.eE+-_abcxyzLSTMGRUDensInputBdirectional"), "LSTM", "Input", "->"]
)


@settings(max_examples=400)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF), max_size=60))
def test_any_text_gives_a_model_or_a_clean_error(text):
    for framework in ("keras", "pytorch"):
        try:
            count(text, framework)
        except QuizgenError as error:
            assert "\n" not in str(error)


@settings(max_examples=600)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_spec_like_text_gives_a_model_or_a_clean_error(text):
    for framework in ("keras", "pytorch"):
        try:
            model = count(text, framework)
        except QuizgenError as error:
            assert "\n" not in str(error)
        else:
            assert model.total >= 0
            assert count(model.spec, framework).total == model.total
