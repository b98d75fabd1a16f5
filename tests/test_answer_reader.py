"""The practice page reads answers by the grader's rules: the JavaScript and Python readers agree."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.grading.parse import parse_bytes, parse_number

READER = Path(__file__).resolve().parent.parent / "templates" / "_answer_reader.js"
HARNESS = (
    "const fs=require('fs');eval(fs.readFileSync(process.argv[1],'utf8')+';globalThis.q=quizgenAnswers;');"
    "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const xs=JSON.parse(s);"
    "process.stdout.write(JSON.stringify(xs.map(([t,b])=>b?q.readBytes(t):q.readNumber(t))))})"
)
SAMPLES = [
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
    "about 1,760 parameters",
    "4*20*(1+20+1)",
    "4·20·(1+20+1)",
    "4x20x22",
    "4 × 20 × 22 = 1760",
    "",
    "abc",
    "12 or 13",
    "1e400",
    "((((",
    "4 5",
    "−",
    "1,2,3,4",
    "−5",
    "1,5",
    "(3+4)*2",
    "2/0",
    "7/2",
    "4*5*(3+5)",
    "0\x1f",
    "１２\u2009",
    "-(3)",
    "3 -2",
    "2 GiB",
    "1.5 MiB",
    "64 bits",
    "4096 bytes",
    "2GB",
]


def _node(inputs: list[tuple[str, bool]]) -> list[float | None]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "-e", HARNESS, str(READER)], input=json.dumps(inputs), capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def _python(text: str, in_bytes: bool) -> float | None:
    return (parse_bytes if in_bytes else parse_number)(text).value


def _agree(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return abs(ours - theirs) <= 1e-9 * max(1.0, abs(ours))


def test_curated_answers_read_alike():
    inputs = [(t, b) for t in SAMPLES for b in (False, True)]
    for (text, in_bytes), js in zip(inputs, _node(inputs), strict=True):
        assert _agree(_python(text, in_bytes), js), (text, in_bytes, _python(text, in_bytes), js)


PIECES = st.sampled_from([*"0123456789 ,.*x·×()+-/=eE_'", "\u2212", "\u202f", "１", "٣", "GiB", " bits", " params"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(PIECES, max_size=10).map("".join), min_size=20, max_size=20))
def test_random_answers_read_alike(texts):
    inputs = [(t, i % 2 == 1) for i, t in enumerate(texts)]
    for (text, in_bytes), js in zip(inputs, _node(inputs), strict=True):
        assert _agree(_python(text, in_bytes), js), (text, in_bytes, _python(text, in_bytes), js)
