"""Over the whole bank: a mistake is named only where it can produce that number for that question."""

from __future__ import annotations

import re

import pytest

from quizgen.bank.instantiate import instantiate
from quizgen.bank.loader import load_bank
from quizgen.counting import count
from quizgen.counting.spec import Call, parse
from quizgen.grading.score import Scorer
from quizgen.quiz.build import key_item

VARIANTS = 6
RECURRENT = {"SimpleRNN", "RNN", "LSTM", "GRU"}
# What each mistake is a mistake about: the layer kinds it can change (written here, not imported,
# so the code's own table is checked against an independent one).
ABOUT = {
    "forgot_bias": None,
    "forgot_recurrent_weights": RECURRENT,
    "only_recurrent_weights": RECURRENT,
    "lstm_three_gates": {"LSTM"},
    "gru_four_gates": {"GRU"},
    "rnn_formula_for_gated": {"LSTM", "GRU"},
    "bias_convention": RECURRENT,
    "gru_reset_after": {"GRU"},
    "bidirectional_not_doubled": RECURRENT,
    "bidirectional_next_width": RECURRENT | {"Dense", "TimeDistributed"},
    "stacked_input_as_model_input": RECURRENT,
    "stacked_input_one": RECURRENT,
    "num_layers_once": RECURRENT,
    "units_squared_once": RECURRENT,
    "bias_per_gate": RECURRENT,
    "conv_ignores_channels": {"Conv1D", "Conv2D"},
    "nontrainable_counted": {"BatchNormalization"},
    "last_layer_only": None,
    "forgot_normalization": {
        "LayerNormalization",
        "BatchNormalization",
        "GroupNormalization",
        "RMSNormalization",
        "TransformerEncoderLayer",
        "TransformerDecoderLayer",
        "GPT2Block",
        "BertLayer",
        "LlamaDecoderLayer",
    },
    "forgot_position_embeddings": {"PositionEmbedding"},
    "tied_head_counted": {"LMHead"},
    "gqa_full_kv": {"LlamaDecoderLayer"},
    "active_experts_only": {"LlamaDecoderLayer"},
    "all_experts_computed": {"LlamaDecoderLayer"},
    "heads_multiply_attention": {"TransformerEncoderLayer", "TransformerDecoderLayer", "GPT2Block", "BertLayer"},
    "separable_as_standard": {"SeparableConv1D", "SeparableConv2D"},
    "frozen_counted_trainable": None,
    "dense_flattens_sequence": {"Dense"},
    "flatten_of_last_state": {"Flatten"},
    "counted_disabled_bias": None,
    "flops_for_macs": None,
    "forgot_sequence_length": None,
    "forgot_output_positions": {"Conv1D", "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose"},
    "forgot_attention_scores": {"MultiHeadAttention", "TransformerEncoderLayer", "GPT2Block", "LlamaDecoderLayer"},
    "size_off_by_one": {"Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling2D"},
    "padding_swapped": {"Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling2D"},
    "stride_ignored": {"Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling2D"},
    "bits_for_bytes": None,
    "forgot_keys_or_values": None,
    # training and deployment (design.md §11): about the setup, not a layer kind
    "adam_one_state": None,
    "forgot_optimizer_states": None,
    "forgot_gradients": None,
    "no_master_copy": None,
    "frozen_base_trainable": None,
    "zero_shards_everything": None,
    "zero_not_sharded": None,
    "zero_stages_confused": None,
    "forward_only_flops": None,
    "backward_equals_forward": None,
    "forgot_mfu": None,
    "lora_r_in_out": None,
    "optimal_forgot_six": None,
    "forgot_scales": None,
    "gib_as_gb": None,
    "forgot_kv_cache": None,
    "kv_cache_one_sequence": None,
    "kernels_summed": {"Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"},
    "strides_ignored": {"Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"},
}
LAYER_MENTION = re.compile(r"\b([A-Z][A-Za-z0-9]*\((?:[^()]|\([^()]*(?:\([^()]*\))?[^()]*\))*\))")


