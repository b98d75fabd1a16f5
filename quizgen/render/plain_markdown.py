"""The HTML of plain Markdown text (paragraphs, line breaks and `code`) without a Markdown parser.

Most bank text is sentences with a few code spans; a class's feedback shows thousands of distinct
prompts, and parsing each with markdown-it took a fifth of grading. ``plain_html`` renders text that
can only be paragraphs and code spans, exactly as the CommonMark parser would, and returns None for
anything else (emphasis, links, lists, headings, entities, …), which then goes to the parser.
"""

from __future__ import annotations

import re

# Outside code spans these may start inline markup (emphasis, links, autolinks, raw HTML, entities,
# escapes); the parser replaces NUL, and treats blanks other than the space apart (tabs, stripping).
_INLINE_MARKUP = re.compile(r"[\\*_\[\]<>&\0]|[^\S ]")
# A line starting like this may open a block (heading, quote, list, rule, fence, setext underline).
_BLOCK_START = re.compile(r"[#>\-+*=~]|\d+[.)]")


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _line_html(line: str) -> str | None:
    if "``" in line:  # a longer run of backticks opens or closes only a run of the same length
        return None
    pieces = line.split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: an unclosed span, or one across lines
        return None
    html = []
    for k, piece in enumerate(pieces):
        if k % 2:  # inside a code span
            if piece[0] == " " or piece[-1] == " ":
                return None  # spans whose spaces the parser trims
            html.append(f"<code>{_escaped(piece)}</code>")
        elif _INLINE_MARKUP.search(piece):
            return None
        else:
            html.append(_escaped(piece))
    return "".join(html)


def plain_html(text: str) -> str | None:
    """The HTML markdown-it (CommonMark, no raw HTML, XHTML output) makes of ``text``, or None when
    ``text`` may hold more than paragraphs and code spans."""
    if "\0" in text or "\r" in text:  # the parser replaces NUL and reads CR as a line's end
        return None
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line:
            paragraphs.append([])
            continue
        if line[0] == " " or line[-1] == " " or _BLOCK_START.match(line):
            return None
        html = _line_html(line)
        if html is None:
            return None
        paragraphs[-1].append(html)
    return "".join(f"<p>{chr(10).join(lines)}</p>\n" for lines in paragraphs if lines)
