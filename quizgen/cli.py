"""The ``quizgen`` command line: parse arguments, call the library, print. Nothing else."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from quizgen import __version__
from quizgen.count_table import format_table
from quizgen.counting import FRAMEWORKS, count
from quizgen.errors import QuizgenError


def reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a quizgen error into one line on stderr and its exit code."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except QuizgenError as error:
            click.echo(f"quizgen: {error}", err=True)
            sys.exit(error.exit_code)

    return run


@click.group()
@click.version_option(__version__, prog_name="quizgen")
def main() -> None:
    """Randomized, auto-graded exercises on neural-network parameter counts."""


@main.command("count")
@click.argument("spec")
@click.option("--framework", type=click.Choice(FRAMEWORKS), default="keras", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@reports_errors
def count_command(spec: str, framework: str, as_json: bool) -> None:
    """Count the parameters of SPEC, e.g. 'Input(3) -> LSTM(5)', layer by layer."""
    model = count(spec, framework=framework)
    if as_json:
        click.echo(json.dumps(model.to_dict(), ensure_ascii=False))
    else:
        click.echo(format_table(model))
