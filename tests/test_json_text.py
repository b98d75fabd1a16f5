"""The JSON loader every reader shares: one-line errors for duplicate keys and deep nesting."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.errors import ModelFileError
from quizgen.readers.json_text import MAX_DEPTH, load_json


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{\n  "a": 1,\n  "b": {"c": 2,\n    "c": 3}\n}', "f.json:4: key 'c' is written twice in one object"),
        ('{"a": {"x": 1}, "b": {"x": 2}, "a": 3}', "f.json:1: key 'a' is written twice"),
        ('[{"k\\"q": 1, "k\\"q": 2}]', "key 'k\"q' is written twice"),
        ("[" * 3000 + "]" * 3000, f"f.json: nested more than {MAX_DEPTH} levels deep"),
        ('{"a":' * 50000 + "1" + "}" * 50000, f"f.json: nested more than {MAX_DEPTH} levels deep"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested more than"),
        ('{"a": 1,}', "f.json:1: not JSON"),
    ],
)
def test_json_a_reader_cannot_trust_is_a_one_line_error(text, words):
    with pytest.raises(ModelFileError) as raised:
        load_json(text, "f.json")
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_the_same_key_in_different_objects_is_fine():
    assert load_json('{"a": {"x": 1}, "b": {"x": 2}}', "f.json") == {"a": {"x": 1}, "b": {"x": 2}}
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "f.json") is not None


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c) | st.dictionaries(st.text(max_size=3), c),
        max_leaves=40,
    )
)
def test_any_json_value_loads_as_json_loads_it(value):
    text = json.dumps(value)
    assert load_json(text, "f.json") == json.loads(text)
