"""key.json read student by student: the same students as reading it whole, the same errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import quizgen.quiz.keyfile as keyfile
from quizgen.errors import GradeError
from quizgen.quiz.keyfile import KeyFile, read_key

QUESTION = {"label": "Q1", "type": "numeric", "points": 1, "tolerance": 0, "answer": 12, "misconceptions": {}}


def _student(n, text="x"):
    return {"student_id": f"s{n:03d}", "name": text, "questions": [{**QUESTION, "prompt": text * n}]}


def _streamed(path):
    key = KeyFile(path)
    students = list(key.students())
    return {**key.head, "students": students}


_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_texts, min_size=0, max_size=12),
    st.sampled_from([1, 7, 64, 1 << 20]),
    st.sampled_from([None, 1, 2]),
    st.dictionaries(
        st.sampled_from(["salt", "zz_later", "title"]),
        st.one_of(_texts, st.integers(-(10**12), 10**12), st.floats(allow_nan=False)),
        max_size=3,
    ),
)
@example([], 1, None, {"salt": 0.5})  # a number cut after "0."
@example(["é"], 1, None, {"title": 123456789})
def test_students_come_out_as_the_whole_file_holds_them(tmp_path_factory, names, chunk, indent, extra):
    """Any chunk size (down to one character), any layout, non-ASCII text and fields after the list."""
    key = {
        "assignment": "Homework ✓",
        "a_count": 1234567890,
        "partial_credit": {"bias_convention": 0.5},
        "students": [_student(n, text) for n, text in enumerate(names)],
        **extra,
    }
    path = tmp_path_factory.mktemp("k") / "key.json"
    path.write_text(json.dumps(key, indent=indent, ensure_ascii=False), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyfile, "_CHUNK", chunk)
        assert _streamed(path) == read_key(path)


def test_a_key_quizgen_wrote_streams_with_its_head_first(tmp_path):
    from quizgen.publish.generate import generate

    generate(
        __import__("pathlib").Path(__file__).resolve().parent.parent / "examples" / "homework.yaml",
        tmp_path / "out",
        formats=["md"],
    )
    path = tmp_path / "out" / "key.json"
    key = KeyFile(path)
    assert key._reader is not None  # read as a stream, not whole
    assert {"assignment", "partial_credit"} <= set(key.head)
    assert {**key.head, "students": list(key.students())} == read_key(path)


def test_partial_credit_after_the_students_is_read_whole(tmp_path):
    path = tmp_path / "key.json"
    path.write_text(json.dumps({"assignment": "A", "students": [_student(1)], "partial_credit": {"x": 1}}))
    key = KeyFile(path)
    assert key._reader is None and key.head["partial_credit"] == {"x": 1}
    assert list(key.students()) == [_student(1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"assignment": "A", "partial_credit": {}, "students": [{"student_id": "s1", "questions": []},', "line 1"),
        (
            '{"assignment": "A", "partial_credit": {},\n "students": [\n {"student_id": "s1", "questions": []}\n x]}',
            "line 4 column 2",
        ),
        ('{"assignment": "A", "partial_credit": {}, "students": []} []', "nothing after the key"),
        (
            '{"assignment": "A", "partial_credit": {}, "students": [{"student_id": 5, "questions": []}]}',
            "students[0].student_id",
        ),
        ('{"assignment": 3, "partial_credit": {}, "students": []}', "'assignment' must be"),
        ('{"assignment": "A", "partial_credit": {}, "students": [], "assignment": "B"}', "'assignment' is given twice"),
        (
            '{"assignment": "A", "partial_credit": {}, "students": [{"student_id": "s1", "questions": [{}]}]}',
            "questions[0].label",
        ),
    ],
)
def test_a_broken_key_is_one_error_naming_the_file_and_where(tmp_path, monkeypatch, text, message):
    monkeypatch.setattr(keyfile, "_CHUNK", 16)
    path = tmp_path / "key.json"
    path.write_text(text)
    with pytest.raises(GradeError) as raised:
        list(KeyFile(path).students())
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value), str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_key_that_is_not_utf8_or_missing_is_one_error(tmp_path):
    path = tmp_path / "key.json"
    path.write_bytes(b'{"assignment": "A", "partial_credit": {}, "students": [{"student_id": "\xff"}]}')
    with pytest.raises(GradeError, match=r"not a key\.json file"):
        list(KeyFile(path).students())
    with pytest.raises(GradeError, match="cannot read the key"):
        KeyFile(tmp_path / "nowhere.json")


def test_line_and_column_of_a_problem_are_the_files_whatever_was_read_before(tmp_path, monkeypatch):
    """Positions are counted across the pieces read: the same line and column as reading it whole."""
    monkeypatch.setattr(keyfile, "_CHUNK", 5)
    students = ",\n".join(json.dumps(_student(n)) for n in range(30))
    text = '{"assignment": "A", "partial_credit": {},\n"students": [\n' + students + ',\n  {"student_id": "s", oops}]}'
    path = tmp_path / "key.json"
    path.write_text(text)
    with pytest.raises(json.JSONDecodeError) as whole:
        json.loads(text)
    with pytest.raises(GradeError) as streamed:
        list(KeyFile(path).students())
    assert f"line {whole.value.lineno} column {whole.value.colno}" in str(streamed.value)


_VALID = json.dumps(
    {"assignment": "A", "partial_credit": {"m": 0.5}, "students": [_student(1), _student(2, "é")], "z": [1.5, None]},
    indent=1,
)


def _fields_given_twice(text):
    """A field both before and after the students (or the students twice): the stream refuses it."""
    names = [name for name, _ in json.loads(text, object_pairs_hook=lambda pairs: pairs)]
    at = names.index("students")
    return bool(set(names[at + 1 :]) & set(names[: at + 1]))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet='{}[]:,"0123456789.-eE tfnrulsa\\\n', max_size=80),
        st.tuples(st.integers(0, len(_VALID)), st.integers(0, 6), st.text(alphabet='{}[],:"1 x\\', max_size=3)).map(
            lambda edit: _VALID[: edit[0]] + edit[2] + _VALID[edit[0] + edit[1] :]
        ),
    ),
    st.sampled_from([1, 3, 1 << 20]),
)
def test_junk_is_refused_as_reading_it_whole_refuses_it(tmp_path_factory, text, chunk):
    """Damaged keys: whatever reading the whole file says (a key, or a GradeError), so does the stream."""
    path = tmp_path_factory.mktemp("junk") / "key.json"
    path.write_text(text, encoding="utf-8")
    try:
        expected = read_key(path)
    except GradeError:
        expected = None
    if expected is not None and _fields_given_twice(text):
        expected = None  # the stream refuses a field given twice around the students; a whole read keeps the last
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyfile, "_CHUNK", chunk)
        try:
            got = _streamed(path)
        except GradeError as error:
            assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
            got = None
    assert got == expected


@pytest.mark.parametrize("second", ['"students": []', '"partial_credit": {}'])
def test_the_students_or_the_partial_credit_given_again_after_the_students_are_refused(tmp_path, second):
    path = tmp_path / "key.json"
    path.write_text('{"assignment": "A", "partial_credit": {"m": 1}, "students": [], ' + second + "}")
    with pytest.raises(GradeError, match="is given twice"):
        list(KeyFile(path).students())
