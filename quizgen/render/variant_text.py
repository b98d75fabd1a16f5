"""Plain-text view of one variant, for ``quizgen bank show``."""

from __future__ import annotations

from quizgen.bank.instantiate import instantiate
from quizgen.bank.schema import Template, Variant
from quizgen.counting.misconceptions import CATALOGUE


def _answer_line(variant: Variant) -> str:
    if variant.type == "multiple_choice":
        return f"Answer: {variant.answer}"
    unit = f" {variant.unit}" if variant.unit else ""
    tolerance = f" (± {variant.tolerance:g}{unit})" if variant.tolerance else ""
    return f"Answer: {variant.answer}{unit}{tolerance}"


def _item_lines(variant: Variant, indent: str = "") -> list[str]:
    lines = [indent + line for line in variant.prompt.splitlines()]
    for letter, text in variant.options.items():
        lines.append(f"{indent}  {letter}) {text}")
    lines.append(indent + _answer_line(variant))
    if variant.derivation:
        lines.append(f"{indent}Derivation: {variant.derivation}")
    for line in variant.solution:
        lines.append(f"{indent}  {line}")
    for name, value in variant.misconceptions.items():
        lines.append(f"{indent}  mistake {name} → {value}")
    return lines


def format_variant(variant: Variant) -> str:
    lines = [f"{variant.title}  [{variant.template_id}, {variant.points:g} pt]"]
    if variant.spec:
        lines.append(f"Architecture: {variant.spec}   ({variant.framework})")
    lines.append("")
    if variant.parts:
        lines += variant.prompt.splitlines()
        for part in variant.parts:
            lines.append("")
            lines.append(f"({part.label})")
            lines += _item_lines(part, "  ")
    else:
        lines += _item_lines(variant)
    return "\n".join(lines)


def mistakes_seen(template: Template, variants: int = 50) -> dict[str, int]:
    """How many of ``variants`` seeded variants of a template each catalogued mistake can be named in."""
    seen: dict[str, int] = {}
    for seed in range(variants):
        variant = instantiate(template, seed)
        names = {name for item in (variant.parts or [variant]) for name in item.misconceptions}
        for name in names:
            seen[name] = seen.get(name, 0) + 1
    return seen


def format_mistakes(seen: dict[str, int] | None = None, variants: int = 0) -> str:
    """The catalogue as ``partial_credit`` names it: name, title, why (and how often, for one template)."""
    width = max(len(name) for name in CATALOGUE)
    lines = []
    for name, m in CATALOGUE.items():
        if seen is not None and name not in seen:
            continue
        share = f"  [{seen[name]}/{variants} variants]" if seen is not None else ""
        lines.append(f"{name:<{width}}  {m.title}{share}\n{'':<{width}}  {m.why}")
    if not lines:
        return "no catalogued mistake applies to this template (its options carry their own feedback)"
    return "\n".join(lines)
