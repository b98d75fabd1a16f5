"""Loading and validating the question bank: YAML files of templates, errors with file and line."""

from __future__ import annotations

import difflib
import hashlib
import random
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from quizgen.bank.answer_kinds import kind_of
from quizgen.bank.instantiate import instantiate
from quizgen.bank.schema import Check, Template, Variant
from quizgen.bank.yaml_source import error_locations, key_line, node_at, parse_with_nodes, yaml_error_line
from quizgen.counting import count
from quizgen.counting.quantity import measure
from quizgen.errors import BankError, QuizgenError
from quizgen.resources import bank_dir

DEFAULT_SEEDS = 200


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


@dataclass
class Bank:
    """Templates by id, and where each was written."""

    templates: dict[str, Template] = field(default_factory=dict)
    origins: dict[str, tuple[str, int]] = field(default_factory=dict)
    nodes: dict[str, yaml.Node] = field(default_factory=dict)

    def line_of(self, template_id: str, field_name: str) -> int:
        """The line of a template's field (or of the template itself)."""
        node = self.nodes.get(template_id)
        line = key_line(node, field_name.split(".")[0].split("[")[0]) if node is not None else None
        return line or self.origins[template_id][1]

    def get(self, template_id: str) -> Template:
        try:
            return self.templates[template_id]
        except KeyError:
            close = difflib.get_close_matches(template_id, list(self.templates), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else " ('quizgen bank list' shows them)"
            raise BankError(f"no question '{template_id}' in the bank{hint}") from None

    def with_tag(self, tag: str | None) -> list[Template]:
        return [t for t in self.templates.values() if tag is None or tag in t.tags or tag == t.topic]


def _problems_of(error: ValidationError, node: yaml.Node, path: str) -> list[Problem]:
    return [Problem(path, line, where or "question", message) for line, where, message in error_locations(error, node)]


def _load_file(path: Path, bank: Bank, problems: list[Problem]) -> None:
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data, root = parse_with_nodes(text)
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(shown, 1, "file", f"cannot read: {error}"))
        return
    except yaml.YAMLError as error:
        line, message = yaml_error_line(error, text)
        problems.append(Problem(shown, line, "yaml", message))
        return
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or root is None:
        problems.append(Problem(shown, 1, "questions", "a bank file has 'topic' and a list 'questions'"))
        return
    unknown = set(data) - {"topic", "questions"}
    for key in sorted(unknown):
        problems.append(Problem(shown, key_line(root, key) or 1, key, "unknown field"))
    questions_node = node_at(root, ["questions"])
    for index, raw in enumerate(data["questions"]):
        node = questions_node.value[index] if isinstance(questions_node, yaml.SequenceNode) else root
        line = node.start_mark.line + 1
        if not isinstance(raw, dict):
            problems.append(Problem(shown, line, f"questions[{index}]", "a question is a mapping of fields"))
            continue
        if "topic" in data and "topic" not in raw:
            raw = {"topic": data["topic"], **raw}
        try:
            template = Template.model_validate(raw)
        except ValidationError as error:
            problems.extend(_problems_of(error, node, shown))
            continue
        if template.id in bank.templates:
            first = bank.origins[template.id]
            problems.append(Problem(shown, line, "id", f"'{template.id}' is already defined at {first[0]}:{first[1]}"))
            continue
        bank.templates[template.id] = template
        bank.origins[template.id] = (shown, line)
        bank.nodes[template.id] = node


def bank_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        else:
            files.append(path)
    return files


def bank_paths(extra: Iterable[Path] = (), builtin: bool = True) -> list[Path]:
    """The built-in bank (unless left out) followed by the course's own bank files or folders."""
    return [*([bank_dir()] if builtin else []), *extra]


