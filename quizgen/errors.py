"""The one exception hierarchy of quizgen; the CLI maps each class to an exit code."""

from __future__ import annotations


class QuizgenError(Exception):
    """Root of every error quizgen reports to a user as one line."""

    exit_code = 1


class SpecError(QuizgenError):
    """An architecture spec that does not parse or does not make a valid model."""

    exit_code = 2

    def __init__(self, message: str, line: int = 1, column: int = 1, source: str = "spec") -> None:
        self.message = message
        self.line = line
        self.column = column
        self.source = source
        super().__init__(f"{source}:{line}:{column}: {message}")


class ModelFileError(QuizgenError):
    """A Keras JSON, printed PyTorch model or Hugging Face config that cannot be counted for sure."""

    exit_code = 2


class BankError(QuizgenError):
    """A question template or bank file that is not sound."""

    exit_code = 3


class AssignmentError(QuizgenError):
    """An assignment, roster or secret that cannot be used."""

    exit_code = 4


class ExportError(QuizgenError):
    """Output that cannot be written in the requested format."""

    exit_code = 5


class GradeError(QuizgenError):
    """A key or submissions file that cannot be graded."""

    exit_code = 6


class UsageError(QuizgenError):
    """A call of the library or CLI with arguments it does not take."""

    exit_code = 2


class OutputError(QuizgenError):
    """An output file or folder that cannot be written."""

    exit_code = 4
