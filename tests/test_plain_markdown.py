"""Plain bank text rendered without the Markdown parser must be exactly what the parser makes of it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from quizgen.publish.generate import key_for
from quizgen.render.pages import markdown_html
from quizgen.render.plain_markdown import plain_html

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PARSER = MarkdownIt("commonmark", {"html": False, "typographer": False, "xhtmlOut": True})

# Letters, digits, the bank's punctuation, every character with a meaning in Markdown, and blanks.
ALPHABET = st.sampled_from(
    list("ab Z09 ")
    + list("\n\n``")
    + list("\\*_[]<>&!#=-+~.()'\":?|{}$%^;,/@")
    + ["\t", "\r", "\0", "\u00a0", "\x1c", "·", "×", "⌊", "1.", "2)", "&amp;", "http://x.org", "<b>"]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(ALPHABET, max_size=24).map("".join))
@example('A `Dense(10, use_bias=False)` layer, `a<b>&c` "quoted"\non 3 inputs.\n\nHow many?')
@example("44 features?\n1. a list")
@example("`` a `` and `a\nb`")
@example("a ` b ` c")
@example("`a``a`")
@example("`  `")
@example("a\u00a0\nb")
@example("a\x1c")
@example("a\n---")
@example("- item")
@example("    code")
def test_plain_text_renders_as_the_parser_renders_it(text):
    html = plain_html(text)
    if html is not None:
        assert html == PARSER.render(text)


def test_the_banks_sentences_and_code_spans_need_no_parser():
    """Every prompt and stem of the example homework (what feedback pages show) is plain text."""
    key = key_for(EXAMPLES / "homework.yaml")
    questions = [q for s in key["students"] for q in s["questions"]]
    texts = {q["prompt"] for q in questions} | {q["stem"] for q in questions if q.get("stem")}
    assert len(texts) > 100 and any("\n" in text and "`" in text for text in texts)
    for text in texts:
        assert plain_html(text) == PARSER.render(text), text


def test_markup_the_plain_path_leaves_goes_to_the_parser():
    for text in ("a *b*", "[a](b)", "# A", "<b>x</b>", "a &amp; b", "1. one", "a\\*b", "```\nx\n```", "a  \nb"):
        assert plain_html(text) is None
        assert markdown_html(text) == PARSER.render(text)
