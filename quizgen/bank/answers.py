"""Answers to what a question asks, from the counting core: value, derivation, worked solution
and the wrong answers each catalogued mistake produces."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from quizgen.bank.solve import solve_increasing
from quizgen.caches import bounded
from quizgen.counting.expr import Derivation, Expr, symbolic
from quizgen.counting.figure import Figure
from quizgen.counting.layers import Part
from quizgen.counting.misconceptions import (
    CATALOGUE,
    Misconception,
    combined,
    measured_value,
    model_features,
    wrong_answer,
    wrong_value,
)
from quizgen.counting.model import DTYPE_BYTES, ModelCount, count, count_calls
from quizgen.counting.quantity import measure, measure_shape, parse_quantity, shape_text, size_note
from quizgen.counting.rules import CORRECT, Rules
from quizgen.counting.spec import Arg, Call, parse
from quizgen.counting.training_quantities import KINDS as TRAINING_KINDS
from quizgen.counting.training_quantities import LABELS as TRAINING_LABELS
from quizgen.errors import QuizgenError, UsageError

FRAMEWORK_NAMES = {"keras": "Keras", "pytorch": "PyTorch"}
COMPARE_OPTIONS = {
    "A": "Model A has more parameters",
    "B": "Model B has more parameters",
    "C": "Both have the same number of parameters",
}
RATIO_TOLERANCE = 0.01
RATIO = re.compile(r"^ratio(?:\((.+)\))?$")
"""``ratio`` of the totals, or ``ratio(macs)``: any numeric quantity of model A over model B's."""


@dataclass(frozen=True)
class Wrong:
    """A mistake's result for one question: the wrong value and why."""

    name: str
    value: float | int | str
    explanation: str
    expr: Expr | None = None  # how the mistake reaches its number, where the counting core knows


@dataclass(frozen=True)
class Answer:
    value: float | int | str
    derivation: str
    solution: list[str]
    wrongs: list[Wrong] = field(default_factory=list)
    given_total: int | None = None


def _layer_lines(model: ModelCount) -> list[str]:
    return [f"{layer.spec}: {layer.derivation.explained()}" for layer in model.layers if layer.params]


def _solution_for(model: ModelCount, quantity: str) -> list[str]:
    q = parse_quantity(quantity)
    lines = [f"Conventions: {FRAMEWORK_NAMES[model.framework]}."]
    if q.kind in TRAINING_KINDS:
        figure = measure(model, q)
        assert isinstance(figure, Figure)
        if figure.convention:
            lines.append(f"{figure.convention[0].upper()}{figure.convention[1:]}.")
        lines.append(f"{TRAINING_LABELS[q.kind]}: {figure.text()} {figure.unit}")
        return lines
    if q.kind in ("macs", "flops"):
        lines += [
            f"{layer.spec}: {layer.macs_derivation.text()} MACs"
            for layer in model.layers
            if layer.macs and layer.macs_derivation is not None
        ]
        lines.append(
            f"{'MACs' if q.kind == 'macs' else 'FLOPs (2 per multiply–accumulate)'}: {measure(model, q).text()}"
        )
        return lines
    if q.in_bytes:
        if q.kind == "weight_bytes":
            lines += _layer_lines(model)
        what = f"{q.kind.replace('_', ' ')} in {q.dtype} ({DTYPE_BYTES[q.dtype]} bytes a value)"
        lines.append(f"{what}: {measure(model, q).text()}")
        return lines
    if q.kind == "output_shape":
        for layer in model.layers[: q.layer]:
            notes = "; ".join(n for n in layer.size_notes if n)
            lines.append(f"{layer.spec}: {shape_text(layer.output_shape)}" + (f" ({notes})" if notes else ""))
        return lines
    if q.kind == "layer" and q.part == "macs":
        layer = model.layer(q.layer or 1)
        lines.append(f"{layer.spec}: {measure(model, q).text()} multiply–accumulates")
        return lines
    if q.kind in ("total", "trainable"):
        lines += _layer_lines(model)
        if q.kind == "trainable" and model.trainable != model.total:
            lines.append(f"Non-trainable: {model.total - model.trainable} (moving statistics are not learned).")
        lines.append(f"{q.kind.capitalize()}: {measure(model, q).text()}")
        return lines
    layer = model.layer(q.layer or 1)
    lines.append(f"{layer.spec}: {layer.derivation.explained()}")
    if layer.parts:
        lines.append("Split: " + "; ".join(f"{p.name.replace('_', ' ')} {measure_part_text(p)}" for p in layer.parts))
    return lines