def _kinds(call: Call) -> set[str]:
    kinds = {call.name}
    for arg in call.args:
        if isinstance(arg.value, Call):
            kinds |= _kinds(arg.value)
    return kinds


def _items():
    for template in load_bank().templates.values():
        for seed in range(VARIANTS):
            variant = instantiate(template, seed)
            for k, item in enumerate(variant.parts or [variant]):
                if item.spec and item.quantity:
                    yield pytest.param(
                        template.id, seed, key_item(f"Q1{'abcdefgh'[k]}", item), id=f"{template.id}-{seed}-{k}"
                    )


ITEMS = list(_items())


def _scope(spec: str, quantity: str, spec_b: str | None) -> tuple[list[Call], list[Call]]:
    """(layers the quantity is about, those and the layer before each: a width slip starts there)."""
    calls = parse(spec) + (parse(spec_b) if spec_b else [])
    match = re.match(r"layer\[(\d+)\]", quantity)
    if not match:
        return calls, calls
    k = int(match.group(1))
    return [calls[k - 1]], calls[max(0, k - 2) : k]


def _bias_vectors(call: Call, framework: str) -> int:
    reset_after = call.kwargs.get("reset_after")
    if framework == "pytorch":
        return 2
    return 2 if call.name == "GRU" and (reset_after is None or reset_after.value is True) else 1


@pytest.mark.parametrize(("template_id", "seed", "item"), ITEMS)
def test_named_mistakes_fit_the_question(template_id, seed, item):
    scope, with_previous = _scope(item["spec"], item["quantity"], item.get("spec_b"))
    models = [count(s, item["framework"]) for s in (item["spec"], item.get("spec_b")) if s]
    if re.match(r"layer\[(\d+)\]", item["quantity"]):
        allowed = {models[0].layers[int(re.findall(r"\d+", item["quantity"])[0]) - 1].spec}
    else:
        allowed = {layer.spec for model in models for layer in model.layers}
    for name, text in item["misconception_feedback"].items():
        for mentioned in LAYER_MENTION.findall(text):
            assert mentioned in allowed, f"{name}: {mentioned} is not a layer of this question: {text}"
        for single in name.split("+"):
            about = ABOUT[single]
            if about is None:
                continue
            kinds = set().union(
                *(_kinds(c) for c in (with_previous if "width" in single or "stacked" in single else scope))
            )
            assert about & kinds, f"{single} named for {item['quantity']} of {item['spec']}"
            if single == "bias_convention":
                other = "pytorch" if item["framework"] == "keras" else "keras"
                differ = [
                    c
                    for call in scope
                    for c in (_inner(call),)
                    if c.name in RECURRENT and _bias_vectors(c, item["framework"]) != _bias_vectors(c, other)
                ]
                assert differ, f"bias_convention named where Keras and PyTorch agree: {item['spec']}"


def _inner(call: Call) -> Call:
    if call.name == "Bidirectional" and call.args and isinstance(call.args[0].value, Call):
        return call.args[0].value
    return call


@pytest.mark.parametrize(("template_id", "seed", "item"), ITEMS)
def test_a_mistakes_number_earns_exactly_its_credit(template_id, seed, item):
    names = sorted(item["misconceptions"])
    shares = {name: round((k + 1) / (len(names) + 1), 4) for k, name in enumerate(names)}
    scorer = Scorer(shares)
    for name, value in item["misconceptions"].items():
        typed = value if isinstance(value, str) else (f"{value:g}" if isinstance(value, float) else str(value))
        result = scorer.score(item, typed)
        same = [n for n, v in item["misconceptions"].items() if v == value]
        assert name in result.mistakes or name not in shares
        assert set(result.mistakes) == set(same)
        expected = max(shares.get(n, 0.0) for n in same)
        assert result.points == pytest.approx(round(item["points"] * expected, 4)), (name, value, result)
        if len(set(same)) > 1 and item["type"] == "numeric":
            assert "fits" in result.feedback
