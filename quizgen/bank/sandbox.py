"""The sandboxed Jinja environment for text and expressions written in the question bank."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from quizgen.caches import bounded


@cache
def bank_env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


@bounded(4096)
def _compiled(source: str) -> Template:
    return bank_env().from_string(source)


@bounded(4096)
def _expression(source: str) -> Any:
    return bank_env().compile_expression(source, undefined_to_none=False)


def render_text(source: str, context: dict[str, Any]) -> str:
    """Render bank text; raises jinja2's TemplateError for the caller to place."""
    return _compiled(source).render(**context).strip()


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    return _expression(expression)(**context)


__all__ = ["TemplateError", "evaluate", "render_text"]
