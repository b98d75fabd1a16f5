"""Pydantic models of question templates (what the bank's YAML holds) and of their variants."""

from __future__ import annotations

import keyword
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from quizgen.bank.answer_kinds import kind_of
from quizgen.counting.quantity import QUANTITY_PATTERN, parse_quantity
from quizgen.errors import UsageError

Difficulty = Literal["easy", "medium", "hard"]
QuestionType = Literal["numeric", "multiple_choice", "multi_part", "conceptual"]
Framework = Literal["keras", "pytorch"]
TWO_MODEL_QUANTITIES = re.compile(r"^(ratio|compare|units\[\d+\]|ratio\((?P<inner>[^()]+(\([a-z0-9]+\))?)\))$")


def _known_quantity(text: str) -> str:
    if "{{" in text:
        return text  # options drawn per student (train_bytes({{ optimizer }}, …)): checked once rendered
    match = TWO_MODEL_QUANTITIES.match(text)
    if match and match.group("inner"):
        _known_quantity(match.group("inner"))
    if match:
        return text
    try:
        parse_quantity(text)
    except UsageError as error:
        raise ValueError(str(error)) from None
    return text


Quantity = Annotated[
    str,
    AfterValidator(_known_quantity),
    Field(
        description="What is asked, as in key.json",
        json_schema_extra={
            "pattern": TWO_MODEL_QUANTITIES.pattern[:-1] + "|" + QUANTITY_PATTERN[1:-1] + r"$|.*\{\{.*$"
        },
    ),
]


UNIT_HELP = (
    "the unit the prompt asks the answer in (GB, GiB, days, FLOPs, tokens, %...): the key's answer, tolerance and "
    "mistakes are in it, a bare number is read in it, other units of its kind convert"
)
RELATIVE_HELP = "tolerance as a share of the answer (0.005 for three significant figures), added to 'tolerance'"


def _check_unit(quantity: str | None, unit: str | None) -> str | None:
    """A unit is one of the words the answer grammar reads for the quantity's kind."""
    if unit is None:
        return None
    kind = kind_of({"quantity": quantity or ""})[0]
    if unit.lower() not in kind.words:
        some = sorted(kind.words, key=lambda w: (len(w), w))[:8]
        known = f"such as {', '.join(some)}" if some else "it takes none"
        raise ValueError(f"'{unit}' is not a unit of {kind.what} ({known})")
    return unit


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(Strict):
    """An integer range (``min``, ``max``, ``step``), a list of ``choices``, or an ``expr`` of others."""

    min: int | None = Field(None, description="smallest value of an integer range")
    max: int | None = Field(None, description="largest value of an integer range (inclusive)")
    step: int = Field(1, ge=1, description="spacing of the range's values")
    choices: list[int | str | bool] | None = Field(None, min_length=1, description="values to draw from")
    expr: str | None = Field(None, description="a Jinja expression over earlier parameters")

    @model_validator(mode="after")
    def one_form(self) -> Parameter:
        forms = [self.min is not None or self.max is not None, self.choices is not None, self.expr is not None]
        if sum(forms) != 1:
            raise ValueError("give exactly one of min/max, choices or expr")
        if forms[0]:
            if self.min is None or self.max is None:
                raise ValueError("an integer range needs both min and max")
            if self.max < self.min:
                raise ValueError("max must be >= min")
        return self

    def values(self) -> list[int | str | bool] | None:
        if self.choices is not None:
            return list(self.choices)
        if self.min is not None and self.max is not None:
            return list(range(self.min, self.max + 1, self.step))
        return None


class Option(Strict):
    """A fixed option of a conceptual question, with the explanation shown when it is chosen."""

    text: str = Field(min_length=1)
    correct: bool = False
    explanation: str = Field(min_length=1, description="why this option is right or wrong")
    misconception: str | None = Field(None, description="name of the mistake behind this option")


class Check(Strict):
    """Parameters whose variant must give a figure known from outside quizgen (the seed material)."""

    params: dict[str, int | str | bool]
    expect: float | int | str


class Part(Strict):
    """One numbered part of a multi-part question."""

    prompt: str = Field(min_length=1)
    quantity: Quantity
    type: Literal["numeric", "multiple_choice"] = "numeric"
    points: float = Field(1, gt=0, allow_inf_nan=False)
    tolerance: float = Field(0, ge=0)
    unit: str | None = Field(None, description=UNIT_HELP)
    relative_tolerance: float | None = Field(None, ge=0, lt=1, description=RELATIVE_HELP)
    checks: list[Check] = Field(default_factory=list, description="expected figures for given parameters")

    @field_validator("unit")
    @classmethod
    def unit_of_its_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _check_unit(info.data.get("quantity"), value)

    @model_validator(mode="after")
    def unit_only_when_numeric(self) -> Part:
        if (self.unit or self.relative_tolerance) and self.type != "numeric":
            raise ValueError("unit: only a numeric part's answer has a unit")
        return self


