"""`quizgen grade`: lenient parsing, scoring and diagnosis, accounting for every row, outputs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quizgen.bank.answers import answer_for
from quizgen.cli import main
from quizgen.grading.analysis import analyse, point_biserial
from quizgen.grading.parse import parse_choice, parse_number
from quizgen.grading.run import Outcome, grade, grade_submissions, grades_csv
from quizgen.grading.score import ItemResult, Scorer, factor_note
from quizgen.grading.submissions import Intake
from quizgen.publish.generate import key_for
from quizgen.quiz.keyfile import all_labels

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    "text",
    [
        "1760",
        "1,760",
        "1 760",
        " 1 760 ",
        "1760.0",
        "1.76e3",
        "+1760",
        "１７６０",
        "١٧٦٠",
        "1760 params",
        "1\u202f760",
        "4*20*(1+20+1)",
        "4·20·(1+20+1)",
        "4x20x22",
        "4 × 20 × 22 = 1760",
    ],
)
def test_numbers_written_many_ways(text):
    assert parse_number(text).value == 1760


@pytest.mark.parametrize(
    "text", ["", "abc", "12 or 13", "1e400", "((((", "4 5", "−", "1,2,3,4", "about 1,760 parameters"]
)
def test_unreadable_numbers_have_no_value(text):
    assert parse_number(text).value is None


def test_minus_signs_and_choices():
    assert parse_number("−5").value == -5
    options = {"A": "1,200", "B": "forget gate", "C": "3"}
    assert parse_choice(" b ", options).letter == "B"
    assert parse_choice("(c)", options).letter == "C"
    assert parse_choice("Forget  gate.", options).letter == "B"
    assert parse_choice("1200", options).letter == "A"
    assert parse_choice("Z", options).letter is None


def test_factor_note_says_which_factor_is_off():
    note = factor_note(parse_number("4*5*(3+5)"), "4·5·(3+5+1) = 180")
    assert note == "In your product, factor 3 is 8 where (3+5+1) = 9 belongs."
    assert factor_note(parse_number("4*5*9"), "4·5·(3+5+1) = 180") == ""
    assert "has 2 factors" in factor_note(parse_number("20*9"), "4·5·(3+5+1) = 180")


def numeric_question(**changes):
    """A numeric key item for Input(3) -> LSTM(5) (total 180), with any field changed."""
    question = {
        "label": "Q1",
        "type": "numeric",
        "points": 1,
        "answer": 180,
        "tolerance": 0,
        "misconceptions": {},
        "misconception_feedback": {},
        "derivation": "4·5·(3+5+1) = 180",
        "spec": "Input(3) -> LSTM(5)",
        "framework": "keras",
        "quantity": "total",
    }
    return {**question, **changes}


def choice_question(**changes):
    question = {
        "label": "Q1",
        "type": "multiple_choice",
        "points": 1,
        "answer": "A",
        "tolerance": 0,
        "options": {"A": "x", "B": "y"},
        "misconceptions": {},
        "option_feedback": {},
    }
    return {**question, **changes}


def one_question_key(*questions):
    """A key whose students a, b, … each have one of ``questions``."""
    students = [{"student_id": sid, "questions": [q]} for sid, q in zip("abcdefgh", questions, strict=False)]
    return {"assignment": "t", "partial_credit": {}, "students": students}


@settings(max_examples=500)
@given(st.text(max_size=40))
@example("0\x1f")
@example("１２\u2009")
def test_any_answer_string_is_scored_without_raising(text):
    question = numeric_question(misconceptions={"forgot_bias": 160}, misconception_feedback={"forgot_bias": "fb"})
    choice = choice_question(label="Q2", options={"A": "x", "B": "180"}, misconceptions={"m": "B"})
    scorer = Scorer({"forgot_bias": 0.5})
    for q in (question, choice):
        result = scorer.score(q, text)
        assert result.status in ("correct", "partial", "wrong", "blank", "unreadable")
        assert 0 <= result.points <= 1


@settings(max_examples=300)
@given(
    st.text(alphabet="0123456789", min_size=1, max_size=17),
    st.integers(0, 10**16),
    st.sampled_from([0, 0.5, 100]),
)
@example("180", 180, 0)
@example("0180", 180, 0)
@example("160", 180, 0)
@example("999999998", 999999999, 0)
@example("1000000000", 1000000001, 0)
@example("6738415610", 6738415616, 0)
def test_digits_only_answers_score_as_the_general_reader_scores_them(digits, answer, tolerance):
    """Digits alone skip the general reader; padding the same digits with a blank takes it."""
    question = numeric_question(
        answer=answer,
        tolerance=tolerance,
        misconceptions={"forgot_bias": int(digits) if len(digits) < 16 else 7},
        misconception_feedback={"forgot_bias": "fb"},
    )
    scorer = Scorer({"forgot_bias": 0.5})
    short, general = scorer.score(question, digits), scorer.score(question, f" {digits}\t")
    assert (short.status, short.points, short.value, short.mistakes, short.feedback) == (
        general.status,
        general.points,
        general.value,
        general.mistakes,
        general.feedback,
    )
    assert short.raw == digits


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(0, 2 * 10**9), st.integers(0, 10**15)), st.integers(-12, 12), st.sampled_from([0, 0.5, 3]))
def test_digits_near_the_answer_score_as_the_general_reader_scores_them(answer, offset, tolerance):
    """Close to the answer, where exact and relative matching could part ways (around 10⁹)."""
    digits = str(max(answer + offset, 0))
    question = numeric_question(answer=answer, tolerance=tolerance)
    scorer = Scorer()
    short, general = scorer.score(question, digits), scorer.score(question, f" {digits}\t")
    assert (short.status, short.points, short.value) == (general.status, general.points, general.value)


def test_point_biserial_matches_pearson():
    flags = [1, 0, 1, 1, 0, 0, 1, 0]
    rest = [9.0, 4.0, 7.5, 8.0, 5.0, 3.0, 6.0, 6.5]
    assert point_biserial(flags, rest) == pytest.approx(statistics.correlation(flags, rest), abs=1e-4)
    assert point_biserial([1, 1], [2.0, 3.0]) is None


def test_item_analysis_counts_ranks_and_names_the_mistakes_behind_wrong_answers():
    def result(label, status, points, value=None, mistakes=()):
        return ItemResult(label, str(value), status, points, 1.0, value, mistakes)

    results = {
        "a": [result("Q1", "correct", 1.0, 180.0), result("Q2", "wrong", 0.0, 1234567.0, ("forgot_bias",))],
        "b": [result("Q1", "wrong", 0.0, 144.0, ("forgot_bias",)), result("Q2", "blank", 0.0)],
        "c": [result("Q1", "partial", 0.5, 200.0, ("bias_convention",)), result("Q2", "correct", 1.0, 9.0)],
        "d": [result("Q1", "wrong", 0.0, 144.0, ("lstm_three_gates",)), result("Q2", "unreadable", 0.0)],
        "e": [result("Q1", "correct", 1.0, 180.0), result("Q2", "wrong", 0.0, 2.5)],
    }
    q1, q2, q3 = analyse(["Q1", "Q2", "Q3"], results)
    assert (q1.submitted, q1.answered, q1.correct, q1.blank, q1.unreadable) == (5, 5, 2, 0, 0)
    assert (q2.submitted, q2.answered, q2.correct, q2.blank, q2.unreadable) == (5, 4, 1, 1, 1)
    assert (q3.submitted, q3.difficulty, q3.discrimination, q3.wrong_answers) == (0, None, None, [])
    assert q1.difficulty == 0.4 and q2.difficulty == 0.2
    flags, rest = [1, 0, 0, 0, 1], [0.0, 0.0, 1.0, 0.0, 0.0]
    assert q1.discrimination == pytest.approx(statistics.correlation(flags, rest), abs=1e-4)
    assert q1.wrong_answers == [("144", 2, ("forgot_bias", "lstm_three_gates")), ("200", 1, ("bias_convention",))]
    assert q2.wrong_answers == [("1,234,567", 1, ("forgot_bias",)), ("2.5", 1, ())]
    assert dict(q1.mistakes) == {"forgot_bias": 1, "lstm_three_gates": 1, "bias_convention": 1}


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return key_for(EXAMPLES / "homework.yaml")


def _csv(rows, header, delimiter=",", bom=False, crlf=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    return (b"\xef\xbb\xbf" + data) if bom else data


def _answers_for(student, choose):
    return [choose(q) for q in student["questions"]]


def test_simulated_class_gets_expected_totals_and_diagnoses(key):
    students = key["students"]
    labels = all_labels(key)
    partial = key["partial_credit"]
    rows, expected = [], {}

    def right(q):
        return str(q["answer"])

    rows.append([students[0]["student_id"], *_answers_for(students[0], right)])
    expected[students[0]["student_id"]] = sum(q["points"] for q in students[0]["questions"])
    for k, name in enumerate(["forgot_bias", "only_recurrent_weights", "bias_convention", "lstm_three_gates"]):
        student = students[1 + k]
        answers, total, diagnosed = [], 0.0, []
        for q in student["questions"]:
            value = q["misconceptions"].get(name)
            if value is None:
                answers.append(str(q["answer"]))
                total += q["points"]
            else:
                answers.append(f"{value:,}" if isinstance(value, int) else str(value))
                total += q["points"] * partial.get(name, 0)
                diagnosed.append(q["label"])
        rows.append([student["student_id"], *answers])
        expected[student["student_id"]] = (total, name, diagnosed)
    rows.append([students[5]["student_id"], *["garbage"] * len(labels)])
    rows.append([students[6]["student_id"], *[""] * len(labels)])
    outcome = grade_submissions(key, _csv(rows, ["student_id", *labels], delimiter=";", bom=True, crlf=True))
    results = outcome.results
    assert sum(r.points for r in results[students[0]["student_id"]]) == pytest.approx(
        expected[students[0]["student_id"]]
    )
    for k in range(1, 5):
        sid = students[k]["student_id"]
        total, name, diagnosed = expected[sid]
        assert sum(r.points for r in results[sid]) == pytest.approx(total), name
        assert diagnosed, name
        for r in results[sid]:
            if r.label in diagnosed:
                assert name in r.mistakes, (name, r)
    assert {r.status for r in results[students[5]["student_id"]]} == {"unreadable"}
    assert {r.status for r in results[students[6]["student_id"]]} == {"blank"}
    assert len(outcome.missing) == len(students) - 7


def test_duplicates_unknown_and_columns_are_reported(key):
    labels = all_labels(key)
    sid = key["students"][0]["student_id"]
    rows = [
        [sid, "1"] + [""] * (len(labels) - 1),
        ["nobody", "1"] + [""] * (len(labels) - 1),
        [sid, str(key["students"][0]["questions"][0]["answer"])] + [""] * (len(labels) - 1),
        ["", "5"],
    ]
    header = ["Student_ID", *[label.lower() for label in labels[:-1]], "Remarks"]
    outcome = grade_submissions(key, _csv(rows, header))
    summary = outcome.summary()
    assert summary["duplicates"] == {sid: {"lines": [2, 4], "kept": 4}}
    assert summary["unknown_students"] == [{"line": 3, "student_id": "nobody"}]
    assert summary["rejected_rows"][0]["line"] == 5
    assert summary["missing_columns"] == [labels[-1]] and summary["extra_columns"] == ["Remarks"]
    assert outcome.results[sid][0].correct


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_and_every_row_is_accounted_for(data):
    key = one_question_key(numeric_question(answer=5), choice_question())
    for prefix in (b"", b"student_id,Q1\n", b"student_id;Q1\r\na;"):
        outcome = grade_submissions(key, prefix + data)
        s = outcome.summary()
        superseded = sum(len(d["lines"]) - 1 for d in s["duplicates"].values())
        rejected = sum(1 for r in s["rejected_rows"] if "header" not in r["reason"])
        assert s["rows_read"] == s["graded"] + superseded + len(s["unknown_students"]) + rejected


def test_grade_command_outputs_are_complete_deterministic_and_leave_inputs_alone(key, tmp_path):
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key))
    labels = all_labels(key)
    rows = [[s["student_id"], *[str(q["answer"]) for q in s["questions"]]] for s in key["students"][:20]]
    subs = tmp_path / "subs.csv"
    subs.write_bytes(_csv(rows, ["student_id", *labels]))
    before = hashlib.sha256(subs.read_bytes()).hexdigest() + hashlib.sha256(key_path.read_bytes()).hexdigest()
    outs = []
    for n in range(2):
        out = tmp_path / f"grades{n}"
        result = CliRunner().invoke(
            main, ["grade", str(key_path), str(subs), "--out", str(out), "--gradebook", "moodle"]
        )
        assert result.exit_code == 0, result.output
        outs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outs[0] == outs[1]
    after = hashlib.sha256(subs.read_bytes()).hexdigest() + hashlib.sha256(key_path.read_bytes()).hexdigest()
    assert before == after
    files = outs[0]
    grades = list(csv.DictReader(io.StringIO(files[Path("grades.csv")].decode())))
    assert len(grades) == len(key["students"])
    assert all(g["percent"] == "100" for g in grades[:20]) and all(g["status"] == "no submission" for g in grades[20:])
    assert Path("feedback/s001.md") in files and Path("feedback/s001.html") in files
    assert b"<svg" in files[Path("report.html")]
    moodle = files[Path("gradebook-moodle.csv")].decode().splitlines()
    assert moodle[0].startswith("ID number,Email address,") and moodle[1].startswith("s001,s001@example.edu,")


def test_bad_key_is_one_line(tmp_path):
    bad = tmp_path / "key.json"
    bad.write_text("{not json")
    subs = tmp_path / "s.csv"
    subs.write_text("student_id\n")
    result = CliRunner().invoke(main, ["grade", str(bad), str(subs), "--out", str(tmp_path / "o")])
    assert result.exit_code == 6 and "not a key.json file" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ({"assignment": "t", "students": [{"x": 1}]}, "students[0].student_id is missing"),
        (
            {"assignment": "t", "students": [{"student_id": "a", "questions": [{"label": "Q1"}]}]},
            "students[0].questions[0].type is missing or of the wrong type",
        ),
        (
            one_question_key(numeric_question(answer="x")),
            "students[0].questions[0].answer must be a number",
        ),
    ],
)
def test_malformed_keys_are_one_line_errors(tmp_path, key, words):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    subs = tmp_path / "s.csv"
    subs.write_text("student_id,Q1\na,1\n")
    for args in (["grade", str(path), str(subs), "--out", str(tmp_path / "o")], ["trace", str(path), "12"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 6 and words in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1


def test_pairs_of_mistakes_explain_larger_numbers_only():
    question = numeric_question()
    scorer = Scorer()
    paired = scorer.score(question, str(3 * 5 * (3 + 5)))  # three gates and no bias
    assert paired.mistakes == ("forgot_bias+lstm_three_gates",) or set(paired.mistakes[0].split("+")) == {
        "forgot_bias",
        "lstm_three_gates",
    }
    assert scorer.score(question, "1").mistakes == ()


def test_factor_note_reads_as_a_sentence():
    note = factor_note(parse_number("4*5*6"), "4·6·6 = 144")
    assert note == "In your product, factor 2 is 5 where 6 belongs."


def test_key_markdown_has_a_space_before_the_derivation(tmp_path):
    from quizgen.publish.generate import generate

    generate(EXAMPLES / "homework.yaml", tmp_path / "out", formats=["md"])
    text = (tmp_path / "out" / "students" / "s001" / "key.md").read_text()
    assert "**— " not in text and "** — `" in text


def test_grading_reports_progress_to_a_terminal_only(key, tmp_path, monkeypatch):
    import quizgen.grading.run as run

    monkeypatch.setattr(run, "PROGRESS_EVERY", 2)
    rows = [[s["student_id"], "1"] for s in key["students"]]
    data = _csv(rows, ["student_id", "Q3"])
    seen = []
    grade_submissions(key, data, lambda read, graded: seen.append((read, graded)))
    # Rows as they are read, then students as they are graded, then the end.
    assert seen[0] == (2, 0) and (len(rows), 2) in seen and seen[-1] == (len(rows), len(rows))
    assert seen == sorted(seen)
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(key))
    (tmp_path / "s.csv").write_bytes(data)
    piped = CliRunner().invoke(main, ["grade", str(key_file), str(tmp_path / "s.csv"), "--out", str(tmp_path / "g")])
    assert piped.exit_code == 0 and "rows read" not in piped.output, piped.output


_mistake_values = st.one_of(
    st.integers(0, 2000),
    st.integers(0, 2000).map(float),
    st.integers(0, 2000).map(lambda n: n + 4e-10),
    st.integers(0, 2000).map(lambda n: n + 0.5),
    st.booleans(),
    st.sampled_from(["A", None]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(1, 2000), st.integers(1, 2000).map(float), st.integers(10**9 - 5, 10**9 + 5)),
            st.sampled_from([0, 0.5, 3]),
            st.lists(_mistake_values, min_size=0, max_size=5),
            st.sampled_from(["answer", "mistake", "padded", "zero", "other", "blank", "missing"]),
            st.integers(0, 3000),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["total", "weight_bytes(float32)", None]),
)
@example([(180, 0, [1, 1.0, True, 180 + 4e-10], "mistake", 1)], "total")
@example([(180, 0, [7 + 4e-10, 7.5], "other", 7)], "total")
def test_a_row_scores_as_the_general_reader_scores_each_answer(items, quantity):
    """The row path (digits of the answer said correct early, mistakes found by equality) against the
    general reader, which reads the same answer padded with blanks; bools and near-integers included."""
    questions, answers = [], {}
    for k, (answer, tolerance, values, typed, other) in enumerate(items):
        names = [f"m{n}" for n in range(len(values))]
        label = f"Q{k + 1}"
        questions.append(
            numeric_question(
                label=label,
                answer=answer,
                tolerance=tolerance,
                misconceptions=dict(zip(names, values, strict=True)),
                misconception_feedback={n: f"feedback {n}" for n in names},
                quantity=quantity,
            )
        )
        whole = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer()]
        raw = {
            "answer": str(int(answer)),
            "mistake": str(int(whole[0])) if whole else str(other),
            "padded": "0" + str(int(answer)),
            "zero": "0",
            "other": str(other),
            "blank": "",
        }.get(typed)
        if raw is not None:
            answers[label] = raw
    scorer = Scorer({"m0": 0.5, "m2": 0.25})
    row = scorer.score_answers(questions, [answers.get(q["label"], "") for q in questions])
    general = [scorer.score(q, f" {answers.get(q['label'], '')}\t") for q in questions]
    assert [(r.label, r.status, r.points, r.max_points, r.value, r.mistakes, r.feedback) for r in row] == [
        (g.label, g.status, g.points, g.max_points, g.value, g.mistakes, g.feedback) for g in general
    ]
    assert [r.raw for r in row] == [answers.get(q["label"], "") for q in questions]


def test_grades_csv_puts_each_label_in_its_column_whatever_each_student_was_asked():
    key = {
        "students": [
            {
                "student_id": "a",
                "name": "Ann",
                "questions": [{"label": "Q1", "points": 2}, {"label": "Q2", "points": 1}],
            },
            {
                "student_id": "b",
                "name": "",
                "questions": [{"label": "Q2", "points": 1}, {"label": "Q3", "points": 1.5}],
            },
            {"student_id": "c", "name": "Cy", "questions": [{"label": "Q1", "points": 2}]},
        ]
    }
    outcome = Outcome(key, all_labels(key))
    outcome.results = {
        "a": [ItemResult("Q1", "9", "partial", 0.5, 2.0), ItemResult("Q2", "7", "correct", 1.0, 1.0)],
        "b": [ItemResult("Q2", "", "blank", 0.0, 1.0), ItemResult("Q3", "3", "correct", 1.5, 1.5)],
    }
    assert grades_csv(outcome).splitlines() == [
        "student_id,name,Q1,Q2,Q3,total,max,percent,status",
        "a,Ann,0.5,1,,1.5,3,50,graded",
        "b,,,0,1.5,1.5,2.5,60,graded",
        "c,Cy,,,,0,2,0,no submission",
    ]
    same = {"students": [{**key["students"][0], "name": "Al"}, key["students"][0]]}
    outcome = Outcome(same, all_labels(same))
    outcome.results = {"a": [ItemResult("Q1", "9", "partial", 0.5, 2.0), ItemResult("Q2", "8", "wrong", 0.0, 1.0)]}
    assert grades_csv(outcome).splitlines()[1:] == ["a,Al,0.5,0,0.5,3,16.67,graded", "a,Ann,0.5,0,0.5,3,16.67,graded"]


def _results_strategy():
    status = st.sampled_from(["correct", "partial", "wrong", "blank", "unreadable"])
    one = st.tuples(status, st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.integers(1, 6), st.sampled_from(["a", "b", ""]))
    return st.lists(st.lists(one, min_size=3, max_size=3), min_size=0, max_size=12)


@settings(max_examples=200, deadline=None)
@given(_results_strategy())
def test_item_analysis_is_the_same_however_each_student_lists_the_labels(rows):
    """Students listing the labels in the key's order are tallied by columns, others one by one."""
    labels = ["Q1", "Q2", "Q3"]

    def result(label, status, points, value, mistake):
        return ItemResult(label, "", status, points, 1.0, float(value), (mistake,) if mistake else ())

    in_order = {
        f"s{n}": [result(lb, *cells) for lb, cells in zip(labels, row, strict=True)] for n, row in enumerate(rows)
    }
    reversed_ = {sid: results[::-1] for sid, results in in_order.items()}
    assert analyse(labels, in_order) == analyse(labels, reversed_)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["student_id", "Q1", "q1", "Q2", "Q3", "notes"]), min_size=1, max_size=7),
    st.lists(st.lists(st.sampled_from(["", " ", "5", "7", "x"]), max_size=8), min_size=1, max_size=5),
)
@example(["student_id", "Q1", "Q2", "Q3"], [["s1", "5", "7"], ["s2", "5", "7", "x"]])
def test_a_rows_answers_are_taken_from_the_columns_named_like_each_label(header, rows):
    """Each label's answer is its column's, or with the label twice the first non-blank one; a label
    with no column, or a row too short to reach it, is blank."""
    intake = Intake()
    intake.read_header(header)
    labels = ("Q1", "Q2", "Q3")
    for cells in rows:
        expected = []
        for label in labels:
            found = [
                cells[k] for k, name in enumerate(header) if name.casefold() == label.casefold() and k < len(cells)
            ]
            expected.append(next((v for v in found if v.strip()), found[0] if found else ""))
        assert list(intake.answers(cells, labels)) == expected


