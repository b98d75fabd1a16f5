"""Closed forms from the conventions table, over many sizes (hypothesis)."""

from hypothesis import given
from hypothesis import strategies as st

from quizgen import count

sizes = st.integers(min_value=1, max_value=300)
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


@given(i=sizes, h=sizes, kind=st.sampled_from(sorted(GATES)), bias=st.booleans())
def test_recurrent_keras(i, h, kind, bias):
    b = (2 if kind == "GRU" else 1) if bias else 0
    spec = f"Input({i}) -> {kind}({h}, bias={'true' if bias else 'false'})"
    assert count(spec).total == GATES[kind] * h * (i + h + b)


@given(i=sizes, h=sizes, kind=st.sampled_from(sorted(GATES)), bias=st.booleans())
def test_recurrent_pytorch(i, h, kind, bias):
    b = 2 if bias else 0
    spec = f"Input({i}) -> {kind}({h}, bias={'true' if bias else 'false'})"
    assert count(spec, framework="pytorch").total == GATES[kind] * h * (i + h + b)


@given(i=sizes, h=sizes, n=st.integers(1, 4), bidirectional=st.booleans())
def test_pytorch_stacked_bidirectional_lstm(i, h, n, bidirectional):
    d = 2 if bidirectional else 1
    expected = d * 4 * h * (i + h + 2) + (n - 1) * d * 4 * h * (d * h + h + 2)
    spec = f"Input({i}) -> LSTM({h}, num_layers={n}, bidirectional={str(bidirectional).lower()})"
    assert count(spec, framework="pytorch").total == expected


@given(i=sizes, h=sizes, mode=st.sampled_from(["concat", "sum", "ave", "mul"]), out=sizes)
def test_keras_bidirectional_and_next_width(i, h, mode, out):
    model = count(f"Input({i}) -> Bidirectional(LSTM({h}), merge_mode={mode}) -> Dense({out})")
    assert model.layers[1].params == 2 * 4 * h * (i + h + 1)
    width = 2 * h if mode == "concat" else h
    assert model.layers[2].params == width * out + out


@given(c=st.integers(1, 16), f=st.integers(1, 64), kh=st.integers(1, 5), kw=st.integers(1, 5))
def test_conv2d(c, f, kh, kw):
    model = count(f"Input(32, 32, {c}) -> Conv2D({f}, kernel=({kh}, {kw}))")
    assert model.total == kh * kw * c * f + f
    assert model.layers[1].output_shape == (32 - kh + 1, 32 - kw + 1, f)


@given(length=st.integers(1, 100), k=st.integers(1, 9), s=st.integers(1, 4))
def test_conv1d_output_length_same_and_valid(length, k, s):
    same = count(f"Input({length}, 3) -> Conv1D(2, kernel={k}, stride={s}, padding=same)")
    assert same.layers[1].output_shape == (-(-length // s), 2)
    if length >= k:
        valid = count(f"Input({length}, 3) -> Conv1D(2, kernel={k}, stride={s})")
        assert valid.layers[1].output_shape == ((length - k) // s + 1, 2)


@given(e=st.integers(1, 64), heads=st.integers(1, 8), k=st.integers(1, 32))
def test_attention_keras(e, heads, k):
    model = count(f"Input(5, {e}) -> MultiHeadAttention({heads}, key_dim={k})")
    assert model.total == 4 * heads * k * e + 3 * heads * k + e


@given(per_head=st.integers(1, 16), heads=st.integers(1, 8))
def test_attention_pytorch(per_head, heads):
    e = per_head * heads
    assert count(f"Input(5, {e}) -> MultiHeadAttention({heads})", framework="pytorch").total == 4 * e * e + 4 * e


@given(vocab=sizes, dim=sizes)
def test_embedding(vocab, dim):
    assert count(f"Embedding({vocab}, {dim}) -> Dense(1)").layers[0].params == vocab * dim


def test_every_count_equals_the_sum_of_its_parts():
    specs = [
        "Input(3) -> LSTM(5)",
        "Embedding(100, 8) -> Bidirectional(GRU(4)) -> TimeDistributed(Dense(3))",
        "Input(28, 28, 1) -> Conv2D(8, kernel=3) -> BatchNormalization() -> Flatten() -> Dense(10)",
        "Input(5, 16) -> MultiHeadAttention(2, key_dim=4) -> LayerNormalization()",
    ]
    for spec in specs:
        for framework in ("keras", "pytorch"):
            if framework == "pytorch" and "key_dim" in spec:
                continue
            for layer in count(spec, framework).layers:
                if layer.parts:
                    assert layer.params == sum(p.value for p in layer.parts), (spec, layer.spec)
