"""quizgen: randomized, auto-graded exercises on neural-network parameter arithmetic.

The public API is imported on first use, so that ``quizgen count`` pays for nothing else.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "ModelCount": "quizgen.counting",
    "count": "quizgen.counting",
    "count_model": "quizgen.readers",
    "generate": "quizgen.publish.generate",
    "grade": "quizgen.grading.run",
    "load_bank": "quizgen.bank.loader",
    "QuizgenError": "quizgen.errors",
    "SpecError": "quizgen.errors",
}

if TYPE_CHECKING:
    from quizgen.bank.loader import load_bank
    from quizgen.counting import ModelCount, count
    from quizgen.errors import QuizgenError, SpecError
    from quizgen.grading.run import grade
    from quizgen.publish.generate import generate
    from quizgen.readers import count_model


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'quizgen' has no attribute '{name}'")


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
