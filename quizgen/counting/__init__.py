"""The counting core: pure functions from a spec to exact parameter counts and derivations."""

from quizgen.counting.expr import Derivation
from quizgen.counting.model import FRAMEWORKS, LayerCount, ModelCount, count, count_calls
from quizgen.counting.rules import CORRECT, Rules
from quizgen.counting.spec import parse

__all__ = ["CORRECT", "FRAMEWORKS", "Derivation", "LayerCount", "ModelCount", "Rules", "count", "count_calls", "parse"]
