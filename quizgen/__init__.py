"""quizgen: randomized, auto-graded exercises on neural-network parameter arithmetic."""

__version__ = "0.1.0"

from quizgen.bank import load_bank
from quizgen.counting import ModelCount, count
from quizgen.errors import QuizgenError, SpecError
from quizgen.generate import generate
from quizgen.grading.run import grade
from quizgen.readers import count_model

__all__ = [
    "ModelCount",
    "QuizgenError",
    "SpecError",
    "__version__",
    "count",
    "count_model",
    "generate",
    "grade",
    "load_bank",
]
