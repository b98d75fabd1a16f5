"""Seeded variants of question templates: parameters, constraints, answers, distractors, prompts.

A variant's seed is HMAC-SHA256(secret, salt|student|template|index): the same roster and secret
always give the same quiz, adding a question changes no other, and without the secret a student
cannot work out anybody else's numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from typing import Any

from quizgen.bank.answer_kinds import kind_of
from quizgen.bank.answers import COMPARE_OPTIONS, RATIO_TOLERANCE, Answer, Wrong, answer_for, pair_wrongs
from quizgen.bank.sandbox import TemplateError, evaluate, render_text
from quizgen.bank.schema import Part, Template, Variant
from quizgen.counting import count
from quizgen.errors import BankError, QuizgenError

MAX_DRAWS = 1000
LETTERS = "ABCDEFGH"


def variant_seed(secret: bytes, salt: str, student: str, template_id: str, index: int) -> int:
    message = "|".join((salt, student, template_id, str(index))).encode()
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:16], "big")


def _fail(template: Template, field: str, message: str) -> BankError:
    return BankError(f"{template.id}: {field}: {message}")


def draw_parameters(template: Template, rng: random.Random, fixed: dict[str, Any] | None = None) -> dict[str, Any]:
    """Draw parameters until every constraint holds (bounded), or say which template can't."""
    for _ in range(MAX_DRAWS):
        params: dict[str, Any] = {}
        for name, spec in template.parameters.items():
            if fixed and name in fixed:
                params[name] = fixed[name]
                continue
            values = spec.values()
            if values is not None:
                params[name] = rng.choice(values)
            else:
                try:
                    params[name] = evaluate(spec.expr or "", params)
                except (TemplateError, TypeError, ValueError, ZeroDivisionError) as error:
                    raise _fail(template, f"parameters.{name}.expr", str(error)) from None
        if all(_holds(template, c, params) for c in template.constraints):
            return params
        if fixed and set(fixed) >= {n for n, p in template.parameters.items() if p.expr is None}:
            break
    raise _fail(template, "constraints", f"no parameters satisfy the constraints after {MAX_DRAWS} draws")


def _holds(template: Template, constraint: str, params: dict[str, Any]) -> bool:
    try:
        return bool(evaluate(constraint, params))
    except (TemplateError, TypeError, ValueError, ZeroDivisionError) as error:
        raise _fail(template, "constraints", f"'{constraint}': {error}") from None


def _render(template: Template, field: str, source: str, context: dict[str, Any]) -> str:
    try:
        return render_text(source, context)
    except (TemplateError, TypeError, ValueError) as error:
        raise _fail(template, field, str(error)) from None


def _spec(template: Template, field: str, source: str | None, context: dict[str, Any]) -> str | None:
    if source is None:
        return None
    text = _render(template, field, source, context)
    try:
        count(text, template.framework)
    except QuizgenError as error:
        raise _fail(template, field, f"{error} in '{text}'") from None
    return text