def _wrong_answers_by_hand(results):
    """The five most frequent wrong answers as the report shows them, ties by text, with the mistakes
    named behind each: tallied one answer at a time."""
    counts, behind = {}, {}
    for r in results:
        if r.status in ("wrong", "partial"):
            if isinstance(r.value, float):
                text = f"{int(r.value):,}" if r.value.is_integer() else f"{r.value:g}"
            else:
                text = str(r.value)
            counts[text] = counts.get(text, 0) + 1
            behind.setdefault(text, set()).update(r.mistakes)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    return [(text, n, tuple(sorted(behind[text]))) for text, n in ranked]


_WRONG_VALUES = st.one_of(
    st.sampled_from([144.0, 200.0, 1234567.0, 2.5, 2.5000001, 2.5000002, 1e-7, 1.0000001e-7]),
    st.integers(0, 30).map(float),
    st.sampled_from(["A", "B", "C"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["correct", "partial", "wrong", "blank"]),
            _WRONG_VALUES,
            st.sampled_from([(), ("forgot_bias",), ("lstm_three_gates", "bias_convention")]),
        ),
        max_size=60,
    ),
    st.booleans(),
)
def test_common_wrong_answers_are_ranked_as_shown(answers, one_kind):
    """Values shown alike (2.5000001 and 2.5000002 are both 2.5) are counted together; the ranking
    and the mistakes behind each are those of a tally one answer at a time."""
    if one_kind:
        answers = [(s, v if isinstance(v, float) and v.is_integer() else 7.0, m) for s, v, m in answers]
    results = {
        f"s{n}": [ItemResult("Q1", "", status, 0.0, 1.0, value, mistakes if status != "correct" else ())]
        for n, (status, value, mistakes) in enumerate(answers)
    }
    (item,) = analyse(["Q1"], results)
    assert item.wrong_answers == _wrong_answers_by_hand([row[0] for row in results.values()])


