"""Helpers shared by the tests."""

from __future__ import annotations

import importlib.util
import os

import pytest


def require(module: str) -> None:
    """Skip without ``module`` on a developer's machine; fail in CI, which must run every check."""
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed: CI must run the framework cross-checks")
        pytest.skip(f"{module} is not installed")


def numeric_item(spec: str, quantity: str = "total", framework: str = "keras", **changes):
    """A numeric key item whose answer and mistakes come from the counting core, as key.json's do."""
    from quizgen.bank.answers import answer_for

    answer = answer_for(spec, None, framework, quantity)
    item = {
        "label": "Q1",
        "type": "numeric",
        "points": 1,
        "answer": answer.value,
        "tolerance": 0,
        "derivation": answer.derivation,
        "misconceptions": {w.name: w.value for w in answer.wrongs},
        "misconception_feedback": {w.name: w.explanation for w in answer.wrongs},
        "spec": spec,
        "framework": framework,
        "quantity": quantity,
    }
    return {**item, **changes}
