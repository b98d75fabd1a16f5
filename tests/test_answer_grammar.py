"""The one answer grammar (design §6b): every accepted spelling of a value reads as that value; a
number with anything else around it (a unit of another kind, %, words, a second number, `not`)
never reads as that number."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizgen.bank.answer_kinds import KINDS, kind_of
from quizgen.errors import GradeError
from quizgen.grading.parse import read_answer
from quizgen.grading.score import Scorer


def _grouped(v: int, sep: str) -> str:
    digits = str(v)
    head = len(digits) % 3 or 3
    return sep.join([digits[:head], *(digits[k : k + 3] for k in range(head, len(digits), 3))])


def _spellings(v: int, kind: str, unit: str | None) -> list[str]:
    """Ways a student writes ``v`` (in the unit asked), each one the grammar must read as ``v``."""
    plain = [str(v), f"{v}.0", f" {v} ", f"+{v}", *(_grouped(v, s) for s in (",", " ", "_", "\u202f"))]
    plain += [f"{v - 1} + 1", f"{v + 1} - 1", f"{v + 1}-1", f"({v} + 0) * 1", f"{v - 1}+1 = {v}", f"{v}."]
    if v % 2 == 0:
        plain += [f"2*{v // 2}", f"2 × {v // 2}", f"2·{v // 2} = {v}", f"2x{v // 2}"]
    mantissa, exponent = str(v).rstrip("0") or "0", len(str(v)) - len(str(v).rstrip("0"))
    if exponent:
        plain += [f"{mantissa}e{exponent}", f"{mantissa}E+{exponent}", f"{mantissa}*10^{exponent}"]
    words: list[str] = []
    if kind == "count":
        words = [f"{v} params", f"{v} parameters", f"{_grouped(v, ',')} weights"]
        for suffix, size in (("k", 3), ("M", 6), ("B", 9), ("K", 3), ("m", 6), ("b", 9)):
            if v % 10**size == 0:
                words += [f"{v // 10**size}{suffix}", f"{v // 10**size} {suffix} params"]
            elif v > 10**size and v % 10 ** (size - 2) == 0:
                words.append(f"{v / 10**size}{suffix}")
    elif kind == "bytes" and unit is None:
        words = [f"{v} B", f"{v} bytes", f"{8 * v} bits", f"{v}B"]
        if v % 1024 == 0:
            words.append(f"{v // 1024} KiB")
        if v % 1000 == 0:
            words.append(f"{v // 1000} kB")
        if v % 2**20 == 0:
            words.append(f"{v // 2**20} MiB")
    elif kind == "bytes":
        words = [f"{v} GB", f"{v * 1000} MB", f"{v}GB"]
    elif kind == "operations":
        word = "MACs" if unit == "macs" else "FLOPs"
        words = [f"{v} {word}", f"{v} {word.lower()}"]
        if v % 10**9 == 0:
            words.append(f"{v // 10**9} G{word}")
    elif kind == "time":
        words = [f"{v} days", f"{24 * v} hours", f"{24 * v} h", f"{v} d"]
    return plain + words


READERS = [("count", None), ("bytes", None), ("bytes", "GB"), ("operations", "macs"), ("operations", "flops")]
READERS += [("time", "days")]


@settings(max_examples=300)
@given(st.integers(1, 10**12), st.sampled_from(READERS))
def test_every_accepted_spelling_reads_as_the_value(v, reader):
    kind, unit = reader
    for text in _spellings(v, kind, unit):
        parsed = read_answer(text, KINDS[kind], unit)
        assert parsed.value is not None, (text, parsed.why)
        assert abs(parsed.value - v) <= 1e-9 * v, (text, parsed.value)
        assert parsed.mistake is None


WRONG_UNITS = {
    "count": ["MB", "KiB", "GB", "bytes", "MACs", "FLOPs", "hours", "tokens"],
    "bytes": ["params", "parameters", "MACs", "FLOPs", "days", "M", "k"],
    "operations": ["MB", "params", "hours", "GiB"],
    "time": ["MB", "params", "FLOPs"],
}
AROUND = st.sampled_from(
    [
        ("not ", ""),
        ("about ", ""),
        ("~", ""),
        ("$ ", ""),
        ("", "%"),
        ("", " %"),
        ("", " or so"),
        ("", " maybe"),
        ("12 or ", ""),
        ("0 ", ""),
        ("0,", ""),
        ("", " or 13"),
        ("", ", 7"),
        ("", " and 5"),
        ("", " 4 5"),
        ("answer: ", ""),
        ("", "?"),
        ("", "!"),
        ("x = ", ""),
        ("", " = 3"),
        ("", " = 3 = 4"),
        ("", " params params"),
    ]
)


@settings(max_examples=300)
@given(st.integers(1, 10**12), st.sampled_from(READERS), AROUND, st.data())
def test_a_number_with_anything_else_around_it_never_reads_as_that_number(v, reader, around, data):
    kind, unit = reader
    texts = [f"{around[0]}{v}{around[1]}", f"{around[0]}{_grouped(v, ',')}{around[1]}"]
    wrong = data.draw(st.sampled_from(WRONG_UNITS[kind]))
    texts += [f"{v} {wrong}", f"{v}{wrong}"]
    for text in texts:
        value = read_answer(text, KINDS[kind], unit).value
        assert value is None or abs(value - v) > 1e-9 * v, (text, value)


@given(st.text(max_size=60), st.sampled_from(sorted(KINDS)))
def test_junk_is_read_or_refused_never_raised(text, kind):
    parsed = read_answer(text, KINDS[kind], None)
    assert parsed.value is None or abs(parsed.value) <= KINDS[kind].limit
    assert parsed.value is not None or not text.strip() or parsed.why


# Seen by a new user grading a 4-question assignment (issue: "any lone number inside text is taken").
@pytest.mark.parametrize("typed", ["37380 MB", "6656 KiB", "7440%", "$ 44840", "not 3794", "about 1,760 parameters"])
def test_a_number_inside_text_is_no_answer_on_a_parameter_question(typed):
    answer = int("".join(c for c in typed if c.isdigit()))
    question = _question(answer, "total")
    result = Scorer().score(question, typed)
    assert result.status == "unreadable" and result.points == 0
    assert typed in result.feedback


def test_a_million_suffix_is_a_million_not_the_digits_before_it():
    result = Scorer().score(_question(63232, "total"), "63232 M")
    assert result.value == 63232e6 and result.status == "wrong"


def test_parameters_typed_on_a_bytes_question_are_unreadable():
    result = Scorer().score(_question(906050, "weight_bytes(float32)"), "906050 parameters")
    assert result.status == "unreadable" and "'parameters' is not a unit of a size in bytes" in result.feedback


@pytest.mark.parametrize(("typed", "answer"), [("14504-1", 14503), ("25520 - 0", 25520), ("4*5*(3+5+1) - 1", 179)])
def test_plain_subtraction_reads_as_an_expression(typed, answer):
    assert Scorer().score(_question(answer, "total"), typed).status == "correct"


def test_flops_typed_for_macs_is_the_catalogued_mistake():
    question = _question(1000, "macs")
    result = Scorer({"flops_for_macs": 0.25}).score(question, "2000 FLOPs")
    assert result.mistakes == ("flops_for_macs",) and result.status == "partial" and result.points == 0.25
    assert "FLOPs = 2 × MACs" in result.feedback
    assert Scorer().score(question, "1000 MACs").status == "correct"
    assert Scorer().score(question, "1 kMACs").status == "correct"


def test_units_convert_to_the_unit_the_key_asks_for():
    question = {**_question(13.42, "train_bytes"), "unit": "GB", "tolerance": 0.01}
    for typed in ("13.42", "13.42 GB", "12.5 GiB", "13420 MB", "13,420,000,000 B"):
        assert Scorer().score(question, typed).status == "correct", typed
    days = {**_question(1.5, "train_time"), "unit": "days"}
    for typed in ("1.5", "36 hours", "36h", "129600 s", "1.5 d"):
        assert Scorer().score(days, typed).status == "correct", typed
    flops = _question(3.15e23, "train_flops")
    for typed in ("3.15e23", "3.15E+23 FLOPs", "3.15×10^23", "315 ZFLOPs", "3.15 × 10²³ FLOPs"):
        assert Scorer().score(flops, typed).status == "correct", typed


def test_a_unit_the_kind_has_no_word_for_is_a_key_error_naming_the_field():
    with pytest.raises(GradeError, match="field 'unit' is 'parsecs'"):
        kind_of({**_question(1, "train_time"), "unit": "parsecs"})


def test_an_expression_and_a_value_that_disagree_are_unreadable():
    parsed = read_answer("4*20*22 = 1800", KINDS["count"])
    assert parsed.value is None and parsed.why == "the expression gives 1760, not 1800"
    assert read_answer("4*20*22 = 1.76k", KINDS["count"]).value == 1760
    assert read_answer("7/3 = 2.33", KINDS["ratio"]).value == pytest.approx(7 / 3)


def _question(answer: float, quantity: str) -> dict:
    return {
        "label": "Q1",
        "type": "numeric",
        "points": 1,
        "answer": answer,
        "tolerance": 0,
        "quantity": quantity,
        "misconceptions": {},
        "misconception_feedback": {},
    }


@given(st.integers(1, 10**9))
def test_a_thousands_suffix_never_reads_as_the_bare_number(v):
    assume(v % 10 != 0)
    for suffix in "kMB":
        assert read_answer(f"{v}{suffix}", KINDS["count"]).value != v


def test_a_key_with_a_unit_its_kind_has_no_word_for_is_refused_naming_the_question(tmp_path):
    from quizgen.quiz.keyfile import read_key

    question = {**_question(1.5, "train_time"), "unit": "fortnights"}
    (tmp_path / "key.json").write_text(
        json.dumps({"assignment": "a", "students": [{"student_id": "s1", "questions": [question]}]})
    )
    with pytest.raises(GradeError, match=r"students\[0\]\.questions\[0\]\.unit: .*'fortnights', not a unit of a time"):
        read_key(tmp_path / "key.json")


@pytest.mark.parametrize(
    ("quantity", "unit", "kind", "reads_as"),
    [
        ("total", None, "count", "1.2M params"),
        ("layer[3].recurrent_weights", None, "count", "1,200,000 weights"),
        ("layer[2].macs", None, "operations", "1.2 MMACs"),
        ("macs", "GMACs", "operations", "0.0012 GMACs"),
        ("flops", None, "operations", "1.2e6 FLOPs"),
        ("ratio(weight_bytes(float16))", None, "ratio", "1200000x"),
        ("kv_cache_bytes(float16)", None, "bytes", "1.2 MB"),
        ("gradient_bytes", "GB", "bytes", "0.0012 GB"),
        ("train_flops_6nd", None, "operations", "1.2 MFLOPs"),
        ("train_time", "days", "time", "28800000 h"),
        ("optimal_tokens", None, "tokens", "1.2M tokens"),
        ("receptive_field[3]", None, "positions", "1200000 pixels"),
        ("train_time", None, "time", "28800000 hours"),
        ("lora_share(r=8, targets=q+v)", None, "percent", "1200000 %"),
        ("lora_share(r=8, targets=q+v)", "%", "percent", "1,200,000 percent"),
        ("max_batch(adamw, device=h100-sxm)", None, "batch", "1200000 sequences"),
        ("flops_6nd_ratio(tokens=1e9)", None, "ratio", "1200000x"),
        ("optimal_params(budget=1e20)", None, "count", "1.2M parameters"),
        ("output_shape[2]", None, "number", "1200000"),
    ],
)
def test_each_quantity_is_read_as_its_kind_in_its_unit(quantity, unit, kind, reads_as):
    question = {**_question(1.2e6, quantity), **({"unit": unit} if unit else {})}
    found, asked = kind_of(question)
    assert found.name == kind
    expected = {"GMACs": 1.2e6 / 1e9, "GB": 1.2e6 / 1e9, "days": 1.2e6}.get(unit or "", 1.2e6)
    assert read_answer(reads_as, found, asked).value == pytest.approx(expected)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"percent"}))
def test_a_percent_sign_is_read_only_for_a_share(kind):
    for text in ("12 %", "12%", "12 percent"):
        assert read_answer(text, KINDS[kind]).value is None, (kind, text)
    assert read_answer("1.39 %", KINDS["percent"], "%").value == pytest.approx(1.39)
    assert read_answer("1.39", KINDS["percent"], "%").value == pytest.approx(1.39)
    assert read_answer("1.39 percent", KINDS["percent"]).value == pytest.approx(1.39)


@pytest.mark.parametrize(
    ("typed", "unit", "relabelled", "confused"),
    [
        ("102.0 GiB", "GB", 102.0, "gib_as_gb"),
        ("3.39 GB", "GiB", 3.39, "gib_as_gb"),
        ("512 MiB", "MB", 512, "gib_as_gb"),
        ("4096 bits", "bytes", 4096, "bits_for_bytes"),
        ("4096 bits", None, 4096, "bits_for_bytes"),
        ("102009.7 MB", "GB", None, None),
        ("95 GiB", "bytes", None, None),
    ],
)
def test_the_right_digits_under_a_confused_unit_are_kept_for_the_mistake(typed, unit, relabelled, confused):
    parsed = read_answer(typed, KINDS["bytes"], unit)
    assert parsed.relabelled == relabelled and parsed.confused == confused
    assert parsed.value is not None  # still read, converted: 102.0 GiB is 109.5 GB