def _graded_files(out):
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_feedback_written_by_worker_processes_is_the_same_byte_for_byte(key, tmp_path, monkeypatch):
    import quizgen.grading.feedback as feedback

    monkeypatch.setattr(feedback, "CHUNK", 2)  # 30 students are then enough for two workers
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key))
    wrong = ["{}", "1", "A"]  # right, a number, a letter: right or wrong by turns
    rows = [
        [s["student_id"], *[wrong[(n + k) % 3].format(q["answer"]) for k, q in enumerate(s["questions"])]]
        for n, s in enumerate(key["students"])
    ]
    subs = tmp_path / "subs.csv"
    subs.write_bytes(_csv(rows[:-3], ["student_id", *all_labels(key)]))
    grade(key_path, subs, tmp_path / "one")
    grade(key_path, subs, tmp_path / "two", jobs=2)
    one, two = _graded_files(tmp_path / "one"), _graded_files(tmp_path / "two")
    assert one == two
    assert sum(1 for p in one if p.parts[0] == "feedback") == 2 * len(key["students"])


def test_a_key_read_student_by_student_grades_as_one_read_whole(key, tmp_path, monkeypatch):
    """The same key written as quizgen writes it (read as a stream, in pieces of 50 characters) and with
    its partial credit after the students (read whole): the same files, byte for byte."""
    import quizgen.quiz.keyfile as keyfile

    monkeypatch.setattr(keyfile, "_CHUNK", 50)
    streamed, whole = tmp_path / "streamed.json", tmp_path / "whole.json"
    streamed.write_text(json.dumps(key, indent=1, sort_keys=True, ensure_ascii=False))
    last = {k: v for k, v in key.items() if k != "partial_credit"} | {"partial_credit": key["partial_credit"]}
    whole.write_text(json.dumps(last))
    with keyfile.KeyFile(streamed) as one, keyfile.KeyFile(whole) as other:
        assert one._reader is not None and other._reader is None
    wrong = ["{}", "7", "B", ""]
    rows = [
        [s["student_id"], *[wrong[(n * k) % 4].format(q["answer"]) for k, q in enumerate(s["questions"])]]
        for n, s in enumerate(key["students"])
    ]
    subs = tmp_path / "subs.csv"
    subs.write_bytes(_csv([*rows[2:], rows[5], ["nobody", "1"]], ["student_id", *all_labels(key)]))
    grade(streamed, subs, tmp_path / "a", gradebook="canvas")
    grade(whole, subs, tmp_path / "b", gradebook="canvas")
    a, b = _graded_files(tmp_path / "a"), _graded_files(tmp_path / "b")
    assert a == b
    summary = json.loads(a[Path("summary.json")])
    assert summary["duplicates"] and summary["unknown_students"] and len(summary["no_submission"]) == 2