def measure_part_text(part: Part) -> str:
    return Derivation(part.expr).text()


def counted(calls: list[Call], framework: str, rules: Rules = CORRECT) -> ModelCount:
    return count(" -> ".join(c.canonical() for c in calls), framework, rules)


def _mistakes(names: list[str] | None, *specs: str) -> list[Misconception]:
    """The mistakes to try, leaving out those that cannot change any of ``specs``."""
    chosen = [CATALOGUE[n] for n in names] if names else list(CATALOGUE.values())
    if not specs:
        return chosen
    features = frozenset().union(*(model_features(parse(spec)) for spec in specs))
    return [m for m in chosen if not m.needs or m.needs & features]


def measure_answer(spec: str, framework: str, quantity: str, names: list[str] | None = None) -> Answer:
    calls = parse(spec)
    model = counted(calls, framework)
    q = parse_quantity(quantity)
    correct_value = measured_value(model, q)
    wrongs = []
    for m in _mistakes(names):
        w = wrong_answer(m, calls, framework, q, model, correct_value)
        if w is not None:
            wrongs.append(Wrong(w.name, w.value, w.explanation, w.expr))
    solution = _solution_for(model, quantity)
    if q.is_shape:
        return Answer(measure_shape(model, q), solution[-1].split(": ", 1)[1], solution, wrongs)
    derivation = measure(model, q)
    note = size_note(model, q) if q.kind == "output_shape" else None
    return Answer(derivation.value, note or derivation.text(), solution, wrongs)


def pair_wrongs(spec: str, framework: str, quantity: str, names: list[str] | None = None) -> list[Wrong]:
    """Two mistakes made together (for when single mistakes leave too few distinct numbers)."""
    return list(_cached_pairs(spec, framework, quantity, tuple(names) if names else None))


@bounded(4096)
def _cached_pairs(spec: str, framework: str, quantity: str, names_key: tuple[str, ...] | None) -> tuple[Wrong, ...]:
    worded = (
        pair_wrong(spec, framework, quantity, both)
        for both, _ in _cached_pair_values(spec, framework, quantity, names_key)
    )
    return tuple(w for w in worded if w is not None)


def pair_values(
    spec: str, framework: str, quantity: str, names: list[str] | None = None
) -> tuple[tuple[Misconception, int | float | str], ...]:
    """Each pair of mistakes ``pair_wrongs`` lists, with its number alone (no worked text): grading
    looks for a typed number among them and words only the one it finds."""
    return _cached_pair_values(spec, framework, quantity, tuple(names) if names else None)


def pair_wrong(spec: str, framework: str, quantity: str, both: Misconception) -> Wrong | None:
    """One pair from ``pair_values`` with its words and worked expression."""
    calls = parse(spec)
    model = counted(calls, framework)
    q = parse_quantity(quantity)
    w = wrong_answer(both, calls, framework, q, model, measured_value(model, q))
    return None if w is None else Wrong(w.name, w.value, w.explanation, w.expr)


@bounded(4096)
def _cached_pair_values(
    spec: str, framework: str, quantity: str, names_key: tuple[str, ...] | None
) -> tuple[tuple[Misconception, int | float | str], ...]:
    names = list(names_key) if names_key else None
    calls = parse(spec)
    model = counted(calls, framework)
    q = parse_quantity(quantity)
    # A pair is named only where each of its mistakes changes this number on its own.
    correct_value = measured_value(model, q)
    singles = {}
    for m in _mistakes(names, spec):
        if m.rules is None:
            continue
        single = wrong_value(m, calls, framework, q, correct_value)
        if single is not None:
            singles[m.name] = (m, single)
    ms = list(singles.values())
    found = []
    for a_index, (first, first_value) in enumerate(ms):
        for second, second_value in ms[a_index + 1 :]:
            both = combined(first, second)
            if both is None:
                continue
            value = wrong_value(both, calls, framework, q, correct_value)
            if value is not None and value not in (first_value, second_value):
                found.append((both, value))
    return tuple(found)