def _format(value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return f"{int(value):,}"


def _numeric_options(
    template: Template, answer: Answer, spec: str, framework: str, quantity: str, rng: random.Random, n: int
) -> tuple[dict[str, str], str, dict[str, float | int | str], dict[str, str]]:
    """Options (letter → text), the right letter, misconception → letter, letter → feedback."""
    candidates: list[Wrong] = []
    seen = {answer.value}
    pool = answer.wrongs
    if len({w.value for w in pool} - seen) < n and not quantity.startswith(("ratio", "units")):
        pool = pool + pair_wrongs(spec, framework, quantity, template.misconceptions)
    for wrong in pool:
        if wrong.value not in seen and (not isinstance(wrong.value, int | float) or wrong.value > 0):
            seen.add(wrong.value)
            candidates.append(wrong)
    if len(candidates) < n:
        silent = [name for name in template.misconceptions or [] if name not in {w.name for w in pool}]
        because = f"; {', '.join(silent)} give the answer itself or do not apply" if silent else ""
        raise _fail(
            template,
            "distractors",
            f"only {len(candidates)} distinct wrong answers differ from the answer {answer.value} "
            f"for {spec}, {n} needed{because}",
        )
    chosen = candidates[:n]
    entries: list[tuple[float | int | str, Wrong | None]] = [(answer.value, None)] + [(w.value, w) for w in chosen]
    rng.shuffle(entries)
    options: dict[str, str] = {}
    names: dict[str, float | int | str] = {}
    feedback: dict[str, str] = {}
    right = ""
    for letter, (value, mistake) in zip(LETTERS, entries, strict=False):
        options[letter] = _format(value)
        if mistake is None:
            right = letter
            feedback[letter] = "Correct: " + answer.derivation
        else:
            names[mistake.name] = letter
            feedback[letter] = mistake.explanation
    return options, right, names, feedback


def _counted_variant(
    template: Template,
    kind: str,
    quantity: str,
    prompt: str,
    context: dict[str, Any],
    rng: random.Random,
    points: float,
    tolerance: float | None,
    label: str = "",
    unit: str | None = None,
    relative_tolerance: float | None = None,
) -> Variant:
    spec, spec_b, framework = context["spec"], context.get("spec_b"), template.framework
    if "{{" in quantity:
        quantity = _render(template, "quantity", quantity, context)
    try:
        answer = answer_for(spec, spec_b, framework, quantity, template.misconceptions, with_exprs=False)
    except QuizgenError as error:
        raise _fail(template, "quantity", f"{error} (architecture {spec})") from None
    if answer.given_total is not None:
        context = {**context, "given_total": answer.given_total}
    text = _render(template, "prompt", prompt, context)
    tol = tolerance if tolerance is not None else (RATIO_TOLERANCE if quantity.startswith("ratio") else 0)
    common: dict[str, Any] = {
        "template_id": template.id,
        "title": template.title,
        "points": points,
        "prompt": text,
        "params": context["params"],
        "framework": framework,
        "spec": spec,
        "spec_b": spec_b,
        "quantity": quantity,
        "derivation": answer.derivation,
        "solution": answer.solution,
        "misconception_feedback": {w.name: w.explanation for w in answer.wrongs},
        "label": label,
    }
    if quantity == "compare":
        by_letter = {str(w.value): w.explanation for w in answer.wrongs}
        by_letter[str(answer.value)] = "Correct: " + answer.derivation
        return Variant(
            type="multiple_choice",
            answer=answer.value,
            options=dict(COMPARE_OPTIONS),
            option_feedback={
                letter: by_letter.get(letter, f"Not this one: {answer.derivation}.") for letter in COMPARE_OPTIONS
            },
            misconceptions={w.name: w.value for w in answer.wrongs},
            **common,
        )
    if kind == "multiple_choice":
        options, right, names, feedback = _numeric_options(
            template, answer, spec, framework, quantity, rng, template.distractors
        )
        return Variant(
            type="multiple_choice",
            answer=right,
            options=options,
            option_feedback=feedback,
            misconceptions=names,
            **common,
        )
    if unit is None:
        relative = (relative_tolerance or 0) * abs(float(answer.value))
        return Variant(
            type="numeric",
            answer=answer.value,
            tolerance=tol + relative,
            misconceptions={w.name: w.value for w in answer.wrongs},
            **common,
        )
    return _in_unit(answer, quantity, unit, tol, relative_tolerance or 0, common)


def _in_unit(
    answer: Answer, quantity: str, unit: str, tolerance: float, relative: float, common: dict[str, Any]
) -> Variant:
    """A numeric variant whose answer, tolerance and mistakes are in the unit the prompt asks
    (``GB``): a bare number is read in it, and the worked solution ends with the answer in it."""
    kind, natural = kind_of({"quantity": quantity})
    scale = kind.unit(natural)[0] / kind.unit(unit)[0]
    value = _scaled(answer.value, scale)
    mistakes = {w.name: _scaled(w.value, scale) for w in answer.wrongs}
    feedback = dict(common["misconception_feedback"])
    twin = next(iter(kind.confusions.get(unit.lower(), {})), None)
    if "gib_as_gb" in mistakes and twin is not None and kind.confusions[unit.lower()][twin] == "gib_as_gb":
        # the size worked out in the other unit (GiB for a question in GB, GB for one in GiB), typed as asked
        mistakes["gib_as_gb"] = _scaled(value, kind.unit(unit)[0] / kind.unit(twin)[0])
        feedback["gib_as_gb"] = (
            f"{_shown(value)} {unit} is {_shown(mistakes['gib_as_gb'])} {_display(twin)}: that number written as "
            f"{unit} is a size in the other unit (a GB is 10⁹ bytes, a GiB 2³⁰ = 1,073,741,824)"
        )
    solution = [*common["solution"], f"In {unit}: {_shown(value)} {unit}."]
    return Variant(
        **{**common, "misconception_feedback": feedback, "solution": solution},
        type="numeric",
        answer=value,
        tolerance=tolerance + relative * abs(float(value)),
        unit=unit,
        misconceptions=mistakes,
    )


def _scaled(value: float | int | str, scale: float) -> float | int | str:
    if isinstance(value, str) or scale == 1:
        return value
    return float(f"{float(value) * scale:.12g}")  # 102.009667584 GB, not 102.00966758400001


def _shown(value: float | int | str) -> str:
    return value if isinstance(value, str) else f"{float(value):,.6g}"


def _display(word: str) -> str:
    return {"kib": "KiB", "mib": "MiB", "gib": "GiB", "tib": "TiB", "pib": "PiB"}.get(word, word.upper())


def _conceptual(template: Template, context: dict[str, Any], rng: random.Random) -> Variant:
    options = list(template.options)
    if template.shuffle:
        rng.shuffle(options)
    letters = dict(zip(LETTERS, options, strict=False))
    right = next(letter for letter, o in letters.items() if o.correct)
    explanation = letters[right].explanation
    solution = [_render(template, "feedback", template.feedback, context)] if template.feedback else []
    return Variant(
        template_id=template.id,
        title=template.title,
        type="multiple_choice",
        points=template.points,
        prompt=_render(template, "prompt", template.prompt, context),
        params=context["params"],
        answer=right,
        options={k: _render(template, "options.text", o.text, context) for k, o in letters.items()},
        option_feedback={
            k: _render(template, "options.explanation", o.explanation, context) for k, o in letters.items()
        },
        derivation=_render(template, "options.explanation", explanation, context),
        solution=solution,
        misconceptions={o.misconception: k for k, o in letters.items() if o.misconception},
        misconception_feedback={
            o.misconception: _render(template, "options.explanation", o.explanation, context)
            for o in options
            if o.misconception
        },
    )


def instantiate(template: Template, seed: int, fixed: dict[str, Any] | None = None) -> Variant:
    """One variant of ``template`` from ``seed`` (``fixed`` pins parameters, as the checks do)."""
    rng = random.Random(seed)
    params = draw_parameters(template, rng, fixed)
    context: dict[str, Any] = {**params, "params": params, "framework": template.framework}
    context["spec"] = _spec(template, "architecture", template.architecture, context)
    context["spec_b"] = _spec(template, "architecture_b", template.architecture_b, context)
    asked = [template.quantity or "", *(p.quantity for p in template.parts)]
    if context["spec_b"] is not None and not any(q == "compare" or q.startswith("ratio") for q in asked):
        context["total_b"] = count(context["spec_b"], template.framework_b or template.framework).total
    if template.type == "conceptual":
        return _conceptual(template, context, rng)
    if template.type == "multi_part":
        return _multi_part(template, context, rng)
    assert template.quantity is not None
    variant = _counted_variant(
        template,
        template.type,
        template.quantity,
        template.prompt,
        context,
        rng,
        template.points,
        template.tolerance,
        unit=template.unit,
        relative_tolerance=template.relative_tolerance,
    )
    if template.feedback:
        extra = _render(template, "feedback", template.feedback, context)
        variant = variant.model_copy(update={"solution": [*variant.solution, extra]})
    return variant


def _multi_part(template: Template, context: dict[str, Any], rng: random.Random) -> Variant:
    parts = [
        _part(template, part, context, rng, label)
        for part, label in zip(template.parts, "abcdefghijklmnopqrstuvwxyz", strict=False)
    ]
    solution = [f"({p.label}) {p.derivation}" for p in parts]
    if template.feedback:
        solution.append(_render(template, "feedback", template.feedback, context))
    return Variant(
        template_id=template.id,
        title=template.title,
        type="multi_part",
        points=sum(p.points for p in parts),
        prompt=_render(template, "prompt", template.prompt, context),
        params=context["params"],
        framework=template.framework,
        spec=context["spec"],
        spec_b=context.get("spec_b"),
        solution=solution,
        parts=parts,
    )


def _part(template: Template, part: Part, context: dict[str, Any], rng: random.Random, label: str) -> Variant:
    return _counted_variant(
        template,
        part.type,
        part.quantity,
        part.prompt,
        context,
        rng,
        part.points,
        part.tolerance,
        label,
        part.unit,
        part.relative_tolerance,
    )


def student_variant(template: Template, secret: bytes, salt: str, student: str, index: int = 0) -> Variant:
    return instantiate(template, variant_seed(secret, salt, student, template.id, index))