def test_a_course_template_that_fails_in_a_worker_is_one_line_and_leaves_no_output(key, tmp_path, monkeypatch):
    import quizgen.grading.feedback as feedback

    monkeypatch.setattr(feedback, "CHUNK", 2)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "feedback.md").write_text("{{ student.student_id }} {{ nothing.at_all }}\n")
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key))
    subs = tmp_path / "subs.csv"
    subs.write_bytes(_csv([[s["student_id"], "1"] for s in key["students"]], ["student_id", "Q3"]))
    out = tmp_path / "out"
    args = ["grade", str(key_path), str(subs), "--out", str(out), "--templates", str(templates), "--jobs", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 6, result.output
    assert "rendering failed: UndefinedError" in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_the_summary_lists_unknown_rows_by_line_and_header_notes_before_row_notes(key):
    students = [s["student_id"] for s in key["students"]]
    header = ["student_id", "Q3", "q3", "Q5"]
    rows = [["ghost", "1", "", "2"], [students[0], "", "7", "1"], ["spirit", "1"], ["ghost", "3", "", "", "extra"]]
    outcome = grade_submissions(key, _csv(rows, header))
    summary = outcome.summary()
    assert summary["unknown_students"] == [
        {"line": 2, "student_id": "ghost"},
        {"line": 4, "student_id": "spirit"},
        {"line": 5, "student_id": "ghost"},
    ]
    assert summary["duplicate_columns"] == ["Q3"]
    assert summary["notes"][0].startswith("column Q3 appears 2 times")
    assert summary["notes"][1].startswith("line 5: 1 cell(s) beyond the header")
    q3 = next(r for r in outcome.results[students[0]] if r.label == "Q3")
    assert q3.raw == "7"  # the first non-blank of the two Q3 columns


def test_points_possible_come_from_each_students_questions(key, tmp_path):
    """Students with no submission and the gradebook's points possible are the key's points, which
    differ from question to question and from student to student here."""
    key = json.loads(json.dumps(key))
    for n, student in enumerate(key["students"]):
        for k, q in enumerate(student["questions"]):
            q["points"] = [2, 0.5, 1][(n + k) % 3]
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key, indent=1, sort_keys=True))
    first = key["students"][0]
    subs = tmp_path / "subs.csv"
    subs.write_bytes(_csv([[first["student_id"], "1"]], ["student_id", "Q3"]))
    grade(key_path, subs, tmp_path / "out", gradebook="canvas")
    grades = list(csv.DictReader(io.StringIO((tmp_path / "out" / "grades.csv").read_text())))
    for student, row in zip(key["students"], grades, strict=True):
        assert float(row["max"]) == sum(q["points"] for q in student["questions"])
    possible = (tmp_path / "out" / "gradebook-canvas.csv").read_text().splitlines()[1].split(",")[-1]
    assert float(possible) == max(sum(q["points"] for q in s["questions"]) for s in key["students"])