_UNITS = re.compile(r"^units\[(\d+)\]$")


def _units_call(calls: list[Call], k: int) -> tuple[Call, bool]:
    if not 1 <= k <= len(calls):
        raise UsageError(f"units[{k}]: the model has {len(calls)} layers")
    call = calls[k - 1]
    if call.name in ("Bidirectional", "TimeDistributed") and call.args:
        return call.args[0].value, True  # type: ignore[return-value]
    return call, False


def with_units(calls: list[Call], k: int, units: int) -> list[Call]:
    """The same model with layer ``k``'s units (its first argument) set to ``units``."""
    target, wrapped = _units_call(calls, k)
    new_inner = replace(target, args=(replace(target.args[0], value=units), *target.args[1:]), kwargs=target.kwargs)
    if wrapped:
        outer = calls[k - 1]
        new_layer = replace(
            outer, args=(Arg(new_inner, outer.args[0].line, outer.args[0].column),), kwargs=outer.kwargs
        )
    else:
        new_layer = new_inner
    return [*calls[: k - 1], new_layer, *calls[k:]]


def _solve_units(
    calls: list[Call], k: int, framework: str, rules: Rules, target: int, limit: int, near: int
) -> int | None:
    """The unit count in 1..limit giving ``target`` parameters under ``rules`` (None if there is none,
    or a count on the way fails); the search starts near ``near``."""

    def total(units: int) -> int:
        return count_calls(with_units(calls, k, units), framework, rules).total

    try:
        return solve_increasing(total, target, limit, near)
    except QuizgenError:
        return None


def inverse_answer(spec: str, framework: str, quantity: str, names: list[str] | None = None) -> Answer:
    """``units[k]``: the unit count of layer k, given the model's total."""
    match = _UNITS.match(quantity)
    assert match
    k = int(match.group(1))
    calls = parse(spec)
    target, _ = _units_call(calls, k)
    if not target.args or not isinstance(target.args[0].value, int):
        raise UsageError(f"units[{k}]: layer {k} ({target.name}) has no unit count")
    units = int(target.args[0].value)
    model = counted(calls, framework)
    given = model.total
    limit = max(4 * units, 64)
    if _solve_units(calls, k, framework, CORRECT, given, limit, units) != units:
        raise UsageError(f"units[{k}]: the total {given} does not determine the units uniquely")
    layer = model.layer(k)
    form = symbolic(layer.derivation.expr, {"units": "h", "recurrent": "h"})
    solution = [
        f"Conventions: {FRAMEWORK_NAMES[framework]}.",
        f"{layer.spec} has {form} parameters; the other layers have {given - layer.params}.",
        f"Solve {form} = {layer.params}: h = {units}, since {layer.derivation.text()}.",
    ]
    wrongs = []
    for m in _mistakes(names, spec):
        if m.rules is None:
            continue
        h = _solve_units(calls, k, framework, m.rules, given, limit, units)
        if h is not None and h != units:
            wrongs.append(Wrong(m.name, h, f"{m.title}: with that count, h = {h} would give {given}; {m.why}."))
    derivation = f"{form} = {layer.params} ⇒ h = {units}"
    return Answer(units, derivation, solution, wrongs, given_total=given)


def _two_models(
    spec: str, spec_b: str, framework: str, inner: str = "total"
) -> tuple[list[Call], list[Call], int | float, int | float, list[str]]:
    """Both models' calls, their values of ``inner`` (the totals by default), and the solution lines."""
    a_calls, b_calls = parse(spec), parse(spec_b)
    a_model, b_model = counted(a_calls, framework), counted(b_calls, framework)
    if inner == "total":
        a_lines, b_lines = _layer_lines(a_model), _layer_lines(b_model)
    else:
        a_lines, b_lines = _solution_for(a_model, inner)[1:], _solution_for(b_model, inner)[1:]
    lines = [
        f"Conventions: {FRAMEWORK_NAMES[framework]}.",
        *(f"A: {x}" for x in a_lines),
        *(f"B: {x}" for x in b_lines),
    ]
    return a_calls, b_calls, measure(a_model, inner).value, measure(b_model, inner).value, lines


