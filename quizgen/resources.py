"""Where the built-in question bank and templates are, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _first_existing(name: str) -> Path:
    for candidate in (PACKAGE / "_data" / name, PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return PACKAGE / "_data" / name


def bank_dir() -> Path:
    return _first_existing("question_bank")


def templates_dir() -> Path:
    return _first_existing("templates")
