"""Seeded variants: reproducible per roster and secret, private without it, and well formed."""

import pytest

from quizgen.bank.instantiate import student_variant, variant_seed
from quizgen.bank.loader import load_bank
from quizgen.bank.schema import Template


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def test_same_secret_and_student_give_identical_variants(bank):
    for template in bank.templates.values():
        a = student_variant(template, b"secret", "hw1", "s001")
        b = student_variant(template, b"secret", "hw1", "s001")
        assert a == b


def test_seed_is_hmac_of_secret_salt_student_template_index():
    import hashlib
    import hmac

    digest = hmac.new(b"k", b"hw|s1|lstm|0", hashlib.sha256).digest()
    assert variant_seed(b"k", "hw", "s1", "lstm", 0) == int.from_bytes(digest[:16], "big")


def test_different_secret_or_student_change_variants(bank):
    template = bank.get("lstm-layer-total")
    students = [f"s{n:03d}" for n in range(30)]
    by_secret = [student_variant(template, b"one", "hw1", s).params for s in students]
    other_secret = [student_variant(template, b"two", "hw1", s).params for s in students]
    assert sum(a != b for a, b in zip(by_secret, other_secret, strict=True)) >= 25
    assert len({tuple(sorted(p.items())) for p in by_secret}) >= 25


def test_multiple_choice_options_are_distinct_positive_and_contain_the_answer(bank):
    for template in bank.templates.values():
        if template.type != "multiple_choice" or template.quantity is None:
            continue
        for student in range(40):
            variant = student_variant(template, b"k", "hw", str(student))
            assert variant.answer in variant.options
            texts = list(variant.options.values())
            assert len(set(texts)) == len(texts)
            if template.quantity.startswith("output_shape"):
                assert all(all(int(d) > 0 for d in t.split("×")) for t in texts)
            elif template.quantity != "compare":
                assert all(float(t.replace(",", "")) > 0 for t in texts)
            if template.quantity != "compare":
                assert set(variant.misconceptions.values()) <= set(variant.options) - {variant.answer}


def test_distractor_order_is_shuffled_deterministically(bank):
    template = bank.get("lstm-layer-total-choice")
    letters = {student_variant(template, b"k", "hw", str(s)).answer for s in range(40)}
    assert len(letters) >= 3


def test_prompts_are_rendered_in_a_sandbox():
    template = Template.model_validate(
        {
            "id": "sandbox",
            "title": "t",
            "topic": "t",
            "difficulty": "easy",
            "type": "numeric",
            "architecture": "Input(3) -> LSTM(5)",
            "quantity": "total",
            "prompt": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        }
    )
    from quizgen.bank.instantiate import instantiate
    from quizgen.errors import BankError

    with pytest.raises(BankError, match="prompt"):
        instantiate(template, 1)
