"""JSON Schemas of template files and assignment files, from the Pydantic models, for editors."""

from __future__ import annotations

import copy
import json
from typing import Any

from quizgen.bank.schema import Template
from quizgen.quiz.assignment import Assignment

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


def template_file_schema() -> dict[str, Any]:
    """A bank file: a ``topic`` and its ``questions`` (each a template; its topic may come from the file)."""
    template = copy.deepcopy(Template.model_json_schema())
    defs = template.pop("$defs", {})
    template["required"] = [name for name in template.get("required", []) if name != "topic"]
    defs["Template"] = template
    return {
        "$schema": SCHEMA_URL,
        "title": "quizgen question templates",
        "description": "A file of question_bank/: templates sharing a topic. See docs/authoring.md.",
        "type": "object",
        "properties": {
            "topic": {"type": "string", "minLength": 1, "description": "the topic of every question below"},
            "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Template"}},
        },
        "required": ["questions"],
        "additionalProperties": False,
        "$defs": defs,
    }


def assignment_schema() -> dict[str, Any]:
    schema = Assignment.model_json_schema(by_alias=True)
    return {
        "$schema": SCHEMA_URL,
        "title": "quizgen assignment",
        "description": "What quizgen generate writes, for whom. See README, 'The assignment file'.",
        **schema,
    }


SCHEMAS = {"template": template_file_schema, "assignment": assignment_schema}


def schema_text(kind: str) -> str:
    """The schema as the repository keeps it (``schemas/<kind>.schema.json``): sorted, indented, final newline."""
    return json.dumps(SCHEMAS[kind](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
