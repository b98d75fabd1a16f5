"""The practice page in headless Chromium: right and wrong answers get the right feedback."""

import json
import os
import shutil
from pathlib import Path

import pytest

from quizgen.publish.generate import generate


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    folder = tmp_path_factory.mktemp("practice")
    assignment = folder / "a.yaml"
    assignment.write_text(
        "title: Practice\nsalt: p\nvariants: 1\nquestions:\n"
        "  - {id: lstm-three-inputs-five-units}\n  - {id: lstm-layer-total-choice}\n"
    )
    generate(assignment, folder / "out", formats=["html"], practice=True)
    key = json.loads((folder / "out" / "key.json").read_text())["students"][0]["questions"]
    return folder / "out" / "students" / "V001" / "practice.html", {q["label"]: q for q in key}


def test_right_and_wrong_answers_get_feedback(browser, practice, tmp_path):
    page_file, key = practice
    page = browser.new_page()
    page.goto(page_file.as_uri())
    assert "answers and worked solutions are inside this file" in page.inner_text("#practice-notice")

    total = key["Q1b"]
    page.fill("#answer-Q1b", f"{total['answer']:,}")
    page.click("button.check[data-label='Q1b']")
    assert page.inner_text("#feedback-Q1b").startswith("Correct: " + total["derivation"])

    wrong_value = total["misconceptions"]["only_recurrent_weights"]
    page.fill("#answer-Q1b", f" {wrong_value} params")
    page.click("button.check[data-label='Q1b']")
    feedback = page.inner_text("#feedback-Q1b")
    assert "Counted only the recurrent weights" in feedback
    assert page.get_attribute("#feedback-Q1b", "class") == "feedback wrong"

    page.fill("#answer-Q1a", "not a number")
    page.keyboard.press("Enter")
    assert "Type a number or an expression" in page.inner_text("#feedback-Q1a")

    expression = total["derivation"].split(" = ")[0].replace("·", "*")
    page.fill("#answer-Q1b", expression)
    page.click("button.check[data-label='Q1b']")
    assert page.inner_text("#feedback-Q1b").startswith("Correct"), expression

    choice = key["Q2"]
    wrong_letter = next(letter for letter in choice["options"] if letter != choice["answer"])
    page.check(f"input[name='Q2'][value='{wrong_letter}']")
    page.click("button.check[data-label='Q2']")
    assert page.inner_text("#feedback-Q2").startswith("Not this one.")
    page.check(f"input[name='Q2'][value='{choice['answer']}']")
    page.click("button.check[data-label='Q2']")
    assert page.inner_text("#feedback-Q2") == "Correct: " + choice["derivation"]

    page.click("button.show[data-label='Q1b']")
    assert total["derivation"] in page.inner_text("#solution-Q1b")
    shot = tmp_path / "practice.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("QUIZGEN_SCREENSHOT_DIR"):
        shutil.copy(shot, Path(os.environ["QUIZGEN_SCREENSHOT_DIR"]) / "practice.png")
    page.close()


def test_quiz_page_renders_math_and_diagrams(browser, practice):
    page_file, _ = practice
    page = browser.new_page()
    page.goto((page_file.parent / "key.html").as_uri())
    assert page.locator("math").count() >= 3
    assert page.locator("figure.diagram svg").count() >= 1
    page.goto((page_file.parent / "quiz.html").as_uri())
    assert page.locator("math").count() == 0
    page.close()


def test_a_number_inside_text_is_not_called_correct(browser, practice):
    # Seen: the practice page said "Correct" to `not 1356` (a lone number inside text was taken).
    page_file, key = practice
    page = browser.new_page()
    page.goto(page_file.as_uri())
    answer = key["Q1b"]["answer"]
    for typed in (f"not {answer}", f"{answer} MB", f"{answer}%", f"$ {answer}", f"{answer + 1}-1 = {answer}"):
        page.fill("#answer-Q1b", typed)
        page.click("button.check[data-label='Q1b']")
        feedback = page.inner_text("#feedback-Q1b")
        if typed.endswith(f"= {answer}"):
            assert feedback.startswith("Correct"), typed
        else:
            assert not feedback.startswith("Correct") and "Type a number or an expression" in feedback, typed
    page.close()
