"""Counting rules: the correct conventions by default, and the knobs misconceptions turn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Rules:
    """How to count. ``Rules()`` is correct; every other setting reproduces a known mistake."""

    bias: bool = True
    recurrent_bias: bool = True
    swap_bias_convention: bool = False
    flip_gru_reset_after: bool = False
    lstm_gates: int = 4
    gru_gates: int = 3
    input_weights: bool = True
    recurrent_weights: bool = True
    recurrent_square_once: bool = False
    bias_per_gate: bool = False
    bidirectional_double: bool = True
    bidirectional_concat: bool = True
    stacked_width: Literal["actual", "model_input", "one"] = "actual"
    num_layers_once: bool = False
    conv_channels: bool = True
    nontrainable_as_trainable: bool = False
    norm_params: bool = True
    position_embeddings: bool = True
    count_tied_head: bool = False
    kv_heads_as_heads: bool = False
    active_experts_only: bool = False
    all_experts_computed: bool = False
    attention_per_head: bool = False
    separable_as_standard: bool = False
    frozen_as_trainable: bool = False
    sequence_width: Literal["actual", "flattened", "last_step"] = "actual"
    bias_always: bool = False
    macs_per_step: bool = False
    conv_positions: bool = True
    attention_scores: bool = True
    size_off_by_one: bool = False
    padding_swapped: bool = False
    stride_ignored: bool = False


CORRECT = Rules()
