"""Plain-text view of one variant, for ``quizgen bank show``."""

from __future__ import annotations

from quizgen.schema import Variant


def _answer_line(variant: Variant) -> str:
    if variant.type == "multiple_choice":
        return f"Answer: {variant.answer}"
    tolerance = f" (± {variant.tolerance:g})" if variant.tolerance else ""
    return f"Answer: {variant.answer}{tolerance}"


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
