"""The worked numbers of the design document, which any correct implementation must reproduce."""

from quizgen import count
from quizgen.counting.quantity import measure


def test_two_stacked_10_unit_lstms_on_one_feature():
    model = count("Input(1) -> LSTM(10) -> LSTM(10)")
    assert [layer.params for layer in model.layers] == [0, 480, 840]
    assert model.total == 1320


def test_two_stacked_20_unit_lstms_on_one_feature():
    model = count("Input(1) -> LSTM(20) -> LSTM(20)")
    assert [layer.params for layer in model.layers[1:]] == [1760, 3280]


def test_three_inputs_five_lstm_units_and_its_breakdown():
    lstm = count("Input(3) -> LSTM(5)").layers[1]
    assert lstm.derivation.text() == "4·5·(3+5+1) = 180"
    assert lstm.part("recurrent_weights").value == 100
    assert lstm.part("input_weights").value == 60
    assert lstm.part("biases").value == 20
    assert measure(count("Input(3) -> LSTM(5)"), "layer[2].recurrent_weights").text() == "4·5·5 = 100"


def test_rnn_with_200_parameters_becomes_lstm_with_800():
    # h·(i+h+1) = 200 with i = 9, h = 10
    assert count("Input(9) -> SimpleRNN(10)").total == 200
    assert count("Input(9) -> LSTM(10)").total == 800
    assert count("Input(9) -> RNN(10)").total == 200


def test_pytorch_doubles_the_bias_vectors():
    assert count("Input(3) -> LSTM(5)", framework="pytorch").total == 4 * 5 * (3 + 5 + 2)
    assert count("Input(3) -> SimpleRNN(5)", framework="pytorch").total == 5 * (3 + 5 + 2)


def test_keras_gru_reset_after_both_ways():
    assert count("Input(64) -> GRU(32)").total == 3 * 32 * (64 + 32 + 2)
    assert count("Input(64) -> GRU(32, reset_after=false)").total == 3 * 32 * (64 + 32 + 1)


def test_batch_normalization_trainable_versus_total():
    keras = count("Input(4, 4, 16) -> BatchNormalization()")
    assert (keras.total, keras.trainable) == (64, 32)
    torch = count("Input(4, 4, 16) -> BatchNormalization()", framework="pytorch")
    assert (torch.total, torch.trainable) == (32, 32)


def test_proj_size_next_layer_sees_p():
    model = count("Input(8) -> LSTM(16, proj_size=4) -> Dense(1)", framework="pytorch")
    assert model.layers[1].params == 4 * 16 * 8 + 4 * 16 * 4 + 2 * 4 * 16 + 16 * 4
    assert model.layers[2].input_width == 4