@pytest.mark.parametrize(
    ("spec", "framework", "quantity"),
    [
        ("Input(3) -> LSTM(5)", "keras", "total"),
        ("Input(8) -> LSTM(16, return_sequences=true) -> GRU(12) -> Dense(4)", "pytorch", "total"),
        ("Input(10) -> Bidirectional(LSTM(6)) -> Dense(3)", "keras", "layer[2]"),
    ],
)
def test_a_typed_pair_number_is_found_by_value_and_worded_as_that_pair(spec, framework, quantity):
    """Grading scans the pairs' numbers alone and words only the pair it finds: the same pairs, in the
    same order, as the distractors' full list, each number a recount under both mistakes' rules."""
    from quizgen.bank.answers import pair_values, pair_wrongs
    from quizgen.counting.model import count
    from quizgen.counting.quantity import measure

    values, wrongs = pair_values(spec, framework, quantity), pair_wrongs(spec, framework, quantity)
    assert [(both.name, number) for both, number in values] == [(w.name, w.value) for w in wrongs]
    assert len(values) >= 3
    by_name = {w.name: w.value for w in answer_for(spec, None, framework, quantity).wrongs}
    for both, number in values:
        assert measure(count(spec, framework, both.rules), quantity).value == number
        assert number not in [by_name.get(name) for name in both.name.split("+")]  # each mistake counts
    question = numeric_question(spec=spec, framework=framework, quantity=quantity)
    question["answer"] = measure(count(spec, framework), quantity).value
    singles = {w.value for w in answer_for(spec, None, framework, quantity).wrongs}
    scorer = Scorer()
    for wrong in wrongs:
        if wrong.value in singles or wrong.value < 10:
            continue
        first = next(w for w in wrongs if w.value == wrong.value)  # the first pair at that number
        result = scorer.score(question, str(wrong.value))
        assert result.mistakes == (first.name,) and result.feedback == first.explanation
