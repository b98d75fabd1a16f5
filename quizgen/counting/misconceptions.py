"""The catalogue of known mistakes: each gives its wrong number and says why, for one variant.

Distractors and grading diagnoses both come from here, so a student who picks a distractor and
one who types the same wrong number read the same explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from quizgen.caches import registered
from quizgen.counting.expr import Expr, num
from quizgen.counting.model import LayerCount, ModelCount, count_calls
from quizgen.counting.quantity import Quantity, measure, measure_shape, parse_quantity
from quizgen.counting.rules import CORRECT, Rules
from quizgen.counting.spec import Call, parse
from quizgen.counting.training_quantities import KINDS as TRAINING_KINDS
from quizgen.counting.training_quantities import MISTAKES as TRAINING_MISTAKES
from quizgen.counting.training_quantities import gib_for_gb, mistaken
from quizgen.errors import QuizgenError


@dataclass(frozen=True)
class Misconception:
    """A named mistake: the rules that reproduce it, or a function for mistakes of another kind."""

    name: str
    title: str
    why: str
    rules: Rules | None = None
    special: Special | None = None
    needs: frozenset[str] = frozenset()
    """Model features the mistake can change (none: any model); others are skipped unrecounted."""
    reaches_next: bool = False
    """It changes the input width of the layer after the one it is about (so a later layer's count)."""
    operations_only: bool = False
    """It changes multiply–accumulates and nothing else: no recount for parameters, shapes or bytes."""


@dataclass(frozen=True)
class WrongAnswer:
    """The number a misconception produces for one variant, and the feedback that explains it."""

    name: str
    value: int | float | str
    title: str
    explanation: str
    derivation: str
    expr: Expr | None = None


Special = Callable[[ModelCount, Quantity, int], tuple[int, str] | None]
"""(the wrong number, how it comes about) from the model, the quantity and its right value."""


def _last_layer_only(model: ModelCount, quantity: Quantity, right: int) -> tuple[int, str] | None:
    counted = [layer for layer in model.layers if layer.params]
    if quantity.kind != "total" or len(counted) < 2:
        return None
    return counted[-1].params, f"{counted[-1].params} is the count of {counted[-1].spec} alone"


def _flops_for_macs(model: ModelCount, quantity: Quantity, right: int) -> tuple[int, str] | None:
    if quantity.kind == "macs" or (quantity.kind == "layer" and quantity.part == "macs"):
        return 2 * right, f"2 × {right} = {2 * right} counts FLOPs"
    if quantity.kind == "flops":
        return right // 2, f"{right // 2} counts multiply–accumulates"
    return None


def _bits_for_bytes(model: ModelCount, quantity: Quantity, right: int) -> tuple[int, str] | None:
    if not quantity.in_bytes:
        return None
    return 8 * right, f"{right} bytes × 8 = {8 * right} is the size in bits"


def _only_keys(model: ModelCount, quantity: Quantity, right: int) -> tuple[int, str] | None:
    if quantity.kind != "kv_cache_bytes" or right % 2:
        return None
    return right // 2, f"{right // 2} bytes caches only the keys (or only the values)"


def _training(name: str) -> Special:
    """A §11 mistake: the training quantity worked out with that slip."""

    def special(model: ModelCount, quantity: Quantity, right: int) -> tuple[int, str] | None:
        if quantity.kind not in TRAINING_KINDS:
            return None
        return mistaken(name, model, str(quantity), right)  # type: ignore[return-value]

    return special


def _gib_as_gb(model: ModelCount, quantity: Quantity, right: int) -> tuple[int, str] | None:
    return gib_for_gb(model, str(quantity), right) if quantity.kind in TRAINING_KINDS else None


RECURRENT = frozenset({"SimpleRNN", "LSTM", "GRU"})
CONVOLUTIONS = frozenset(
    {
        "Conv1D",
        "Conv2D",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
        "SeparableConv1D",
        "SeparableConv2D",
        "Conv1DTranspose",
        "Conv2DTranspose",
    }
)
WINDOWED = CONVOLUTIONS | {"MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"}
NORMALIZED = frozenset(
    {
        "LayerNormalization",
        "BatchNormalization",
        "GroupNormalization",
        "RMSNormalization",
        "RMSNorm",
        "TransformerEncoderLayer",
        "TransformerDecoderLayer",
        "GPT2Block",
        "BertLayer",
        "LlamaDecoderLayer",
    }
)


def model_features(calls: list[Call]) -> frozenset[str]:
    """Layer kinds in a model, plus ``bidirectional`` and ``stacked`` where they apply."""
    features: set[str] = set()
    recurrent_layers = 0
    for call in calls:
        name = "SimpleRNN" if call.name == "RNN" else call.name
        features.add(name)
        inner = call.args[0].value if call.args and isinstance(call.args[0].value, Call) else None
        if name == "Bidirectional":
            features.add("bidirectional")
            if inner is not None:
                features.add("SimpleRNN" if inner.name == "RNN" else inner.name)
        arg = call.kwargs.get("bidirectional")
        if arg is not None and arg.value is True:
            features.add("bidirectional")
        for layer in (call, inner):
            if layer is None:
                continue
            options = layer.kwargs
            if any(options[k].value is False for k in ("bias", "use_bias") if k in options):
                features.add("bias=false")
            if "trainable" in options and options["trainable"].value is False:
                features.add("frozen")
            if "experts" in options:
                features.add("experts")
        layers_arg = call.kwargs.get("num_layers")
        if layers_arg is not None and isinstance(layers_arg.value, int) and layers_arg.value > 1:
            features.update(("stacked", "num_layers"))
        if name in RECURRENT or name == "Bidirectional":
            recurrent_layers += 1
    if recurrent_layers > 1:
        features.add("stacked")
    return frozenset(features)


CATALOGUE: dict[str, Misconception] = {
    m.name: m
    for m in (
        Misconception(
            "forgot_bias",
            "Forgot the bias terms",
            "every unit, filter and gate unit has a bias of its own",
            Rules(bias=False),
        ),
        Misconception(
            "forgot_recurrent_weights",
            "Left out the recurrent weights",
            "every gate also reads the previous hidden state through an h×h matrix",
            Rules(recurrent_weights=False),
            needs=RECURRENT,
        ),
        Misconception(
            "only_recurrent_weights",
            "Counted only the recurrent weights",
            "the input weights and the biases belong to the layer too",
            Rules(input_weights=False, recurrent_bias=False),
            needs=RECURRENT,
        ),
        Misconception(
            "lstm_three_gates",
            "Counted 3 weight sets for an LSTM",
            "an LSTM has 4 weight sets: forget, input and output gates plus the candidate",
            Rules(lstm_gates=3),
            needs=frozenset({"LSTM"}),
        ),
        Misconception(
            "gru_four_gates",
            "Counted 4 weight sets for a GRU",
            "a GRU has 3 weight sets: update gate, reset gate and candidate",
            Rules(gru_gates=4),
            needs=frozenset({"GRU"}),
        ),
        Misconception(
            "rnn_formula_for_gated",
            "Used the SimpleRNN formula for a gated layer",
            "LSTM and GRU repeat the h·(i+h+b) block once per weight set (4 and 3)",
            Rules(lstm_gates=1, gru_gates=1),
            needs=frozenset({"LSTM", "GRU"}),
        ),
        Misconception(
            "bias_convention",
            "Mixed up the Keras and PyTorch bias conventions",
            "Keras uses one bias vector per weight set (GRU with reset_after: two); "
            "PyTorch always has two, b_ih and b_hh",
            Rules(swap_bias_convention=True),
            needs=RECURRENT,
        ),
        Misconception(
            "gru_reset_after",
            "Used the wrong reset_after setting for the Keras GRU",
            "reset_after=true (the default) gives the GRU a second bias vector: 3·h·(i+h+2)",
            Rules(flip_gru_reset_after=True),
            needs=frozenset({"GRU"}),
        ),
        Misconception(
            "bidirectional_not_doubled",
            "Did not double the Bidirectional layer",
            "a bidirectional layer holds two independent copies, one per direction",
            Rules(bidirectional_double=False),
            needs=frozenset({"bidirectional"}),
        ),
        Misconception(
            "bidirectional_next_width",
            "Took h instead of 2·h after a Bidirectional layer",
            "the two directions are concatenated, so the next layer sees 2·h features",
            Rules(bidirectional_concat=False),
            needs=frozenset({"bidirectional"}),
            reaches_next=True,
        ),
        Misconception(
            "stacked_input_as_model_input",
            "Gave a stacked layer the model's input width",
            "a stacked layer reads the previous layer's output, whose width is its units",
            Rules(stacked_width="model_input"),
            needs=frozenset({"stacked"}),
            reaches_next=True,
        ),
        Misconception(
            "stacked_input_one",
            "Took a stacked layer's input width as 1",
            "a stacked layer's input is the previous layer's whole hidden state",
            Rules(stacked_width="one"),
            needs=frozenset({"stacked"}),
            reaches_next=True,
        ),
        Misconception(
            "units_squared_once",
            "Squared the units once for all gates",
            "each weight set has its own h×h recurrent matrix",
            Rules(recurrent_square_once=True),
            needs=RECURRENT,
        ),
        Misconception(
            "bias_per_gate",
            "Counted one bias per gate instead of one per unit",
            "each gate has a bias vector with one entry per unit",
            Rules(bias_per_gate=True),
            needs=RECURRENT,
        ),
        Misconception(
            "conv_ignores_channels",
            "Left the input channels out of a convolution",
            "each filter spans all input channels: kernel area × channels weights per filter",
            Rules(conv_channels=False),
            needs=frozenset({"Conv1D", "Conv2D"}),
        ),
        Misconception(
            "nontrainable_counted",
            "Counted BatchNormalization's moving statistics as trainable",
            "moving mean and variance are updated by averaging, not by gradients",
            Rules(nontrainable_as_trainable=True),
            needs=frozenset({"BatchNormalization"}),
        ),
        Misconception(
            "forgot_normalization",
            "Forgot the normalization layers' parameters",
            "LayerNorm and BatchNorm learn a scale and a shift per feature (RMSNorm only the scale)",
            Rules(norm_params=False),
            needs=NORMALIZED,
        ),
        Misconception(
            "forgot_position_embeddings",
            "Forgot the position embeddings",
            "learned positions add one vector of the model width for every position",
            Rules(position_embeddings=False),
            needs=frozenset({"PositionEmbedding"}),
        ),
        Misconception(
            "tied_head_counted",
            "Counted the tied output head as parameters of its own",
            "a tied head reuses the token embedding matrix, so it adds nothing",
            Rules(count_tied_head=True),
            needs=frozenset({"LMHead"}),
        ),
        Misconception(
            "gqa_full_kv",
            "Gave every query head its own key and value projections",
            "under grouped-query attention only kv_heads key/value heads are projected and the query heads share them",
            Rules(kv_heads_as_heads=True),
            needs=frozenset({"LlamaDecoderLayer"}),
        ),
        Misconception(
            "active_experts_only",
            "Counted only the experts a token uses",
            "a mixture of experts holds the parameters of every expert; top_k only says how many of them each"
            " token runs through (which is what its MACs count)",
            Rules(active_experts_only=True),
            needs=frozenset({"experts"}),
        ),
        Misconception(
            "heads_multiply_attention",
            "Multiplied the attention matrices by the number of heads",
            "the heads split d_model between them: Q, K, V and the output stay d_model × d_model",
            Rules(attention_per_head=True),
            needs=frozenset(
                {"TransformerEncoderLayer", "TransformerDecoderLayer", "GPT2Block", "BertLayer", "MultiHeadAttention"}
            ),
        ),
        Misconception(
            "separable_as_standard",
            "Counted a separable convolution as a standard one",
            "a separable convolution is one k×k filter per input channel, then a 1×1 convolution mixing channels",
            Rules(separable_as_standard=True),
            needs=frozenset({"SeparableConv1D", "SeparableConv2D"}),
        ),
        Misconception(
            "frozen_counted_trainable",
            "Counted a frozen layer as trainable",
            "trainable=false keeps a layer's parameters out of training: they count in the total only",
            Rules(frozen_as_trainable=True),
            needs=frozenset({"frozen"}),
        ),
        Misconception(
            "dense_flattens_sequence",
            "Fed the whole sequence into the Dense layer at once",
            "a Dense layer on a sequence acts on each step: its input width is the feature width, not steps × features",
            Rules(sequence_width="flattened"),
            needs=frozenset({"Dense"}),
        ),
        Misconception(
            "flatten_of_last_state",
            "Flattened only the last state",
            "with return_sequences=true every step is returned, so Flatten gives steps × units values",
            Rules(sequence_width="last_step"),
            needs=frozenset({"Flatten"}),
        ),
        Misconception(
            "counted_disabled_bias",
            "Counted biases that are switched off",
            "bias=false (use_bias=False) leaves the bias vector out",
            Rules(bias_always=True),
            needs=frozenset({"bias=false"}),
        ),
        Misconception(
            "num_layers_once",
            "Counted one layer of a num_layers stack",
            "a PyTorch recurrent layer with num_layers=n holds n layers, each with its own weight_ih_lk, weight_hh_lk "
            "and biases; layers after the first take the previous layer's output (h, or 2·h if bidirectional) as input",
            Rules(num_layers_once=True),
            needs=frozenset({"num_layers"}),
        ),
        Misconception(
            "flops_for_macs",
            "Mixed up FLOPs and MACs",
            "a multiply–accumulate is one multiplication and one addition: FLOPs = 2 × MACs",
            special=_flops_for_macs,
        ),
        Misconception(
            "forgot_sequence_length",
            "Counted one step (or one position) instead of the whole sequence",
            "a layer applied along a sequence does its work at every step: multiply by the number of steps",
            Rules(macs_per_step=True),
            operations_only=True,
        ),
        Misconception(
            "forgot_output_positions",
            "Left out the output positions of a convolution",
            "a filter is applied at every output position: multiply by the output height × width",
            Rules(conv_positions=False),
            operations_only=True,
            needs=CONVOLUTIONS,
        ),
        Misconception(
            "all_experts_computed",
            "Ran every token through every expert",
            "the router sends each token through top_k experts; the others hold parameters but do no work for it",
            Rules(all_experts_computed=True),
            operations_only=True,
            needs=frozenset({"experts"}),
        ),
        Misconception(
            "forgot_attention_scores",
            "Left out the attention scores and their weighted sum",
            "QKᵀ and the weighted sum of V cost T·T·d each: the part quadratic in the sequence length",
            Rules(attention_scores=False),
            operations_only=True,
            needs=frozenset(
                {
                    "MultiHeadAttention",
                    "TransformerEncoderLayer",
                    "TransformerDecoderLayer",
                    "GPT2Block",
                    "BertLayer",
                    "LlamaDecoderLayer",
                }
            ),
        ),
        Misconception(
            "size_off_by_one",
            "Forgot the + 1 in the output size",
            "a window fits at positions 0 … (n − k)/s: that is (n − k)/s + 1 positions",
            Rules(size_off_by_one=True),
            needs=WINDOWED,
        ),
        Misconception(
            "padding_swapped",
            "Mixed up same and valid padding",
            "valid keeps only windows that fit, n − k + 1 at stride 1; same pads so that the output is ⌈n / s⌉",
            Rules(padding_swapped=True),
            needs=WINDOWED,
        ),
        Misconception(
            "stride_ignored",
            "Ignored the stride",
            "a stride s moves the window s positions at a time, dividing the output size by s",
            Rules(stride_ignored=True),
            needs=WINDOWED,
        ),
        Misconception(
            "bits_for_bytes",
            "Gave bits instead of bytes",
            "a float16 value takes 2 bytes (16 bits), a float32 4 bytes, an int8 1 byte",
            special=_bits_for_bytes,
        ),
        Misconception(
            "forgot_keys_or_values",
            "Cached only the keys (or only the values)",
            "the cache keeps both K and V for every layer and every token",
            special=_only_keys,
        ),
        Misconception(
            "last_layer_only",
            "Gave one layer's count instead of the model's total",
            "the total adds up every layer's parameters",
            special=_last_layer_only,
        ),
        *(Misconception(m.name, m.title, m.why, special=_training(m.name)) for m in TRAINING_MISTAKES),
        Misconception(
            "gib_as_gb",
            "Wrote a size in GiB as GB",
            "a GB is 10⁹ bytes, a GiB 2³⁰ = 1,073,741,824 bytes: the same memory is 7.4 % more GB than GiB",
            special=_gib_as_gb,
        ),
    )
}


def in_scope(calls: list[Call], quantity: Quantity) -> list[Call]:
    """The layers a quantity is about: layer k alone for ``layer[k]``, else the whole model."""
    if quantity.kind == "layer" and quantity.layer is not None and 1 <= quantity.layer <= len(calls):
        return [calls[quantity.layer - 1]]
    return calls


def applies(m: Misconception, calls: list[Call], quantity: Quantity) -> bool:
    """Whether the layers the quantity is about have what the mistake is a mistake about."""
    if m.operations_only and not quantity.counts_operations:
        return False
    if not m.needs:
        return True
    return bool(m.needs & _features(calls if m.reaches_next else in_scope(calls, quantity)))


_FEATURES: dict[tuple[str, ...], frozenset[str]] = registered({})


def _features(calls: list[Call]) -> frozenset[str]:
    """``model_features``, remembered by the layers as written: a Call compares equal to one that
    differs only in its keyword options, which the features read, so Calls cannot be the key."""
    key = tuple(call.canonical() for call in calls)
    found = _FEATURES.get(key)
    if found is None:
        if len(_FEATURES) >= 2048:
            _FEATURES.clear()
        found = _FEATURES[key] = model_features(calls)
    return found


def _changed_layers(right: ModelCount, wrong: ModelCount, quantity: Quantity) -> list[tuple[LayerCount, LayerCount]]:
    wanted = quantity.layer if quantity.kind == "layer" else None
    return [
        (r, w)
        for r, w in zip(right.layers, wrong.layers, strict=False)
        if r.params != w.params and (wanted is None or r.index == wanted)
    ]


def measured_value(model: ModelCount, quantity: Quantity) -> int | float | str:
    """A quantity's value alone: a number, or a shape as ``26×26×32``."""
    return measure_shape(model, quantity) if quantity.is_shape else measure(model, quantity).value


def _measured(model: ModelCount, quantity: Quantity) -> tuple[int | float | str, str, Expr | None]:
    """(value, worked text, expression) of a quantity: a number's derivation, or a shape with how
    its sizes come (and no expression)."""
    if quantity.is_shape:
        text = measure_shape(model, quantity)
        assert quantity.layer is not None
        notes = [n for n in model.layer(quantity.layer).size_notes if n]
        return text, text + (f" ({'; '.join(notes)})" if notes else ""), None
    derivation = measure(model, quantity)
    return derivation.value, derivation.text(), derivation.expr


def _explain(m: Misconception, right: ModelCount, wrong: ModelCount, quantity: Quantity, wrong_text: str) -> str:
    changed = _changed_layers(right, wrong, quantity)[:2] if quantity.counts_parameters else []
    if changed and not (quantity.kind == "layer" and quantity.part):
        detail = "; ".join(f"{r.spec}: {w.derivation.text()} instead of {r.derivation.text()}" for r, w in changed)
    else:
        detail = f"{wrong_text} instead of {_measured(right, quantity)[1]}"
    return f"{m.title} ({detail}): {m.why}."


def wrong_answer(
    m: Misconception,
    calls: list[Call],
    framework: str,
    quantity: Quantity,
    right: ModelCount,
    correct_value: int | float | str | None = None,
) -> WrongAnswer | None:
    """What ``m`` gives for this variant, or None where it gives the right answer or nothing.

    ``correct_value`` is ``measured_value(right, quantity)``, passed in by callers that try many mistakes.
    """
    if correct_value is None:
        correct_value = measured_value(right, quantity)
    if m.special is not None:
        if isinstance(correct_value, str):
            return None
        found = m.special(right, quantity, correct_value)  # type: ignore[arg-type]  # a float for days, ratios
        if found is None or found[0] == correct_value or found[0] <= 0:
            return None
        number, how = found
        special_expr = num(number) if isinstance(number, int) else None
        return WrongAnswer(m.name, number, m.title, f"{m.title} ({how}): {m.why}.", str(number), special_expr)
    wrong = _recounted(m, calls, framework, quantity)
    if wrong is None:
        return None
    try:
        value, text, expr = _measured(wrong, quantity)
    except QuizgenError:
        return None
    if not _differs(value, correct_value):
        return None
    return WrongAnswer(m.name, value, m.title, _explain(m, right, wrong, quantity, text), text, expr)


def wrong_value(
    m: Misconception, calls: list[Call], framework: str, quantity: Quantity, correct_value: int | float | str
) -> int | float | str | None:
    """The number a rule-based mistake gives, where ``wrong_answer`` would give one, without the words."""
    wrong = _recounted(m, calls, framework, quantity)
    if wrong is None:
        return None
    try:
        value = measured_value(wrong, quantity)
    except QuizgenError:
        return None
    return value if _differs(value, correct_value) else None


def _recounted(m: Misconception, calls: list[Call], framework: str, quantity: Quantity) -> ModelCount | None:
    """The model counted with ``m``'s rules, or None where ``m`` has nothing to change or cannot count it."""
    assert m.rules is not None
    if not applies(m, calls, quantity):
        return None
    try:
        return count_calls(calls, framework, m.rules)
    except QuizgenError:
        return None


def _differs(value: int | float | str, correct_value: int | float | str) -> bool:
    return value != correct_value and not (isinstance(value, int | float) and value <= 0)


def wrong_answers(spec: str, framework: str = "keras", quantity: str | Quantity = "total") -> list[WrongAnswer]:
    """Every catalogued mistake that gives a different, positive number for this variant."""
    calls = parse(spec)
    q = parse_quantity(quantity) if isinstance(quantity, str) else quantity
    right = count_calls(calls, framework)
    correct_value = measured_value(right, q)
    found = []
    for m in CATALOGUE.values():
        answer = wrong_answer(m, calls, framework, q, right, correct_value)
        if answer is not None:
            found.append(answer)
    return found


def combined(first: Misconception, second: Misconception) -> Misconception | None:
    """Two rule-based mistakes made together (for diagnosing a number no single one explains)."""
    if first.rules is None or second.rules is None:
        return None
    merged = replace(
        first.rules,
        **{k: v for k, v in vars(second.rules).items() if v != getattr(CORRECT, k)},
    )
    return Misconception(
        f"{first.name}+{second.name}",
        f"{first.title}, and {second.title[0].lower()}{second.title[1:]}",
        f"{first.why}; {second.why}",
        merged,
    )
