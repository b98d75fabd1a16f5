"""The layer registry: spec names to layer types (a new layer is one module and one entry)."""

from quizgen.counting.layers.attention import ATTENTION_ALIASES, ATTENTION_TYPES
from quizgen.counting.layers.base import Context, Counted, LayerType, Part, Shape, bind
from quizgen.counting.layers.basic import BASIC_TYPES
from quizgen.counting.layers.conv import CONV_ALIASES, CONV_TYPES
from quizgen.counting.layers.merge import MERGE_TYPES
from quizgen.counting.layers.pooling import POOLING_ALIASES, POOLING_TYPES
from quizgen.counting.layers.recurrent import BIDIRECTIONAL, RECURRENT_ALIASES, RECURRENT_TYPES
from quizgen.counting.layers.shaping import SHAPING_TYPES
from quizgen.counting.layers.transformer import TRANSFORMER_ALIASES, TRANSFORMER_TYPES

LAYERS: dict[str, LayerType] = {
    **BASIC_TYPES,
    **RECURRENT_TYPES,
    "Bidirectional": BIDIRECTIONAL,
    **CONV_TYPES,
    **POOLING_TYPES,
    **SHAPING_TYPES,
    **MERGE_TYPES,
    **ATTENTION_TYPES,
    **TRANSFORMER_TYPES,
}
ALIASES: dict[str, str] = {
    **RECURRENT_ALIASES,
    **CONV_ALIASES,
    **POOLING_ALIASES,
    **ATTENTION_ALIASES,
    **TRANSFORMER_ALIASES,
}
RECURRENT_NAMES = frozenset(RECURRENT_TYPES) | {"Bidirectional"}
SEQUENCE_CONSUMERS = frozenset(name for name, t in LAYERS.items() if t.sequence_layer)
"""Layers a recurrent layer hands its whole sequence to when return_sequences is not written."""

__all__ = [
    "ALIASES",
    "LAYERS",
    "RECURRENT_NAMES",
    "SEQUENCE_CONSUMERS",
    "Context",
    "Counted",
    "LayerType",
    "Part",
    "Shape",
    "bind",
]