def _mistaken_totals(
    a_calls: list[Call], b_calls: list[Call], framework: str, mistakes: list[Misconception], inner: str = "total"
) -> list[tuple[Misconception, int | float, int | float]]:
    """(mistake, A, B) as a student making that mistake would count them (``inner`` of each model)."""
    found = []
    for m in mistakes:
        if m.rules is None:
            continue
        try:
            a = measure(counted(a_calls, framework, m.rules), inner).value
            b = measure(counted(b_calls, framework, m.rules), inner).value
        except QuizgenError:
            continue
        found.append((m, a, b))
    return found


def ratio_answer(
    spec: str, spec_b: str, framework: str, names: list[str] | None = None, inner: str = "total"
) -> Answer:
    a_calls, b_calls, a, b, solution = _two_models(spec, spec_b, framework, inner)
    if not b:
        raise UsageError(f"ratio: model B's {inner} is 0")
    value = round(a / b, 4)
    solution.append(f"Ratio: {a} / {b} = {value:g}")
    wrongs = []
    for m, wa, wb in _mistaken_totals(a_calls, b_calls, framework, _mistakes(names, spec, spec_b), inner):
        if wb and abs(wa / wb - value) > RATIO_TOLERANCE and wa > 0:
            wrong = round(wa / wb, 4)
            wrongs.append(Wrong(m.name, wrong, f"{m.title} ({wa} / {wb} = {wrong:g}): {m.why}."))
    return Answer(value, f"{a} / {b} = {value:g}", solution, wrongs)


def _compare_letter(a: float, b: float) -> str:
    return "A" if a > b else "B" if b > a else "C"


def compare_answer(spec: str, spec_b: str, framework: str, names: list[str] | None = None) -> Answer:
    a_calls, b_calls, a, b, solution = _two_models(spec, spec_b, framework)
    letter = _compare_letter(a, b)
    solution.append(f"A has {a}, B has {b}. {COMPARE_OPTIONS[letter]}.")
    wrongs = []
    seen = {letter}
    for m, wa, wb in _mistaken_totals(a_calls, b_calls, framework, _mistakes(names, spec, spec_b)):
        wrong = _compare_letter(wa, wb)
        if wrong not in seen:
            seen.add(wrong)
            wrongs.append(Wrong(m.name, wrong, f"{m.title} (A {wa}, B {wb}): {m.why}."))
    return Answer(letter, f"A: {a}, B: {b}", solution, wrongs)


def answer_for(
    spec: str,
    spec_b: str | None,
    framework: str,
    quantity: str,
    names: list[str] | None = None,
    *,
    with_exprs: bool = True,
) -> Answer:
    """The answer to any quantity of design.md §6 (and ``compare``); shared, never to be mutated.

    ``with_exprs=False`` leaves out how each mistake reaches its number (grading compares typed
    expressions with it; a quiz needs only the numbers and words), so that many more answers fit in
    the cache for the same memory."""
    return _cached_answer(spec, spec_b, framework, quantity, tuple(names) if names else None, with_exprs)


@bounded(2048)
def _cached_answer(
    spec: str,
    spec_b: str | None,
    framework: str,
    quantity: str,
    names_key: tuple[str, ...] | None,
    with_exprs: bool = True,
) -> Answer:
    answer = _answer(spec, spec_b, framework, quantity, names_key)
    if with_exprs:
        return answer
    return replace(answer, wrongs=[replace(w, expr=None) for w in answer.wrongs])


def _answer(spec: str, spec_b: str | None, framework: str, quantity: str, names_key: tuple[str, ...] | None) -> Answer:
    names = list(names_key) if names_key else None
    ratio = RATIO.match(quantity)
    if ratio or quantity == "compare":
        if spec_b is None:
            raise UsageError(f"{quantity} needs a second architecture")
        if quantity == "compare":
            return compare_answer(spec, spec_b, framework, names)
        return ratio_answer(spec, spec_b, framework, names, (ratio.group(1) if ratio else None) or "total")
    if _UNITS.match(quantity):
        return inverse_answer(spec, framework, quantity, names)
    return measure_answer(spec, framework, quantity, names)