def file_hashes(paths: Iterable[Path]) -> list[dict[str, str]]:
    """Each bank file with its SHA-256, as key.json records which templates produced it."""
    builtin = bank_dir().resolve()
    found = []
    for path in bank_files(list(paths)):
        resolved = path.resolve()
        shown = f"built-in:{resolved.name}" if resolved.parent == builtin else str(path)
        found.append({"file": shown, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    return found


def read_bank(paths: Iterable[Path] | None = None) -> tuple[Bank, list[Problem]]:
    """Load templates; schema problems are returned, not raised, so all of them can be shown."""
    bank, problems = Bank(), []
    for path in bank_files(list(paths) if paths else [bank_dir()]):
        if not path.exists():
            problems.append(Problem(str(path), 1, "file", "no such file or folder"))
            continue
        _load_file(path, bank, problems)
    return bank, problems


def load_bank(paths: Iterable[Path] | None = None) -> Bank:
    """The bank, or a BankError listing every problem (one per line)."""
    bank, problems = read_bank(paths)
    if problems:
        raise BankError("\n".join(str(p) for p in problems))
    return bank


def _recount(variant: Variant) -> float | int | None:
    """The answer recomputed through the public ``count`` API where the quantity allows."""
    if variant.spec is None or variant.quantity is None or variant.framework is None:
        return None
    if variant.quantity.startswith(("total", "trainable", "layer")):
        value = measure(count(variant.spec, variant.framework), variant.quantity).value
        if variant.unit is None:
            return value
        kind, natural = kind_of({"quantity": variant.quantity})
        return float(f"{value * kind.unit(natural)[0] / kind.unit(variant.unit)[0]:.12g}")  # as instantiate writes it
    return None


def _variant_problems(variant: Variant) -> list[str]:
    found = []
    items = variant.parts or [variant]
    for item in items:
        where = f"part {item.label}: " if item.label else ""
        if "{{" in item.prompt or "{%" in item.prompt:
            found.append(f"{where}prompt still holds Jinja markup")
        if item.type == "multiple_choice":
            texts = list(item.options.values())
            if len(set(texts)) != len(texts):
                found.append(f"{where}two options read the same: {texts}")
            if item.answer not in item.options:
                found.append(f"{where}the answer {item.answer} is not an option")
            continue
        if item.type != "numeric":
            continue
        expected = _recount(item)
        if expected is not None and expected != item.answer:
            found.append(f"{where}answer {item.answer} but count() gives {expected} for {item.spec}")
        for name, value in item.misconceptions.items():
            if isinstance(value, int | float) and abs(value - float(item.answer or 0)) <= item.tolerance:
                found.append(f"{where}misconception {name} gives the right answer {value}")
    return found


def _check_problems(template: Template, check: Check, variant: Variant, part: str = "") -> list[str]:
    got = variant.answer
    if variant.type == "multiple_choice" and not isinstance(check.expect, str) and isinstance(got, str):
        option = variant.options.get(got, "").replace(",", "")  # a figure asked as multiple choice
        got = float(option) if option.replace(".", "", 1).isdigit() else got
    if isinstance(check.expect, str):
        ok = got == check.expect
    else:
        ok = isinstance(got, int | float) and abs(float(got) - float(check.expect)) <= max(variant.tolerance, 1e-9)
    if ok:
        return []
    return [f"{part or 'checks'}: {check.params}: expected {check.expect}, computed {got}"]


def validate_template(template: Template, seeds: int = DEFAULT_SEEDS) -> list[str]:
    """Problems found by instantiating ``seeds`` variants and every check of the template."""
    messages: list[str] = []
    rng = random.Random(template.id)
    for _ in range(seeds):
        try:
            variant = instantiate(template, rng.getrandbits(64))
        except QuizgenError as error:
            messages.append(str(error).removeprefix(f"{template.id}: "))
            return messages
        messages.extend(_variant_problems(variant))
        if messages:
            return messages
    for check in template.checks:
        try:
            messages += _check_problems(template, check, instantiate(template, 0, fixed=check.params))
        except QuizgenError as error:
            messages.append(f"checks: {check.params}: {error}")
    for part_index, part in enumerate(template.parts):
        for check in part.checks:
            try:
                variant = instantiate(template, 0, fixed=check.params).parts[part_index]
            except QuizgenError as error:
                messages.append(f"parts[{part_index}].checks: {check.params}: {error}")
                continue
            messages += _check_problems(template, check, variant, f"parts[{part_index}].checks")
    return messages


def validate_bank(paths: Iterable[Path] | None = None, seeds: int = DEFAULT_SEEDS) -> tuple[Bank, list[Problem]]:
    bank, problems = read_bank(paths)
    for template_id, template in bank.templates.items():
        path, _ = bank.origins[template_id]
        for message in validate_template(template, seeds):
            field_name, _, rest = message.partition(": ")
            if not rest or " " in field_name:
                field_name, rest = "question", message
            line = bank.line_of(template_id, field_name)
            problems.append(Problem(path, line, f"{template_id}.{field_name}", rest))
    return bank, problems


def _crosscheck_training(variant: Variant, framework: str) -> list[str]:
    """Training quantities PyTorch can measure (optimizer states after a step, LoRA adapters as peft
    injects them, receptive fields as gradient supports), compared with the variant's figures."""
    from quizgen.bank.crosscheck import LIMIT, real_parameters, torch_training
    from quizgen.counting.quantity import measure
    from quizgen.counting.training_quantities import is_training

    messages = []
    for item in variant.parts or [variant]:
        spec, quantity = item.spec or variant.spec, item.quantity
        if spec is None or quantity is None or not is_training(quantity) or real_parameters(spec, framework) > LIMIT:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch_training(spec, quantity)
        if theirs is None:
            continue
        ours = measure(count(spec, framework), quantity).value
        if ours != theirs:
            messages.append(f"quantity: {quantity} of {spec}: quizgen {ours}, torch {theirs}")
    return messages


def crosscheck_template(template: Template, against: list[str], variants: int = 5) -> list[str]:
    """Compare a few variants' counts with the real frameworks named in ``against``."""
    import os

    from quizgen.bank.crosscheck import FRAMEWORK_COUNTERS, FRAMEWORK_OF, LIMIT, real_parameters

    os.environ.setdefault("KERAS_BACKEND", "torch")
    messages = []
    rng = random.Random(f"crosscheck:{template.id}")
    for name in against:
        same = FRAMEWORK_OF[name] == template.framework
        fields = (template.quantity or "").startswith("receptive_field")  # the same under either convention
        if not same and not (name == "torch" and fields):
            continue
        for _ in range(variants):
            variant = instantiate(template, rng.getrandbits(64))
            if name == "torch" and variant.spec is not None:
                messages += _crosscheck_training(variant, template.framework)
            if not same:
                continue
            for spec in {variant.spec, variant.spec_b} - {None}:
                assert spec is not None
                if real_parameters(spec, template.framework) > LIMIT:
                    continue  # billions of weights in memory to count what a closed form gives
                ours = count(spec, template.framework)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the frameworks' own notices are not the user's concern
                    theirs = FRAMEWORK_COUNTERS[name](spec)
                if (ours.total, ours.trainable) != theirs:
                    messages.append(f"architecture: {spec}: quizgen {ours.total}/{ours.trainable}, {name} {theirs}")
    return messages
