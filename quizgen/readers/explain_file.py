"""Which reader a pasted text is for, told by its content, and its explanation (``quizgen explain``)."""

from __future__ import annotations

from quizgen.errors import UsageError
from quizgen.readers import count_model
from quizgen.readers.explain import Explanation, explain_table, from_model
from quizgen.readers.keras_summary import looks_like_keras_summary, parse_keras_summary
from quizgen.readers.torchinfo import looks_like_torchinfo, parse_torchinfo


def detect_format(text: str) -> str:
    """The reader for a text, told by its content."""
    if looks_like_torchinfo(text):
        return "torchinfo"
    if looks_like_keras_summary(text):
        return "keras-summary"
    stripped = text.lstrip()
    if stripped.startswith("{"):
        if '"class_name"' in text or '"modelTopology"' in text:
            return "keras-json"
        if '"model_type"' in text or '"architectures"' in text:
            return "hf-config"
    first = stripped.splitlines()[0] if stripped else ""
    if first.rstrip().endswith("(") and first[:1].isalpha():
        return "torch-print"
    raise UsageError(
        "not a summary table or model file quizgen knows: expected what Keras' model.summary() or "
        "torchinfo.summary() prints, a Keras JSON, a print(model) or a config.json"
    )


def explain_text(text: str, source: str = "<stdin>") -> Explanation:
    """Explain a summary table (or count a model file and show its derivations), picking the reader."""
    kind = detect_format(text)
    if kind == "keras-summary":
        return explain_table(parse_keras_summary(text, source), source)
    if kind == "torchinfo":
        return explain_table(parse_torchinfo(text, source), source)
    return from_model(kind, count_model(text, kind, source), source)
