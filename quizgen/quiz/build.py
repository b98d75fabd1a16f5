"""Per-student quizzes from an assignment and the bank: which variants, numbered how, worth what."""

from __future__ import annotations

import difflib
import random
from dataclasses import dataclass
from typing import Any

from quizgen.bank.instantiate import student_variant, variant_seed
from quizgen.bank.loader import Bank
from quizgen.bank.schema import Template, Variant
from quizgen.errors import AssignmentError
from quizgen.quiz.assignment import LoadedAssignment, QuestionRef, Student


@dataclass(frozen=True)
class QuizQuestion:
    number: int
    variant: Variant

    @property
    def label(self) -> str:
        return f"Q{self.number}"

    def items(self) -> list[tuple[str, Variant]]:
        """(label, variant) of each gradable item: ``Q3`` or ``Q3a``, ``Q3b`` for parts."""
        if self.variant.parts:
            return [(f"{self.label}{part.label}", part) for part in self.variant.parts]
        return [(self.label, self.variant)]


@dataclass(frozen=True)
class StudentQuiz:
    student: Student
    questions: tuple[QuizQuestion, ...]

    @property
    def points(self) -> float:
        return sum(q.variant.points for q in self.questions)


def _candidates(bank: Bank, ref: QuestionRef) -> list[Template]:
    found: dict[str, Template] = {}
    for source in ref.from_ or []:
        if source.startswith("tag:"):
            for template in bank.with_tag(source[4:]):
                found.setdefault(template.id, template)
        else:
            found.setdefault(source, bank.get(source))
    return list(found.values())


def check_references(assignment: LoadedAssignment, bank: Bank) -> None:
    """Every id exists and every pick has enough to pick from (errors name the line)."""
    for index, ref in enumerate(assignment.spec.questions):
        line = assignment.question_lines[index] if index < len(assignment.question_lines) else 1
        where = f"{assignment.path}:{line}: questions[{index}]"
        ids = [ref.id] if ref.id else [s for s in ref.from_ or [] if not s.startswith("tag:")]
        for template_id in ids:
            if template_id not in bank.templates:
                close = difflib.get_close_matches(template_id, list(bank.templates), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise AssignmentError(f"{where}: no question '{template_id}' in the bank{hint}")
        if ref.pick is not None:
            available = len(_candidates(bank, ref))
            if available < ref.pick:
                raise AssignmentError(f"{where}: pick {ref.pick} from {ref.from_}, but only {available} match")
    _check_pools_apart(assignment, bank)


def _fixed_ids(assignment: LoadedAssignment) -> set[str]:
    return {ref.id for ref in assignment.spec.questions if ref.id is not None}


def _check_pools_apart(assignment: LoadedAssignment, bank: Bank) -> None:
    """A pool never draws a template the student's quiz already has (a fixed question, or one an
    earlier pool drew): refused here when some student's draw could run out of others."""
    fixed = _fixed_ids(assignment)
    earlier: list[tuple[int, set[str]]] = []  # (pick, candidates) of the pools before
    for index, ref in enumerate(assignment.spec.questions):
        if ref.pick is None:
            continue
        pool = {t.id for t in _candidates(bank, ref)} - fixed
        shared = [(pick, pool & others) for pick, others in earlier if pool & others]
        taken = min(sum(min(pick, len(both)) for pick, both in shared), len(set().union(*(b for _, b in shared))))
        if len(pool) - taken < ref.pick:
            line = assignment.question_lines[index] if index < len(assignment.question_lines) else 1
            named = ", ".join(ref.from_ or [])
            others = " and the pools before it" if shared else ""
            raise AssignmentError(
                f"{assignment.path}:{line}: questions[{index}]: the pool 'pick {ref.pick} from {named}' may have only "
                f"{len(pool) - taken} templates left once the quiz's fixed questions{others} are set aside; "
                "a student never gets one template twice: add templates to the pool or pick fewer"
            )
        earlier.append((ref.pick, pool))


def _scaled(variant: Variant, points: float | None) -> Variant:
    if points is None or points == variant.points:
        return variant
    factor = points / variant.points
    parts = [p.model_copy(update={"points": round(p.points * factor, 4)}) for p in variant.parts]
    return variant.model_copy(update={"points": points, "parts": parts})


def build_quiz(assignment: LoadedAssignment, bank: Bank, secret: bytes, student: Student) -> StudentQuiz:
    salt = assignment.spec.salt
    occurrences: dict[str, int] = {}
    questions: list[QuizQuestion] = []

    def add(template: Template, points: float | None) -> None:
        index = occurrences.get(template.id, 0)
        occurrences[template.id] = index + 1
        variant = student_variant(template, secret, salt, student.student_id, index)
        questions.append(QuizQuestion(len(questions) + 1, _scaled(variant, points)))

    fixed = _fixed_ids(assignment)
    for ref_index, ref in enumerate(assignment.spec.questions):
        if ref.id is not None:
            for _ in range(ref.count):
                add(bank.get(ref.id), ref.points)
            continue
        pool = [t for t in _candidates(bank, ref) if t.id not in fixed and t.id not in occurrences]
        rng = random.Random(variant_seed(secret, salt, student.student_id, "pick", ref_index))
        chosen = sorted(rng.sample(range(len(pool)), ref.pick or 1))
        for k in chosen:
            add(pool[k], ref.points)
    return StudentQuiz(student, tuple(questions))


def key_item(label: str, variant: Variant) -> dict[str, Any]:
    """One key.json question entry (design.md §6), with extra fields for feedback and tracing."""
    entry: dict[str, Any] = {
        "label": label,
        "template_id": variant.template_id,
        "title": variant.title,
        "type": variant.type,
        "points": variant.points,
        "answer": variant.answer,
        "tolerance": variant.tolerance,
        "options": variant.options,
        "derivation": variant.derivation,
        "solution": variant.solution,
        "misconceptions": variant.misconceptions,
        "misconception_feedback": variant.misconception_feedback,
        "option_feedback": variant.option_feedback,
        "prompt": variant.prompt,
        "params": variant.params,
    }
    if variant.unit is not None:
        entry["unit"] = variant.unit
    if variant.spec is not None and variant.quantity is not None:
        entry.update({"spec": variant.spec, "framework": variant.framework, "quantity": variant.quantity})
        if variant.spec_b is not None:
            entry["spec_b"] = variant.spec_b
    return entry


def key_entry(quiz: StudentQuiz) -> dict[str, Any]:
    items = []
    for question in quiz.questions:
        for label, variant in question.items():
            entry = key_item(label, variant)
            if question.variant.parts:
                entry["stem"] = question.variant.prompt
            items.append(entry)
    return {
        "student_id": quiz.student.student_id,
        "name": quiz.student.name,
        "email": quiz.student.email,
        "questions": items,
    }
