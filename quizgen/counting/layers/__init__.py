"""The layer registry: spec names to layer types (a new layer is one module and one entry)."""

from quizgen.counting.layers.attention import ATTENTION_TYPES
from quizgen.counting.layers.base import Context, Counted, LayerType, Part, Shape, bind
from quizgen.counting.layers.basic import BASIC_TYPES
from quizgen.counting.layers.conv import CONV_TYPES
from quizgen.counting.layers.recurrent import BIDIRECTIONAL, RECURRENT_ALIASES, RECURRENT_TYPES

LAYERS: dict[str, LayerType] = {
    **BASIC_TYPES,
    **RECURRENT_TYPES,
    "Bidirectional": BIDIRECTIONAL,
    **CONV_TYPES,
    **ATTENTION_TYPES,
}
ALIASES: dict[str, str] = dict(RECURRENT_ALIASES)
RECURRENT_NAMES = frozenset(RECURRENT_TYPES) | {"Bidirectional"}

__all__ = ["ALIASES", "LAYERS", "RECURRENT_NAMES", "Context", "Counted", "LayerType", "Part", "Shape", "bind"]
