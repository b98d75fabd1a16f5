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
    conv_channels: bool = True
    nontrainable_as_trainable: bool = False


CORRECT = Rules()
