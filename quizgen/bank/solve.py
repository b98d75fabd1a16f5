"""Whole-number solutions of increasing functions that are costly to evaluate (a model's count as
one layer's units vary), in few evaluations."""

from __future__ import annotations

import math
from collections.abc import Callable

GUESSES = 6  # evaluations placed by the curve before the search falls back to halving


def solve_increasing(f: Callable[[int], int], target: int, limit: int, near: int) -> int | None:
    """The x in 1..limit with ``f(x) == target``, or None; ``f`` must grow strictly with x.

    Every evaluation rules out the xs on one side of it, so the search ends with the answer or with
    nothing left. Where to evaluate next is read off the curve through the last (up to three)
    values, starting from ``near``: for a function at most quadratic that lands on the answer, or
    shows there is none, in a few evaluations. Should it stall, the rest is halved.
    """
    low, high = 1, limit
    seen: list[tuple[int, int]] = []
    guess = near
    while low <= high:
        x = min(max(guess, low), high)
        value = f(x)
        if value == target:
            return x
        if value < target:
            low = x + 1
        else:
            high = x - 1
        seen.append((x, value))
        curve = _next_guess(seen, target) if len(seen) <= GUESSES else None
        guess = (low + high) // 2 if curve is None else curve
    return None


def _next_guess(seen: list[tuple[int, int]], target: int) -> int | None:
    """Where the curve through the last (up to three) points meets the target, rounded down (None
    where the curve says nothing useful)."""
    if len(seen) == 1:
        x, y = seen[0]
        return x + 1 if y < target else x - 1
    if len(seen) == 2:
        (x0, y0), (x1, y1) = seen
        return None if y1 == y0 else _floor(x0 + (target - y0) * (x1 - x0) / (y1 - y0))
    (x0, y0), (x1, y1), (x2, y2) = seen[-3:]
    # Newton's form: y = y0 + d1·(x − x0) + d2·(x − x0)(x − x1)
    d1 = (y1 - y0) / (x1 - x0)
    d2 = ((y2 - y1) / (x2 - x1) - d1) / (x2 - x0)
    a, b, c = d2, d1 - d2 * (x0 + x1), y0 - d1 * x0 + d2 * x0 * x1 - target
    if abs(a) < 1e-12:
        return None if b == 0 else _floor(-c / b)
    disc = b * b - 4 * a * c
    if disc < 0:
        return None
    roots = [(-b + sign * math.sqrt(disc)) / (2 * a) for sign in (1, -1)]
    return _floor(min(roots, key=lambda r: abs(r - x2)))


def _floor(value: float) -> int | None:
    return math.floor(value) if math.isfinite(value) else None
