"""quizgen's bounded caches, registered so that a long run can let go of one phase's entries before
the next phase fills its own (generate's quizzes, then its LMS files): peak memory is then one
phase's caches, not both phases'."""

from __future__ import annotations

from collections.abc import Callable
from functools import _lru_cache_wrapper, lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

_CLEARERS: list[Callable[[], None]] = []


def bounded(maxsize: int) -> Callable[[Callable[..., T]], _lru_cache_wrapper[T]]:
    """``functools.lru_cache(maxsize)``, cleared with every other by ``clear_all``."""

    def wrap(function: Callable[..., T]) -> _lru_cache_wrapper[T]:
        cached = lru_cache(maxsize=maxsize)(function)
        _CLEARERS.append(cached.cache_clear)
        return cached

    return wrap


def registered(memo: dict[Any, Any]) -> dict[Any, Any]:
    """A module's own memo dict, cleared by ``clear_all`` too."""
    _CLEARERS.append(memo.clear)
    return memo


def clear_all() -> None:
    for clear in _CLEARERS:
        clear()