class Template(Strict):
    """A question template: parameters, an architecture, a prompt and what is asked."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="unique id, lowercase words and dashes")
    title: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    difficulty: Difficulty
    points: float = Field(1, gt=0, allow_inf_nan=False)
    type: QuestionType
    framework: Framework = "keras"
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    constraints: list[str] = Field(default_factory=list, description="Jinja expressions that must be true")
    architecture: str | None = Field(None, description="spec-language model, a Jinja template over parameters")
    architecture_b: str | None = Field(None, description="second model for ratio and compare questions")
    framework_b: Framework | None = Field(None, description="conventions for total_b (default: framework)")
    prompt: str = Field(min_length=1, description="Markdown question text, a Jinja template")
    quantity: Quantity | None = None
    tolerance: float | None = Field(None, ge=0, description="absolute tolerance; ratios default to 0.01")
    unit: str | None = Field(None, description=UNIT_HELP)
    relative_tolerance: float | None = Field(None, ge=0, lt=1, description=RELATIVE_HELP)
    distractors: int = Field(3, ge=1, le=7, description="wrong options of a multiple-choice question")
    misconceptions: list[str] | None = Field(None, description="limit distractors to these mistakes")
    options: list[Option] = Field(default_factory=list, description="fixed options of a conceptual question")
    shuffle: bool = True
    parts: list[Part] = Field(default_factory=list)
    feedback: str | None = Field(None, description="extra explanation shown with the worked solution")
    checks: list[Check] = Field(default_factory=list, description="expected figures for given parameters")

    @model_validator(mode="before")
    @classmethod
    def no_typed_answers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "answer" in data:
            kind = data.get("type")
            if kind != "conceptual":
                raise ValueError("answer: answers are computed from the architecture and quantity; remove 'answer'")
            raise ValueError("answer: mark the right option with 'correct: true' instead")
        return data

    @field_validator("parameters")
    @classmethod
    def parameter_names(cls, value: dict[str, Parameter]) -> dict[str, Parameter]:
        for name in value:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or keyword.iskeyword(name):
                raise ValueError(f"parameter name '{name}' must be a lowercase identifier")
            if name in RESERVED_NAMES:
                raise ValueError(f"parameter name '{name}' is reserved")
        return value

    @field_validator("unit")
    @classmethod
    def unit_of_its_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _check_unit(info.data.get("quantity"), value)

    @field_validator("misconceptions")
    @classmethod
    def known_misconceptions(cls, value: list[str] | None) -> list[str] | None:
        from quizgen.counting.misconceptions import CATALOGUE

        for name in value or []:
            if name not in CATALOGUE:
                raise ValueError(f"unknown misconception '{name}' (known: {', '.join(sorted(CATALOGUE))})")
        return value

    @model_validator(mode="after")
    def consistent(self) -> Template:
        counted = self.type in ("numeric", "multiple_choice")
        if self.type == "conceptual":
            if len(self.options) < 2:
                raise ValueError("options: a conceptual question needs at least two options")
            if sum(o.correct for o in self.options) != 1:
                raise ValueError("options: exactly one option must be correct")
        elif self.options:
            raise ValueError("options: fixed options belong to conceptual questions only")
        if counted and self.quantity is None:
            raise ValueError("quantity: a counted question says what it asks (total, layer[2], ...)")
        if (counted or self.type == "multi_part") and not self.architecture:
            raise ValueError("architecture: a counted question needs an architecture")
        if self.type == "multi_part" and len(self.parts) < 2:
            raise ValueError("parts: a multi-part question needs at least two parts")
        if self.type != "multi_part" and self.parts:
            raise ValueError("parts: only multi_part questions have parts")
        asked = [self.quantity or "", *(p.quantity for p in self.parts)]
        uses_b = any(q == "compare" or q.startswith("ratio") for q in asked)
        if uses_b and not self.architecture_b:
            raise ValueError("architecture_b: ratio and compare questions need a second architecture")
        if self.quantity == "compare" and self.type != "multiple_choice":
            raise ValueError("type: a compare question is multiple_choice")
        if (self.unit or self.relative_tolerance) and self.type != "numeric":
            raise ValueError("unit: only a numeric question's answer has a unit")
        return self


RESERVED_NAMES = frozenset({"spec", "spec_b", "framework", "given_total", "total_b", "params", "loop", "range"})


class Variant(Strict):
    """One instantiated question: what a student sees and what the key holds."""

    template_id: str
    title: str
    type: Literal["numeric", "multiple_choice", "multi_part"]
    points: float
    prompt: str
    params: dict[str, int | str | bool] = Field(default_factory=dict)
    framework: Framework | None = None
    spec: str | None = None
    spec_b: str | None = None
    quantity: str | None = None
    answer: float | int | str | None = None
    tolerance: float = 0
    unit: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    option_feedback: dict[str, str] = Field(default_factory=dict)
    derivation: str = ""
    solution: list[str] = Field(default_factory=list, description="lines of the worked solution")
    misconceptions: dict[str, float | int | str] = Field(default_factory=dict)
    misconception_feedback: dict[str, str] = Field(default_factory=dict)
    parts: list[Variant] = Field(default_factory=list)
    label: str = ""
