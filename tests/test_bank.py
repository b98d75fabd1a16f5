"""The shipped bank is sound; broken templates fail with the precise file, line, field and reason."""

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.bank.instantiate import instantiate
from quizgen.bank.loader import load_bank, validate_bank
from quizgen.cli import main

BROKEN = Path(__file__).parent / "broken_bank"


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def test_shipped_bank_is_sound_at_200_seeds():
    bank, problems = validate_bank(seeds=200)
    assert [str(p) for p in problems] == []
    assert len(bank.templates) >= 40


def test_bank_spans_topics_types_and_difficulties(bank):
    templates = list(bank.templates.values())
    assert Counter(t.difficulty for t in templates).keys() == {"easy", "medium", "hard"}
    assert {"numeric", "multiple_choice", "multi_part", "conceptual"} <= {t.type for t in templates}
    quantities = {t.quantity for t in templates} | {p.quantity for t in templates for p in t.parts}
    assert {"total", "ratio", "compare", "trainable"} <= quantities
    assert any(q and q.startswith("units[") for q in quantities)
    assert any(q and q.endswith(".recurrent_weights") for q in quantities)
    assert {"keras", "pytorch"} == {t.framework for t in templates}
    assert len({t.topic for t in templates}) >= 6


@pytest.mark.parametrize(
    ("template_id", "params", "expected"),
    [
        ("lstm-replaces-rnn", {"i": 9, "h": 10}, [800]),
        ("lstm-three-inputs-five-units", {"i": 3, "h": 5}, [100, 180, 20]),
        ("lstm-stacked-two-layers", {"h": 10}, [480, 840]),
        ("lstm-stacked-two-layers", {"h": 20}, [1760, 3280]),
        ("simplernn-layer-total", {"i": 9, "h": 10}, [200]),
    ],
)
def test_seed_questions_give_the_seed_figures(bank, template_id, params, expected):
    variant = instantiate(bank.get(template_id), 0, fixed=params)
    answers = [p.answer for p in variant.parts] if variant.parts else [variant.answer]
    assert answers == expected


def test_rnn_replacement_prompt_states_the_rnn_count(bank):
    variant = instantiate(bank.get("lstm-replaces-rnn"), 0, fixed={"i": 9, "h": 10})
    assert "200 trainable parameters" in variant.prompt


def test_seed_concepts_are_in_the_bank(bank):
    seeds = {t.id for t in bank.templates.values() if "seed" in t.tags}
    assert {
        "lstm-gradients-reach-all-gates",
        "lstm-cell-state-vanishing",
        "lstm-weight-sets",
        "lstm-overfits",
        "lstm-outputs-versus-inputs",
        "lstm-many-to-one-classifier",
    } <= seeds
    assert "gru-lighter-alternative" in bank.templates


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad_field.yaml", "bad_field.yaml:10: tolernce: unknown field"),
        ("unsatisfiable.yaml", "unsatisfiable.yaml:9: unsatisfiable.constraints: no parameters satisfy"),
        ("distractor_is_answer.yaml", "distractor_is_answer.yaml:13: distractor-is-answer.distractors: only 0"),
        ("typed_answer.yaml", "typed_answer.yaml:10: answer: answers are computed"),
        ("unknown_layer.yaml", "unknown_layer.yaml:9: unknown-layer.architecture: spec:1:13: unknown layer 'LTSM'"),
        ("wrong_check.yaml", "wrong_check.yaml:13: wrong-check.checks: {'i': 3, 'h': 5}: expected 175, computed 180"),
    ],
)
def test_broken_templates_fail_precisely(name, expected):
    result = CliRunner().invoke(main, ["bank", "validate", "--seeds", "5", str(BROKEN / name)])
    assert result.exit_code == 3
    assert expected in result.output
    assert "Traceback" not in result.output


def test_every_problem_of_a_folder_is_reported():
    result = CliRunner().invoke(main, ["bank", "validate", "--seeds", "5", str(BROKEN)])
    assert result.exit_code == 3
    assert len([line for line in result.output.splitlines() if ".yaml:" in line]) == len(list(BROKEN.glob("*.yaml")))


def test_yaml_syntax_error_names_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("topic: x\nquestions:\n  - id: a\n   title: [unclosed\n")
    result = CliRunner().invoke(main, ["bank", "validate", str(bad)])
    assert result.exit_code == 3
    assert f"{bad}:4: yaml:" in result.output


def test_bank_list_json_and_tag_filter():
    import json

    rows = json.loads(CliRunner().invoke(main, ["bank", "list", "--json"]).output)
    assert {"id", "title", "type", "tags", "difficulty", "topic"} <= set(rows[0])
    tagged = json.loads(CliRunner().invoke(main, ["bank", "list", "--json", "--tag", "pytorch"]).output)
    assert tagged and all("pytorch" in r["tags"] or r["topic"] == "pytorch" for r in tagged)
    assert len(tagged) < len(rows)


def test_bank_show_is_deterministic_per_student():
    def show(student):
        return CliRunner().invoke(main, ["bank", "show", "lstm-layer-total", "--student", student]).output

    assert show("s1") == show("s1")
    assert "Answer:" in show("s1") and "4·" in show("s1")
    assert CliRunner().invoke(main, ["bank", "show", "no-such-id"]).exit_code == 3
