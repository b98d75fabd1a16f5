"""Solving an increasing function for a whole number: the answer a full scan gives, in few evaluations."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.bank.solve import solve_increasing


def _scan(f, target, limit):
    return next((x for x in range(1, limit + 1) if f(x) == target), None)


def _counting(f):
    calls = []

    def counted(x):
        calls.append(x)
        return f(x)

    return counted, calls


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 50),
    st.integers(1, 10_000),
    st.integers(-10_000, 10_000),
    st.integers(1, 400),
    st.integers(1, 400),
    st.integers(-3, 3),
)
def test_a_quadratic_is_solved_as_a_scan_solves_it_in_few_evaluations(a, b, c, limit, near, offset):
    """Counts are quadratic in a layer's units (4·h·(i+h+1) and the next layer's h·o): the target is
    hit, or shown missed, within a handful of evaluations wherever the search starts."""

    def f(x):
        return a * x * x + b * x + c

    true_x = min(max(near + offset, 1), limit)
    for target in (f(true_x), f(true_x) + 1, f(true_x) - 1, f(1) - 5, f(limit) + 5):
        counted, calls = _counting(f)
        assert solve_increasing(counted, target, limit, near) == _scan(f, target, limit)
        assert len(calls) == len(set(calls))  # no x is evaluated twice
        assert len(calls) <= 12


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 1000), min_size=1, max_size=300), st.integers(0, 400), st.integers(-5, 300_000))
def test_any_increasing_function_is_solved_as_a_scan_solves_it(steps, near, target):
    """Not a polynomial (steps of any size): the answer is still the scan's, and the search ends."""
    values = list(itertools.accumulate(steps))
    limit = len(values)

    def f(x):
        return values[x - 1]

    counted, calls = _counting(f)
    assert solve_increasing(counted, target, limit, near) == _scan(f, target, limit)
    assert len(calls) <= 6 + 2 + limit.bit_length()
    for x in (1, limit, (1 + limit) // 2):
        assert solve_increasing(f, values[x - 1], limit, near) == x


def test_from_near_the_answer_a_count_like_curve_takes_two_or_three_evaluations():
    def lstm(h):  # LSTM(h) on 12 inputs, then Dense(5)
        return 4 * h * (12 + h + 1) + 5 * (h + 1)

    for answer, near in ((64, 64), (64, 63), (64, 66), (200, 201)):
        counted, calls = _counting(lstm)
        assert solve_increasing(counted, lstm(answer), 1000, near) == answer
        assert len(calls) <= 3, calls


def test_a_curve_the_guesses_chase_slowly_falls_back_to_halving():
    """2^x from far below: each secant guess gains one x, so the search must halve instead."""

    def f(x):
        return 2**x

    for target, expected in ((2**225 + 1, None), (2**225, 225)):
        counted, calls = _counting(f)
        assert solve_increasing(counted, target, 300, 1) == expected
        assert len(calls) <= 6 + 2 + (300).bit_length()
