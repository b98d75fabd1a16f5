"""quizgen: randomized, auto-graded exercises on neural-network parameter arithmetic."""

from quizgen.counting import ModelCount, count
from quizgen.errors import QuizgenError, SpecError

__version__ = "0.1.0"

__all__ = ["ModelCount", "QuizgenError", "SpecError", "__version__", "count"]
