"""Readers of models as people have them (a Keras JSON, a printed PyTorch model, a Hugging Face
config): each turns its text into the layers the counting core counts. Keyed by ``--from``."""

from __future__ import annotations

from collections.abc import Callable

from quizgen.counting.model import ModelCount
from quizgen.errors import UsageError

Reader = Callable[[str, str], ModelCount]


def _keras_json(text: str, source: str) -> ModelCount:
    from quizgen.readers.keras_json import read_keras_json

    return read_keras_json(text, source)


def _torch_print(text: str, source: str) -> ModelCount:
    from quizgen.readers.torch_print import read_torch_print

    return read_torch_print(text, source)


def _hf_config(text: str, source: str) -> ModelCount:
    from quizgen.readers.hf_config import read_hf_config

    return read_hf_config(text, source)


def _keras_summary(text: str, source: str) -> ModelCount:
    from quizgen.readers.keras_summary import read_keras_summary

    return read_keras_summary(text, source)


def _torchinfo(text: str, source: str) -> ModelCount:
    from quizgen.readers.torchinfo import read_torchinfo

    return read_torchinfo(text, source)


READERS: dict[str, Reader] = {
    "keras-json": _keras_json,
    "torch-print": _torch_print,
    "hf-config": _hf_config,
    "keras-summary": _keras_summary,
    "torchinfo": _torchinfo,
}


def count_model(text: str, format: str, source: str | None = None) -> ModelCount:
    """Count a model given as text in one of ``READERS``' formats (same object as ``count``)."""
    reader = READERS.get(format)
    if reader is None:
        raise UsageError(f"unknown model format '{format}': use {', '.join(READERS)}")
    return reader(text, source or format)


__all__ = ["READERS", "count_model"]
