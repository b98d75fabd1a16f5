"""Writing your own templates: a commented starter file, and a preview of a template's variants."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from quizgen.bank.instantiate import instantiate
from quizgen.bank.loader import Bank
from quizgen.errors import BankError
from quizgen.files import write_file
from quizgen.quiz.json_schemas import schema_text

STARTERS = {
    "numeric": """\
# yaml-language-server: $schema=./template.schema.json
# A template of your own. Check it with:   quizgen bank validate {folder}
# See one student's variant:               quizgen bank show {id} --bank {folder}
# See five variants side by side:          quizgen bank preview {id} --bank {folder} --out preview.html
topic: {topic}
questions:
  - id: {id}
    title: Parameters of an LSTM layer          # shown above the question
    tags: [lstm, keras]                         # an assignment can pick by tag: from: ["tag:lstm"]
    difficulty: easy                            # easy, medium or hard
    type: numeric
    framework: keras                            # or pytorch: whose conventions count
    parameters:                                 # drawn for each student (HMAC of your secret)
      i: {{min: 2, max: 32}}                      # an integer range
      h: {{choices: [8, 16, 32, 64]}}             # or a list of values
    architecture: "Input({{{{ i }}}}) -> LSTM({{{{ h }}}})"   # the spec language; answers come from it
    prompt: |
      How many trainable parameters does a Keras `LSTM({{{{ h }}}})` layer have on {{{{ i }}}} input features?
    quantity: total                             # or trainable, layer[2], layer[2].biases, macs, …
    checks:                                     # figures you know from outside, checked by validate
      - {{params: {{i: 3, h: 8}}, expect: 384}}
""",
    "multiple_choice": """\
# yaml-language-server: $schema=./template.schema.json
# A multiple-choice template: the wrong options are the numbers known mistakes give.
# Check it with: quizgen bank validate {folder}
topic: {topic}
questions:
  - id: {id}
    title: Parameters of a GRU layer (choose)
    tags: [gru, keras]
    difficulty: medium
    type: multiple_choice
    parameters:
      i: {{min: 2, max: 16}}
      h: {{min: 4, max: 32}}
    architecture: "Input({{{{ i }}}}) -> GRU({{{{ h }}}})"
    prompt: |
      How many trainable parameters does a Keras `GRU({{{{ h }}}})` (default `reset_after=True`) have on
      {{{{ i }}}} input features?
    quantity: total
    distractors: 3                              # how many wrong options
    # misconceptions: [forgot_bias, gru_reset_after]   # limit the wrong options to these mistakes
""",
    "multi_part": """\
# yaml-language-server: $schema=./template.schema.json
# A question in parts (a), (b), … about one architecture.
# Check it with: quizgen bank validate {folder}
topic: {topic}
questions:
  - id: {id}
    title: Where an LSTM keeps its parameters
    tags: [lstm, keras]
    difficulty: medium
    type: multi_part
    parameters:
      i: {{min: 2, max: 16}}
      h: {{min: 4, max: 32}}
    architecture: "Input({{{{ i }}}}) -> LSTM({{{{ h }}}})"
    prompt: |
      A Keras `LSTM({{{{ h }}}})` reads {{{{ i }}}} features.
    parts:
      - prompt: How many parameters does the layer have?
        quantity: layer[2]
      - prompt: How many of them are recurrent weights?
        quantity: layer[2].recurrent_weights
      - prompt: How many are biases?
        quantity: layer[2].biases
""",
}
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def new_template(template_id: str, kind: str, folder: Path, existing: Bank) -> Path:
    """Write ``folder/<id>.yaml``, a commented starter that validates as written, and the schema beside it."""
    if not ID.match(template_id):
        raise BankError(f"'{template_id}': an id is lowercase words and digits joined by dashes, e.g. my-lstm-question")
    if template_id in existing.templates:
        where, line = existing.origins[template_id]
        raise BankError(f"'{template_id}' is already a template ({where}:{line}): choose another id")
    target = folder / f"{template_id}.yaml"
    if target.exists():
        raise BankError(f"{target}: exists; choose another id or edit that file")
    topic = template_id.split("-")[0]
    write_file(target, STARTERS[kind].format(id=template_id, topic=topic, folder=folder))
    schema = folder / "template.schema.json"
    if not schema.exists():
        write_file(schema, schema_text("template"))
    return target


def preview_view(bank: Bank, template_id: str, variants: int) -> dict[str, Any]:
    """What ``preview.html`` shows: a template's first variants with answers, solutions and mistakes."""
    template = bank.get(template_id)
    where, line = bank.origins[template_id]
    shown = []
    for seed in range(variants):
        variant = instantiate(template, seed)
        items = []
        for item in variant.parts or [variant]:
            mistakes = [
                {"name": name, "value": value, "feedback": item.misconception_feedback.get(name, "")}
                for name, value in item.misconceptions.items()
            ]
            items.append({"item": item, "mistakes": mistakes})
        shown.append({"seed": seed, "variant": variant, "entries": items})
    return {"template": template, "origin": f"{where}:{line}", "variants": shown}
